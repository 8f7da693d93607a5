import type { CollectorPool } from '../collectors/collector-pool';
import { diagnose } from '../diagnosis/engine';
import type { Diagnosis, FindingId } from '../diagnosis/finding';
import { scopeDiagnosis } from '../diagnosis/scope-findings';
import { evidenceFromSnapshot } from '../evidence/from-snapshot';
import { isNodeName } from '../kube/names';
import type { Investigation } from './investigate-pod';
import { snapshotNode } from './snapshot-node';

const D_STATE: FindingId[] = ['uninterruptible-io', 'pidns-teardown-blocked', 'lock-contention', 'storage-backend-fault', 'hung-task', 'high-load-blocked', 'frozen-cgroup'];

/** "What's wrong with node X", "anything in D on X", "pid X N": a whole-node snapshot, optionally narrowed. */
export async function investigateNode(deps: { collectors: CollectorPool }, node: string, opts: { pid?: number; focus?: 'zombies' | 'D'; problemsOnly?: boolean } = {}): Promise<Investigation> {
  if (!isNodeName(node)) return { status: 'failed', stage: 'input', message: `"${node.slice(0, 60)}" is not a valid node name` };
  const snap = await snapshotNode(deps.collectors, node, { whole_node: true, problems_only: opts.problemsOnly ?? false });
  if (snap.status !== 'ok') return { status: 'failed', stage: 'collector', message: snap.message };
  const evidence = evidenceFromSnapshot(snap.value);
  let diagnosis: Diagnosis = diagnose(evidence);
  if (opts.pid !== undefined) {
    const scoped = scopeDiagnosis(evidence, diagnosis, { pid: opts.pid });
    if (scoped.status !== 'ok') return { status: 'failed', stage: 'input', message: `${scoped.message} on ${node}` };
    diagnosis = scoped.diagnosis;
  }
  if (opts.focus) {
    const keep = opts.focus === 'zombies' ? (id: FindingId) => id === 'zombie' : (id: FindingId) => D_STATE.includes(id);
    const findings = diagnosis.findings.filter((f) => keep(f.id));
    diagnosis = { findings, summary: findings.length ? diagnosis.summary : opts.focus === 'zombies' ? `No zombies on ${node}.` : `Nothing in D on ${node}: no task in uninterruptible sleep.` };
  }
  return { status: 'ok', node, evidence, diagnosis, takenAt: Date.now() };
}

export interface SweepLine { node: string; status: 'ok' | 'failed'; summary: string; severity?: 'critical' | 'warning' | 'info' }

/** Every node at once (bounded parallelism): what is stuck where. */
export async function sweep(deps: { collectors: CollectorPool }, concurrency = 32): Promise<{ lines: SweepLine[]; problems: string[] }> {
  const { nodes, problems } = await deps.collectors.nodes();
  const out: SweepLine[] = new Array(nodes.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < nodes.length) {
      const i = next++;
      const inv = await investigateNode(deps, nodes[i], { problemsOnly: true });
      out[i] = inv.status === 'ok'
        ? { node: nodes[i], status: 'ok', summary: inv.diagnosis.findings.length ? inv.diagnosis.summary : 'nothing stuck', severity: inv.diagnosis.findings[0]?.severity }
        : { node: nodes[i], status: 'failed', summary: inv.message };
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, nodes.length) }, worker));
  return { lines: out, problems };
}
