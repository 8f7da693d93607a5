import type { ControllerRead, PodLayerRead } from '../kube/pod-layer';
import { readApiObject } from '../paste/kube-api';
import { joinStorage } from '../paste/kube-storage-api';
import { markLateStarts } from './late-starts';
import { emptyKubeEvidence, type Evidence, type KubeControllerLook, type KubeControllerPod, type KubeEvent } from './evidence';

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
  kube.now ??= ev.clock?.takenAtMs ? new Date(ev.clock.takenAtMs).toISOString() : (layer?.readAt ?? new Date().toISOString());
  if (pod.raw) readApiObject(kube, pod.raw, `pod ${pod.namespace}/${pod.name} (Kubernetes API)`);
  for (const o of layer?.objects ?? []) readApiObject(kube, o.value, lineOf(o.value) ?? `${o.what} (Kubernetes API)`);
  joinStorage(kube);
  for (const c of layer?.controllers ?? []) (kube.controllers ??= []).push(controllerLook(c));
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

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A controller as looked for live (pod-layer.ts), into the evidence: its pods' state, their recent events, or why not read. */
export function controllerLook(c: ControllerRead): KubeControllerLook {
  const s = c.search;
  const how =
    s.by === 'labels'
      ? `pods in ${s.namespace} with ${s.selector}`
      : `a Deployment named like ${c.finalizers.length > 1 ? 'the finalizers' : `"${c.finalizers[0]}"`} (a guess by name${c.looked ? `, among ${c.looked.cut ? 'the first ' : ''}${c.looked.deployments} Deployments of the cluster` : ''})`;
  return {
    finalizers: c.finalizers,
    controller: s.controller,
    by: s.by,
    how,
    noneMeans: s.noneMeans,
    deployments: c.deployments.map(({ value, matched }) => {
      const d = obj(value);
      const md = obj(d.metadata);
      const st = obj(d.status);
      const replicas = num(obj(d.spec).replicas);
      const ready = num(st.readyReplicas) ?? 0;
      const name = str(md.name) ?? '?';
      const namespace = str(md.namespace) ?? '';
      return { namespace, name, replicas, ready, matched, line: `deployment ${namespace}/${name}: ${ready}/${replicas ?? '?'} ready (${matched})` };
    }),
    pods: c.pods.map(controllerPod),
    events: c.events.map(controllerEvent).filter((e): e is KubeEvent => e !== undefined),
    ...(c.partial.length ? { partial: c.partial.map((p) => `${p.what} (${p.why})`) } : {}),
    ...(c.unread ? { unread: c.unread } : {}),
  };
}

function controllerPod(value: unknown): KubeControllerPod {
  const p = obj(value);
  const md = obj(p.metadata);
  const st = obj(p.status);
  const statuses = arr(st.containerStatuses).map(obj);
  const restarts = statuses.reduce((n, c) => n + (num(c.restartCount) ?? 0), 0);
  const waiting = statuses.map((c) => str(obj(obj(c.state).waiting).reason)).find((r) => r !== undefined);
  const most = [...statuses].sort((a, b) => (num(b.restartCount) ?? 0) - (num(a.restartCount) ?? 0))[0];
  const last = most ? obj(obj(most.lastState).terminated) : {};
  const ready = statuses.filter((c) => c.ready === true).length;
  const pod: KubeControllerPod = {
    namespace: str(md.namespace),
    name: str(md.name) ?? '?',
    uid: str(md.uid),
    node: str(obj(p.spec).nodeName),
    phase: str(st.phase),
    ...(md.deletionTimestamp ? { deleting: true } : {}),
    ready,
    total: statuses.length,
    restarts,
    ...(waiting ? { waiting } : {}),
    ...(Object.keys(last).length ? { lastExit: { reason: str(last.reason), exitCode: num(last.exitCode), finishedAt: str(last.finishedAt) } } : {}),
    line: '',
  };
  pod.line = `pod ${pod.namespace ? `${pod.namespace}/` : ''}${pod.name}: ${[pod.deleting ? 'Terminating' : (waiting ?? pod.phase ?? '?'), `${ready}/${statuses.length} ready`, `${restarts} restarts`, pod.lastExit ? `last exit ${pod.lastExit.reason ?? '?'}${pod.lastExit.exitCode !== undefined ? ` (code ${pod.lastExit.exitCode})` : ''}${pod.lastExit.finishedAt ? ` at ${pod.lastExit.finishedAt}` : ''}` : undefined, pod.node ? `node ${pod.node}` : undefined].filter(Boolean).join(', ')}`;
  return pod;
}

function controllerEvent(value: unknown): KubeEvent | undefined {
  const e = obj(value);
  const reason = str(e.reason);
  if (!reason) return undefined;
  const inv = obj(e.involvedObject);
  return {
    type: str(e.type),
    reason,
    object: str(inv.name) ? { kind: (str(inv.kind) ?? '').toLowerCase(), name: str(inv.name)!, namespace: str(inv.namespace) } : undefined,
    source: str(obj(e.source).component),
    message: (str(e.message) ?? '').slice(0, 1000),
    count: num(e.count),
    first: str(e.firstTimestamp),
    last: str(e.lastTimestamp) ?? str(e.eventTime),
    line: lineOf({ ...e, kind: 'Event' }) ?? reason,
  };
}
