import { pidOf, type Evidence, type Task } from '../evidence/evidence';
import type { ThreadRecord } from '../store/store';
import type { Investigation } from './investigate-pod';
import type { ThreadContext } from './thread-context';

/**
 * A thread's context as the store keeps it, so that a follow-up, a Recheck,
 * Escalate or "show more" answered by another replica finds what the first
 * one knew: the target, the last investigation (diagnosis and the evidence
 * follow-ups read), the PagerDuty keys triggered, whether it was escalated or
 * acted on, and the overflow text. The auto-escalation timer is not stored:
 * it lives in the replica that armed it, which reads `acted`/`escalatedOnce`
 * back from the store before it fires.
 */
interface Stored {
  v: 1;
  target: ThreadContext['target'];
  last?: Investigation;
  escalated: string[];
  escalatedOnce?: boolean;
  acted?: boolean;
  overflow: string[];
}

/** Above this many tasks, a stored snapshot keeps only what follow-ups are likely to ask about. */
export const STORED_TASKS_MAX = 2000;

const QUIET = new Set(['S', 'R', 'I']);

/**
 * The evidence as a thread stores it: without the raw lines of each task and
 * kernel report nor the reports' call traces (the diagnosis made from them is
 * stored already; follow-ups read states, task stacks, times and headlines), and for a whole-node snapshot
 * (10,000 threads) only the tasks follow-ups are likely to ask about: those
 * of the findings, every task not simply sleeping or running (D, Z, T, …),
 * and their parents up to init. Keeps each write to a few kilobytes.
 */
export function evidenceForStorage(ev: Evidence, inv: Extract<Investigation, { status: 'ok' }>): Evidence {
  const reports = ev.reports.map((r) => ({ ...r, frames: [], lines: [] }));
  // The kernel log's tasks as they were then: the diagnosis made from them is stored already.
  ev = { ...ev, logTasks: undefined };
  if (ev.tasks.length <= STORED_TASKS_MAX) return { ...ev, reports, tasks: ev.tasks.map((t) => ({ ...t, lines: [] })) };
  const named = new Set<number>();
  for (const f of inv.diagnosis.findings)
    for (const t of f.tasks) {
      if (t.pid) named.add(t.pid);
      if (t.tid) named.add(t.tid);
    }
  const byTid = new Map(ev.tasks.map((t) => [t.tid, t]));
  const keep = new Set<Task>();
  const add = (t: Task | undefined): void => {
    for (let cur = t, hops = 0; cur && !keep.has(cur) && hops < 64; hops++) {
      keep.add(cur);
      const leader = byTid.get(pidOf(cur));
      if (leader && leader !== cur) add(leader);
      cur = cur.ppid !== undefined ? byTid.get(cur.ppid) : undefined;
    }
  };
  for (const t of ev.tasks) if (!QUIET.has(t.state ?? '') || named.has(t.tid) || named.has(pidOf(t))) add(t);
  const tasks = ev.tasks.filter((t) => keep.has(t)).map((t) => ({ ...t, lines: [] }));
  return {
    ...ev,
    reports,
    tasks,
    missing: [...ev.missing, `only ${tasks.length} of ${ev.tasks.length} tasks kept for follow-ups (those of the findings, not sleeping or running, and their parents); press Recheck for all`],
  };
}

export function threadToRecord(ctx: ThreadContext): ThreadRecord {
  const last = ctx.last?.status === 'ok' ? { ...ctx.last, evidence: evidenceForStorage(ctx.last.evidence, ctx.last) } : ctx.last;
  const stored: Stored = { v: 1, target: ctx.target, last, escalated: [...ctx.escalated], escalatedOnce: ctx.escalatedOnce, acted: ctx.acted, overflow: ctx.overflow };
  return { channel: ctx.channel, ts: ctx.ts, data: JSON.stringify(stored) };
}

/** undefined for a record this version cannot read (it is then treated as an unknown thread). */
export function threadFromRecord(r: ThreadRecord): ThreadContext | undefined {
  let s: Stored;
  try {
    s = JSON.parse(r.data) as Stored;
  } catch {
    return undefined;
  }
  if (s?.v !== 1 || !s.target) return undefined;
  return { channel: r.channel, ts: r.ts, target: s.target, last: s.last, escalated: new Set(s.escalated ?? []), escalatedOnce: s.escalatedOnce, acted: s.acted, overflow: s.overflow ?? [] };
}
