import { diagnose, rankFindings, summarise } from '../diagnosis/engine';
import type { Diagnosis, Finding, FindingId } from '../diagnosis/finding';
import { scopeGrouped } from '../diagnosis/scope-history';
import { scopeDiagnosis } from '../diagnosis/scope-findings';
import { emptyEvidence, emptyKubeEvidence, type Evidence } from '../evidence/evidence';
import { evidenceFromSnapshot } from '../evidence/from-snapshot';
import { mergeApiLayer } from '../evidence/kube-from-api';
import type { KubeLookup, PodInfo } from '../kube/pod-lookup';
import { snapshotNode, type NodeAccessDeps, type NodePath, type SnapshotSource } from './node-access';

/** A diagnosis of a pod (pod set) or of a node / a pid on it (pod absent). */
export type Investigation =
  | { status: 'ok'; pod?: PodInfo; node: string; evidence: Evidence; diagnosis: Diagnosis; takenAt: number; /** How the snapshot was taken (live evidence only). */ source?: SnapshotSource }
  | { status: 'failed'; stage: 'input' | 'kubernetes' | 'collector'; message: string; pod?: PodInfo; /** How to enable the SSH fallback, when it is off. */ hint?: string };

export type PodInvestigation = Investigation;

/** Once the snapshot is in, how much longer the answer waits for API reads still out (they are named unread after). */
export const API_AFTER_SNAPSHOT_MS = 300;

/** Findings about the pod's Kubernetes layer: the evidence they read is this pod's (its API objects, its runtime view). */
const KUBE_LAYER = new Set<FindingId>(['finalizer-blocked', 'node-unreachable', 'graceful-termination', 'volume-teardown-blocked', 'runtime-kill-failed']);

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
  if (found.status !== 'ok') return { status: 'failed', stage: 'kubernetes', message: found.message };
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
  const evidence = evidenceFromSnapshot(snap.value);
  mergeApiLayer(evidence, pod, api);
  const diagnosis = podDiagnosis(evidence, diagnose(evidence), pod, namespace, name);
  return { status: 'ok', pod, node: pod.nodeName, evidence, diagnosis, takenAt: Date.now(), source: snap.source };
}

/**
 * The node could not be read: the API layer alone, when it explains the pod
 * (a node that stopped answering, a finalizer); the node's failure is named
 * unread. undefined when the API layer has nothing to say.
 */
function apiOnly(pod: PodInfo, api: Parameters<typeof mergeApiLayer>[2], nodeFailure: string): PodInvestigation | undefined {
  if (!pod.raw) return undefined;
  const evidence = emptyEvidence('snapshot');
  evidence.kube = emptyKubeEvidence();
  evidence.kube.now = api?.readAt ?? new Date().toISOString();
  mergeApiLayer(evidence, pod, api);
  const whole = diagnose(evidence);
  const findings = whole.findings.filter((f) => KUBE_LAYER.has(f.id) && f.when !== 'earlier');
  if (!findings.length) return undefined;
  const what = pod.nodeName ? `node ${pod.nodeName}: processes, kernel and container runtime` : 'the node (none assigned)';
  (evidence.kube.unread ??= []).push({ what, why: nodeFailure });
  evidence.missing.push(`${what} not read (${nodeFailure})`);
  return { status: 'ok', pod, node: pod.nodeName || '(none)', evidence, diagnosis: { summary: summarise(findings, evidence), findings }, takenAt: Date.now() };
}

/** The whole node's diagnosis narrowed to the pod: its tasks' findings and its Kubernetes layer's, ranked together. */
function podDiagnosis(evidence: Evidence, whole: Diagnosis, pod: PodInfo, namespace: string, name: string): Diagnosis {
  const layer = whole.findings.filter((f) => KUBE_LAYER.has(f.id) && f.when !== 'earlier');
  const scoped = scopeDiagnosis(evidence, whole, { podUid: pod.uid });
  if (scoped.status === 'ok') {
    if (!layer.length) return scoped.diagnosis;
    const findings = rankFindings([...scoped.diagnosis.findings, ...layer.filter((f) => !scoped.diagnosis.findings.includes(f))]);
    return { ...scoped.diagnosis, summary: summarise(findings, evidence), findings };
  }
  const left = gone(whole, pod, namespace, name);
  if (!layer.length) return left;
  const findings = rankFindings([...layer, ...left.findings]);
  return { ...left, summary: `${summarise(findings, evidence)} No process of the pod is left on ${pod.nodeName}.`, findings };
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
