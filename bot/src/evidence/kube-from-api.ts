import type { PodLayerRead } from '../kube/pod-layer';
import { readApiObject } from '../paste/kube-api';
import { joinStorage } from '../paste/kube-storage-api';
import { markLateStarts } from './late-starts';
import { emptyKubeEvidence, type Evidence } from './evidence';

/**
 * The pod and the rest of its Kubernetes layer, read live from the API, into
 * the evidence's Kubernetes section — the one the snapshot's runtime view
 * (runtime-from-snapshot.ts) and pasted kubectl output fill — through the
 * same reader as a pasted `kubectl get -o json`. Reads that failed are named
 * in `kube.unread` and in `missing`.
 */
export function mergeApiLayer(ev: Evidence, pod: { namespace: string; name: string; raw?: Record<string, unknown> }, layer?: PodLayerRead): void {
  if (!pod.raw && !layer) return;
  const kube = (ev.kube ??= emptyKubeEvidence());
  // Ages count from the snapshot when there is one, else from the API read.
  kube.now ??= ev.clock?.takenAtMs ? new Date(ev.clock.takenAtMs).toISOString() : layer?.readAt ?? new Date().toISOString();
  if (pod.raw) readApiObject(kube, pod.raw, `pod ${pod.namespace}/${pod.name} (Kubernetes API)`);
  for (const o of layer?.objects ?? []) readApiObject(kube, o.value, lineOf(o.value) ?? `${o.what} (Kubernetes API)`);
  joinStorage(kube);
  for (const u of layer?.unread ?? []) {
    (kube.unread ??= []).push(u);
    ev.missing.push(`Kubernetes API: ${u.what} not read (${u.why})`);
  }
  // With the pod's deletionTimestamp known: its processes started after the deletion began (a preStop hook, an exec).
  markLateStarts(ev);
}

type J = Record<string, unknown>;
const obj = (v: unknown): J => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as J) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined);

/** The evidence line of an object read live: what `kubectl get events` / `get node` would show of it. */
function lineOf(value: unknown): string | undefined {
  const o = obj(value);
  if (o.kind === 'Event') {
    const inv = obj(o.involvedObject);
    const count = Number(o.count ?? obj(o.series).count ?? 1);
    const last = str(o.lastTimestamp) ?? str(o.eventTime) ?? str(obj(o.metadata).creationTimestamp);
    return `event ${str(o.type) ?? ''} ${str(o.reason) ?? ''} ${(str(inv.kind) ?? '').toLowerCase()}/${str(inv.name) ?? ''}${count > 1 ? ` (×${count})` : ''}${last ? ` last ${last}` : ''}${str(obj(o.source).component) ? ` from ${str(obj(o.source).component)}` : ''}: ${(str(o.message) ?? '').slice(0, 300)}`;
  }
  if (o.kind === 'Node') {
    const ready = (Array.isArray(obj(o.status).conditions) ? (obj(o.status).conditions as unknown[]) : []).map(obj).find((c) => c.type === 'Ready');
    const taints = (Array.isArray(obj(o.spec).taints) ? (obj(o.spec).taints as unknown[]) : []).map(obj).map((t) => `${str(t.key)}${str(t.value) ? `=${str(t.value)}` : ''}:${str(t.effect) ?? ''}`);
    return `node ${str(obj(o.metadata).name) ?? '?'}: Ready=${str(ready?.status) ?? '?'}${str(ready?.reason) ? ` (${str(ready?.reason)})` : ''}${str(ready?.lastHeartbeatTime) ? `, lastHeartbeatTime ${str(ready?.lastHeartbeatTime)}` : ''}${taints.length ? `, taints ${taints.join(' ')}` : ''}`;
  }
  return undefined;
}
