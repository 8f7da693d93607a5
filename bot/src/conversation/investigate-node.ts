import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import { diagnoseSnapshot } from '../diagnosis/entry';
import { isNodeName } from '../kube/names';
import { snapshotNode, type NodeAccessDeps, type NodePath, type NodeSnapshot } from '../nodes/node-access';
import type { Investigation } from './investigate-pod';

/** "What's wrong with node X", "anything in D on X", "pid X N": a whole-node snapshot, optionally narrowed. */
export async function investigateNode(deps: NodeAccessDeps, node: string, opts: { pid?: number; focus?: 'zombies' | 'D'; problemsOnly?: boolean; via?: NodePath } = {}): Promise<Investigation> {
  if (!isNodeName(node)) return { status: 'failed', stage: 'input', message: `"${node.slice(0, 60)}" is not a valid node name` };
  type Look = { status: 'ok'; snap: Extract<NodeSnapshot, { status: 'ok' }>; seen: boolean } | Extract<NodeSnapshot, { status: 'failed' }>;
  const look = async (): Promise<Look> => {
    const snap = await snapshotNode(deps, node, { whole_node: true, problems_only: opts.problemsOnly ?? false }, { via: opts.via });
    return snap.status === 'ok' ? { status: 'ok', snap, seen: opts.pid === undefined || snap.value.tasks?.some((t) => t.tid === opts.pid) === true } : snap;
  };
  const seen = await look();
  if (seen.status !== 'ok') return { status: 'failed', stage: 'collector', message: seen.message, hint: seen.hint };
  let { snap } = seen;
  // "Not on this machine" is said only after asking for the pid itself: a whole-node scan can miss a
  // process that lives on (a scan that stalled on a stuck /proc read reads nothing after that task).
  if (!seen.seen && opts.pid !== undefined) snap = { ...snap, value: await withTask(deps, node, snap.value, opts.pid, opts.via) };

  const d = diagnoseSnapshot(snap.value, opts.pid !== undefined ? { kind: 'pid', pid: opts.pid, node } : { kind: 'node', node, focus: opts.focus });
  if (d.status !== 'ok') return { status: 'failed', stage: 'input', message: d.message };
  return { status: 'ok', node, evidence: d.evidence, diagnosis: d.diagnosis, takenAt: Date.now(), source: snap.source };
}

/**
 * The snapshot with `pid` (and its parent, which the zombie and teardown
 * rules read) added from a snapshot of just those pids, when the collector
 * still has them; unchanged when it does not.
 */
async function withTask(deps: NodeAccessDeps, node: string, whole: SnapshotResponse, pid: number, via: NodePath | undefined): Promise<SnapshotResponse> {
  let merged = whole;
  for (let want = pid, round = 0; want > 1 && round < 2 && !merged.tasks?.some((t) => t.tid === want); round++) {
    const one = await snapshotNode(deps, node, { scope: 'pids', pids: { pids: [want] }, skip_kmsg: true, skip_runtime: true }, { via });
    const found = one.status === 'ok' ? (one.value.tasks ?? []).filter((t) => t.tgid === want || t.tid === want) : [];
    if (!found.length) break;
    const known = new Set((merged.tasks ?? []).map((t) => t.tid));
    merged = { ...merged, tasks: [...(merged.tasks ?? []), ...found.filter((t) => !known.has(t.tid))] };
    want = found.find((t) => t.tid === want)?.ppid ?? 0;
  }
  return merged;
}

export interface SweepLine {
  node: string;
  status: 'ok' | 'failed';
  summary: string;
  severity?: 'critical' | 'warning' | 'info';
}

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
      out[i] =
        inv.status === 'ok'
          ? { node: nodes[i], status: 'ok', summary: `${inv.diagnosis.findings.length ? inv.diagnosis.summary : 'nothing stuck'}${viaSsh}`, severity: now?.severity }
          : { node: nodes[i], status: 'failed', summary: inv.message };
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, nodes.length) }, worker));
  return { lines: out, problems: hint ? [...problems, hint] : problems };
}
