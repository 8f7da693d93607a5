import { diagnoseApiOnly, diagnoseSnapshot } from '../diagnosis/entry';
import type { Diagnosis } from '../diagnosis/finding';
import type { Evidence } from '../evidence/evidence';
import type { KubeLookup, PodInfo } from '../kube/pod-lookup';
import { snapshotNode, type NodeAccessDeps, type NodePath, type SnapshotSource } from '../nodes/node-access';

/** A diagnosis of a pod (pod set) or of a node / a pid on it (pod absent). */
export type Investigation =
  | { status: 'ok'; pod?: PodInfo; node: string; evidence: Evidence; diagnosis: Diagnosis; takenAt: number; /** How the snapshot was taken (live evidence only). */ source?: SnapshotSource }
  | {
      status: 'failed';
      stage: 'input' | 'kubernetes' | 'collector';
      message: string;
      pod?: PodInfo;
      /** How to enable the SSH fallback, when it is off. */ hint?: string;
      /** The Kubernetes API could not be reached (not: the pod is not there). */ unavailable?: boolean;
    };

export type PodInvestigation = Investigation;

/** Once the snapshot is in, how much longer the answer waits for API reads still out (they are named unread after). */
export const API_AFTER_SNAPSHOT_MS = 300;

/**
 * "Why is pod X stuck": the pod from the Kubernetes API; then, at the same
 * time, a snapshot of its tasks (with node facts, the kernel log and the
 * runtime's view) from its node's collector and the rest of its Kubernetes
 * layer (node, events, volumes: pod-layer.ts); one evidence, the diagnosis
 * narrowed to the pod, led by the layer that holds it. An API read that
 * fails or is late is named unread; a node that cannot be read still gets
 * the API layer's answer when that has one. Failures come back as values.
 */
export async function investigatePod(deps: { kube: KubeLookup } & NodeAccessDeps, namespace: string, name: string, opts: { via?: NodePath } = {}): Promise<PodInvestigation> {
  const found = await deps.kube.getPod(namespace, name);
  if (found.status === 'invalid') return { status: 'failed', stage: 'input', message: found.message };
  if (found.status !== 'ok') return { status: 'failed', stage: 'kubernetes', message: found.message, ...(found.status === 'unreachable' ? { unavailable: true } : {}) };
  const pod = found.value;
  if (!pod.nodeName) {
    const alone = apiOnly(pod, undefined, `pod ${namespace}/${name} is not scheduled on a node (phase ${pod.phase})`);
    return alone ?? { status: 'failed', stage: 'kubernetes', message: `pod ${namespace}/${name} is not scheduled on a node (phase ${pod.phase})`, pod };
  }
  const layer = deps.kube.readLayer?.(pod);
  const snap = await snapshotNode(deps, pod.nodeName, { pod_uid: pod.uid }, opts);
  const api = layer ? await layer.settle(API_AFTER_SNAPSHOT_MS) : undefined;
  if (snap.status !== 'ok') {
    const alone = apiOnly(pod, api, snap.message);
    return alone ?? { status: 'failed', stage: 'collector', message: snap.message, pod, hint: snap.hint };
  }
  const d = diagnoseSnapshot(snap.value, { kind: 'pod', pod, api });
  if (d.status !== 'ok') return { status: 'failed', stage: 'collector', message: d.message, pod };
  return { status: 'ok', pod, node: pod.nodeName, evidence: d.evidence, diagnosis: d.diagnosis, takenAt: Date.now(), source: snap.source };
}

/** The node could not be read: the API layer's answer alone, when it has one. */
function apiOnly(pod: PodInfo, api: Parameters<typeof diagnoseApiOnly>[1], nodeFailure: string): PodInvestigation | undefined {
  const d = diagnoseApiOnly(pod, api, nodeFailure);
  return d && { status: 'ok', pod, node: pod.nodeName || '(none)', evidence: d.evidence, diagnosis: d.diagnosis, takenAt: Date.now() };
}
