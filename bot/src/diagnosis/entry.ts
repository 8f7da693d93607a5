import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import { emptyEvidence, emptyKubeEvidence, type Evidence } from '../evidence/evidence';
import { evidenceFromSnapshot } from '../evidence/from-snapshot';
import { mergeApiLayer } from '../evidence/kube-from-api';
import type { PodLayerRead } from '../kube/pod-layer';
import type { PodInfo } from '../kube/pod-lookup';
import { diagnose, rankFindings, summarise } from './engine';
import type { RecencyOptions } from './diagnose-over-time';
import type { Diagnosis, Finding, FindingId } from './finding';
import { scopeGrouped } from './scope-history';
import { scopeDiagnosis } from './scope-findings';
import { copyOf } from '../evidence/copy-of';

/**
 * What a question asks about, which narrows the node's diagnosis:
 * - `node`: the whole node, or only its zombies / tasks in D now;
 * - `pid`: one process (its findings, its pod's);
 * - `podUid`: a pod by UID or a unique UID prefix (the CLI, the terminal);
 * - `pod`: a pod the Kubernetes API returned, with its API layer (node,
 *   events, volumes) when read — the answer leads with the layer that holds it.
 */
export type Scope =
  { kind: 'node'; node?: string; focus?: 'zombies' | 'D' } | { kind: 'pid'; pid: number; node?: string } | { kind: 'podUid'; podUid: string } | { kind: 'pod'; pod: PodInfo; api?: PodLayerRead };

export type Diagnosed = { status: 'ok'; evidence: Evidence; diagnosis: Diagnosis } | { status: 'not-found'; message: string };

/** Findings about the pod's Kubernetes layer: the evidence they read is this pod's (its API objects, its runtime view). */
const KUBE_LAYER = new Set<FindingId>(['finalizer-blocked', 'node-unreachable', 'graceful-termination', 'volume-teardown-blocked', 'runtime-kill-failed']);

const D_STATE: FindingId[] = ['uninterruptible-io', 'pidns-teardown-blocked', 'lock-contention', 'storage-backend-fault', 'hung-task', 'high-load-blocked', 'frozen-cgroup'];

/**
 * What one snapshot comes to before a question narrows it: per history
 * window, the whole node's diagnosis with the evidence as the diagnosis left
 * it. Kept while the snapshot object lives — the questions that joined one
 * snapshot call (nodes/node-access.ts) share it — and never handed out:
 * every question gets its own copy, so what one question's narrowing,
 * renderer or thread does to its evidence and findings no other sees.
 */
interface SnapshotReading {
  asked: number;
  whole: Map<string, { evidence: Evidence; diagnosis: Diagnosis }>;
}
const readings = new WeakMap<SnapshotResponse, SnapshotReading>();
let diagnoses = 0;

/** Diagnoses of snapshot evidence run so far (tests: what a burst of questions cost). */
export const snapshotDiagnoses = (): number => diagnoses;

function diagnosed(evidence: Evidence, opts: RecencyOptions): Diagnosis {
  diagnoses++;
  return diagnose(evidence, undefined, opts);
}

/**
 * The engine's one entry for live evidence: a node's snapshot (from its
 * collector, over SSH, or this machine's) read into evidence, diagnosed, and
 * narrowed to what was asked. Slack, the terminal, the kubectl plugin,
 * `diagnose --local` and `diagnose --ssh` all come through here.
 *
 * A snapshot object asked about again (questions that joined one snapshot
 * call) by a question that adds nothing of its own to it (a node, a pid, a
 * pod without its API layer) is not diagnosed again for each: the second
 * such question diagnoses it for all that follow, and each gets a copy. A
 * pod question with its API layer is diagnosed on its own evidence, with the
 * layer merged in: the layer's findings are the pod's.
 */
export function diagnoseSnapshot(snap: SnapshotResponse, scope: Scope, opts: RecencyOptions = {}): Diagnosed {
  if (scope.kind === 'pod' && (scope.pod.raw || scope.api)) {
    // Its own evidence (the kernel log in it is read once per snapshot anyway: from-snapshot.ts), with its layer.
    const evidence = evidenceFromSnapshot(snap);
    mergeApiLayer(evidence, scope.pod, scope.api);
    return narrow(evidence, diagnosed(evidence, opts), scope);
  }
  let reading = readings.get(snap);
  if (!reading) readings.set(snap, (reading = { asked: 0, whole: new Map() }));
  // The first such question about a snapshot (most snapshots answer one) pays what it always did, and nothing is kept.
  if (++reading.asked === 1) {
    const evidence = evidenceFromSnapshot(snap);
    return narrow(evidence, diagnosed(evidence, opts), scope);
  }
  const window = String(opts.historyWindow ?? '');
  let whole = reading.whole.get(window);
  if (!whole) {
    const evidence = evidenceFromSnapshot(snap);
    whole = { evidence, diagnosis: diagnosed(evidence, opts) };
    reading.whole.set(window, whole);
  }
  // One copy of both: what the diagnosis shares with its evidence stays shared in the copy.
  const mine = copyOf(whole);
  return narrow(mine.evidence, mine.diagnosis, scope);
}

