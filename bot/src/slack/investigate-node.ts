import { diagnose } from '../diagnosis/engine';
import type { Diagnosis, FindingId } from '../diagnosis/finding';
import { scopeDiagnosis } from '../diagnosis/scope-findings';
import { evidenceFromSnapshot } from '../evidence/from-snapshot';
import { isNodeName } from '../kube/names';
import type { Investigation } from './investigate-pod';
import { snapshotNode, type NodeAccessDeps, type NodePath, type NodeSnapshot } from './node-access';
import type { Evidence } from '../evidence/evidence';

const D_STATE: FindingId[] = ['uninterruptible-io', 'pidns-teardown-blocked', 'lock-contention', 'storage-backend-fault', 'hung-task', 'high-load-blocked', 'frozen-cgroup'];

/** "What's wrong with node X", "anything in D on X", "pid X N": a whole-node snapshot, optionally narrowed. */
export async function investigateNode(deps: NodeAccessDeps, node: string, opts: { pid?: number; focus?: 'zombies' | 'D'; problemsOnly?: boolean; via?: NodePath } = {}): Promise<Investigation> {
  if (!isNodeName(node)) return { status: 'failed', stage: 'input', message: `"${node.slice(0, 60)}" is not a valid node name` };
  type Look = { status: 'ok'; snap: Extract<NodeSnapshot, { status: 'ok' }>; evidence: Evidence } | Extract<NodeSnapshot, { status: 'failed' }>;
  const look = async (): Promise<Look> => {
    const snap = await snapshotNode(deps, node, { whole_node: true, problems_only: opts.problemsOnly ?? false }, { via: opts.via });
    return snap.status === 'ok' ? { status: 'ok', snap, evidence: evidenceFromSnapshot(snap.value) } : snap;
  };
  let seen = await look();
  if (seen.status !== 'ok') return { status: 'failed', stage: 'collector', message: seen.message, hint: seen.hint };
  // "Not on this machine" is said after a second look: one scan of a busy node can miss a process that lives on.
  if (opts.pid !== undefined && !seen.evidence.tasks.some((t) => t.tid === opts.pid)) {
    const again = await look();
    if (again.status === 'ok') seen = again;
  }
  const { snap, evidence } = seen;
  let diagnosis: Diagnosis = diagnose(evidence);
  if (opts.pid !== undefined) {
    const scoped = scopeDiagnosis(evidence, diagnosis, { pid: opts.pid });
    if (scoped.status !== 'ok') return { status: 'failed', stage: 'input', message: `${scoped.message} on ${node}` };
    diagnosis = scoped.diagnosis;
  }
  if (opts.focus) {
    const keep = opts.focus === 'zombies' ? (id: FindingId) => id === 'zombie' : (id: FindingId) => D_STATE.includes(id);
    // "Anything in D?" is about now: the kernel log's old hung-task reports are not in D.
    const findings = diagnosis.findings.filter((f) => keep(f.id) && f.when !== 'earlier');
    diagnosis = { findings, summary: findings.length ? diagnosis.summary : opts.focus === 'zombies' ? `No zombies on ${node}.` : `Nothing in D on ${node}: no task in uninterruptible sleep.` };
  }
  return { status: 'ok', node, evidence, diagnosis, takenAt: Date.now(), source: snap.source };
}

export interface SweepLine { node: string; status: 'ok' | 'failed'; summary: string; severity?: 'critical' | 'warning' | 'info' }

/**
 * Every node at once (bounded parallelism): what is stuck where. A node read
 * over SSH says so in its line; how to enable SSH is said once, in `problems`.
 */
export async function sweep(deps: NodeAccessDeps, concurrency = 32): Promise<{ lines: SweepLine[]; problems: string[] }> {
  const { nodes, problems } = await deps.collectors.nodes();
  const out: SweepLine[] = new Array(nodes.length);
  let next = 0;
  let hint: string | undefined;
  async function worker(): Promise<void> {
    while (next < nodes.length) {
      const i = next++;
      const inv = await investigateNode(deps, nodes[i], { problemsOnly: true });
      if (inv.status === 'failed' && inv.hint) hint = inv.hint;
      const viaSsh = inv.status === 'ok' && inv.source?.path === 'ssh' ? ` (read over SSH: ${inv.source.collectorFailure ?? 'as asked'})` : '';
      // A node is flagged for what is stuck now; its history is said only in the summary.
      const now = inv.status === 'ok' ? inv.diagnosis.findings.find((f) => f.when !== 'earlier') : undefined;
      out[i] = inv.status === 'ok'
        ? { node: nodes[i], status: 'ok', summary: `${inv.diagnosis.findings.length ? inv.diagnosis.summary : 'nothing stuck'}${viaSsh}`, severity: now?.severity }
        : { node: nodes[i], status: 'failed', summary: inv.message };
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, nodes.length) }, worker));
  return { lines: out, problems: hint ? [...problems, hint] : problems };
}
