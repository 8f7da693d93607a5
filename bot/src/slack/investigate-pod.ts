import { diagnose } from '../diagnosis/engine';
import type { Diagnosis, Finding } from '../diagnosis/finding';
import { scopeGrouped } from '../diagnosis/scope-history';
import { scopeDiagnosis } from '../diagnosis/scope-findings';
import type { Evidence } from '../evidence/evidence';
import { evidenceFromSnapshot } from '../evidence/from-snapshot';
import type { KubeLookup, PodInfo } from '../kube/pod-lookup';
import { snapshotNode, type NodeAccessDeps, type NodePath, type SnapshotSource } from './node-access';

/** A diagnosis of a pod (pod set) or of a node / a pid on it (pod absent). */
export type Investigation =
  | { status: 'ok'; pod?: PodInfo; node: string; evidence: Evidence; diagnosis: Diagnosis; takenAt: number; /** How the snapshot was taken (live evidence only). */ source?: SnapshotSource }
  | { status: 'failed'; stage: 'input' | 'kubernetes' | 'collector'; message: string; pod?: PodInfo; /** How to enable the SSH fallback, when it is off. */ hint?: string };

export type PodInvestigation = Investigation;

/**
 * "Why is pod X stuck": the pod from the Kubernetes API, a snapshot of its
 * tasks (with node facts and the kernel log) from its node's collector, and
 * the diagnosis narrowed to the pod. Transport failures come back as values.
 */
export async function investigatePod(deps: { kube: KubeLookup } & NodeAccessDeps, namespace: string, name: string, opts: { via?: NodePath } = {}): Promise<PodInvestigation> {
  const found = await deps.kube.getPod(namespace, name);
  if (found.status === 'invalid') return { status: 'failed', stage: 'input', message: found.message };
  if (found.status !== 'ok') return { status: 'failed', stage: 'kubernetes', message: found.message };
  const pod = found.value;
  if (!pod.nodeName) return { status: 'failed', stage: 'kubernetes', message: `pod ${namespace}/${name} is not scheduled on a node (phase ${pod.phase})`, pod };
  const snap = await snapshotNode(deps, pod.nodeName, { pod_uid: pod.uid }, opts);
  if (snap.status !== 'ok') return { status: 'failed', stage: 'collector', message: snap.message, pod, hint: snap.hint };
  const evidence = evidenceFromSnapshot(snap.value);
  const whole = diagnose(evidence);
  const scoped = scopeDiagnosis(evidence, whole, { podUid: pod.uid });
  const diagnosis: Diagnosis = scoped.status === 'ok' ? scoped.diagnosis : gone(whole, pod, namespace, name);
  return { status: 'ok', pod, node: pod.nodeName, evidence, diagnosis, takenAt: Date.now(), source: snap.source };
}

/**
 * No process of the pod is left: said so, with what the kernel log recorded
 * about the pod before (its OOM kills: often why it is gone or restarting).
 */
function gone(whole: Diagnosis, pod: PodInfo, namespace: string, name: string): Diagnosis {
  const reference = whole.history?.reference ?? 'snapshot';
  const own = whole.findings
    .filter((f) => f.when === 'earlier' && f.breakdown?.some((p) => p.podUid === pod.uid))
    .map((f) => scopeGrouped(f, (p) => p.podUid === pod.uid, reference))
    .filter((f): f is Finding => f !== undefined);
  const summary = `No process of ${namespace}/${name} (uid ${pod.uid}) is left on ${pod.nodeName}: the kernel has released it. If the pod is still Terminating, the kubelet or the container runtime did not finish its bookkeeping — check kubelet logs.`;
  return own.length
    ? { summary: `${summary} Earlier: ${own[0].title}.`, findings: own, ...(whole.history ? { history: { ...whole.history, older: [] } } : {}) }
    : { summary, findings: [] };
}
