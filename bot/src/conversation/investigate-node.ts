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
  let seen = await look();
  if (seen.status !== 'ok') return { status: 'failed', stage: 'collector', message: seen.message, hint: seen.hint };
  // "Not on this machine" is said after a second look: one scan of a busy node can miss a process that lives on.
  if (!seen.seen) {
    const again = await look();
    if (again.status === 'ok') seen = again;
  }
  const { snap } = seen;
  const d = diagnoseSnapshot(snap.value, opts.pid !== undefined ? { kind: 'pid', pid: opts.pid, node } : { kind: 'node', node, focus: opts.focus });
  if (d.status !== 'ok') return { status: 'failed', stage: 'input', message: d.message };
  return { status: 'ok', node, evidence: d.evidence, diagnosis: d.diagnosis, takenAt: Date.now(), source: snap.source };
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