/** The engine's entry for a paste: the evidence its reader made, diagnosed; a paste cut short says so in the summary. */
export function diagnosePaste(evidence: Evidence, opts: { cutNote?: string } = {}): Diagnosis {
  const diagnosis = diagnose(evidence);
  if (opts.cutNote) diagnosis.summary = `${diagnosis.summary} (${opts.cutNote}.)`;
  return diagnosis;
}

/**
 * A pod whose node could not be read: the API layer alone, when it explains
 * the pod (a node that stopped answering, a finalizer); the node's failure is
 * named unread. undefined when the API layer has nothing to say.
 */
export function diagnoseApiOnly(pod: PodInfo, api: PodLayerRead | undefined, nodeFailure: string): { evidence: Evidence; diagnosis: Diagnosis } | undefined {
  if (!pod.raw) return undefined;
  const evidence = emptyEvidence('snapshot');
  evidence.kube = emptyKubeEvidence();
  evidence.kube.now = api?.readAt ?? new Date().toISOString();
  mergeApiLayer(evidence, pod, api);
  const findings = diagnose(evidence).findings.filter((f) => KUBE_LAYER.has(f.id) && f.when !== 'earlier');
  if (!findings.length) return undefined;
  const what = pod.nodeName ? `node ${pod.nodeName}: processes, kernel and container runtime` : 'the node (none assigned)';
  (evidence.kube.unread ??= []).push({ what, why: nodeFailure });
  evidence.missing.push(`${what} not read (${nodeFailure})`);
  return { evidence, diagnosis: { summary: summarise(findings, evidence), findings } };
}

function narrow(evidence: Evidence, whole: Diagnosis, scope: Scope): Diagnosed {
  switch (scope.kind) {
    case 'pod':
      return { status: 'ok', evidence, diagnosis: podDiagnosis(evidence, whole, scope.pod) };
    case 'podUid':
    case 'pid': {
      const scoped = scopeDiagnosis(evidence, whole, scope.kind === 'pid' ? { pid: scope.pid } : { podUid: scope.podUid });
      if (scoped.status !== 'ok') return { status: 'not-found', message: scope.kind === 'pid' && scope.node ? `${scoped.message} on ${scope.node}` : scoped.message };
      return { status: 'ok', evidence, diagnosis: scoped.diagnosis };
    }
    case 'node': {
      if (!scope.focus) return { status: 'ok', evidence, diagnosis: whole };
      const keep = scope.focus === 'zombies' ? (id: FindingId) => id === 'zombie' : (id: FindingId) => D_STATE.includes(id);
      // "Anything in D?" is about now: the kernel log's old hung-task reports are not in D.
      const findings = whole.findings.filter((f) => keep(f.id) && f.when !== 'earlier');
      const on = scope.node ? ` on ${scope.node}` : '';
      const none = scope.focus === 'zombies' ? `No zombies${on}.` : `Nothing in D${on}: no task in uninterruptible sleep.`;
      return { status: 'ok', evidence, diagnosis: { findings, summary: findings.length ? whole.summary : none } };
    }
  }
}

/** The whole node's diagnosis narrowed to the pod: its tasks' findings and its Kubernetes layer's, ranked together. */
function podDiagnosis(evidence: Evidence, whole: Diagnosis, pod: PodInfo): Diagnosis {
  const layer = whole.findings.filter((f) => KUBE_LAYER.has(f.id) && f.when !== 'earlier');
  const scoped = scopeDiagnosis(evidence, whole, { podUid: pod.uid });
  if (scoped.status === 'ok') {
    if (!layer.length) return scoped.diagnosis;
    const findings = rankFindings([...scoped.diagnosis.findings, ...layer.filter((f) => !scoped.diagnosis.findings.includes(f))]);
    return { ...scoped.diagnosis, summary: summarise(findings, evidence), findings };
  }
  const left = gone(whole, pod);
  if (!layer.length) return left;
  const findings = rankFindings([...layer, ...left.findings]);
  return { ...left, summary: `${summarise(findings, evidence)} No process of the pod is left on ${pod.nodeName}.`, findings };
}

/**
 * No process of the pod is left: said so, with what the kernel log recorded
 * about the pod before (its OOM kills: often why it is gone or restarting).
 */
function gone(whole: Diagnosis, pod: PodInfo): Diagnosis {
  const reference = whole.history?.reference ?? 'snapshot';
  const own = whole.findings
    .filter((f) => f.when === 'earlier' && f.breakdown?.some((p) => p.podUid === pod.uid))
    .map((f) => scopeGrouped(f, (p) => p.podUid === pod.uid, reference))
    .filter((f): f is Finding => f !== undefined);
  const summary = `No process of ${pod.namespace}/${pod.name} (uid ${pod.uid}) is left on ${pod.nodeName}: the kernel has released it. If the pod is still Terminating, the kubelet or the container runtime did not finish its bookkeeping — check kubelet logs.`;
  return own.length ? { summary: `${summary} Earlier: ${own[0].title}.`, findings: own, ...(whole.history ? { history: { ...whole.history, older: [] } } : {}) } : { summary, findings: [] };
}
