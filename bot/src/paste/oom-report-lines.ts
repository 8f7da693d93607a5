import type { KernelReport } from '../evidence/evidence';
import { OOM_KILLED, OOM_KILL_LINE, OOM_KILL_TASK, OOM_SELECTED } from '../../../collector/src';

/**
 * The lines of an OOM-killer report that say who dies and in which memory
 * cgroup, global and memcg, old and new kernels:
 *   X invoked oom-killer: gfp_mask=..., order=0, oom_score_adj=N      (the headline: X is the invoking task)
 *   Task in /kubepods/... killed as a result of limit of /kubepods/... (memcg v1, up to 4.18)
 *   memory: usage 262144kB, limit 262144kB, failcnt 77                (memcg)
 *   oom-kill:constraint=CONSTRAINT_MEMCG,...,oom_memcg=...,task_memcg=...,task=java,pid=123,uid=0   (4.19+)
 *   Out of memory: Kill process 123 (java) score 900 or sacrifice child   (old: chosen; the victim may be a child)
 *   Memory cgroup out of memory: Killed process 123 (java) total-vm:...   (the kill: the report's end)
 *   Killed process 124 (x) total-vm:...                                    (old: the kill after "sacrifice child")
 *   oom_reaper: reaped process 123 (java), now anon-rss:0kB, ...
 */
export interface OomState {
  /** Chosen but not yet seen killed (task= of the oom-kill line, "Kill process ... or sacrifice child"). */
  candidate?: { pid: number; comm: string };
  /** The kill line was read: only the reaper line still belongs to this report. */
  killed: boolean;
}

const TASK_IN = /^Task in (\S+) killed as a result of limit of (\S+)/;
const MEMCG_USAGE = /^memory: usage \d+kB, limit \d+kB/;
/** Lines that show an OOM report is under way when its headline was not pasted. */
export const OOM_BODY_START = /^(?:Task in \/|oom-kill:constraint=|Memory cgroup stats for \/|memory: usage \d+kB, limit \d+kB)/;

/**
 * Reads one line of an open OOM report into it: 'kill' for the kill line
 * (victim set), 'fact' for a line that said something, null otherwise.
 * `rejoined` is true for a line re-read after a wrapped continuation was
 * joined to it: its facts replace the cut ones.
 */
export function readOomLine(r: KernelReport, s: OomState, t: string, rejoined = false): 'kill' | 'fact' | null {
  let m: RegExpExecArray | null;
  const c = t.charCodeAt(0);
  if (c === 111 /* o */ && (m = OOM_KILL_LINE.exec(t))) {
    r.oomConstraint = m[1];
    r.oomMemcg = m[2] ?? m[3];
    const task = OOM_KILL_TASK.exec(t);
    if (task && !r.victim) s.candidate = { pid: Number(task[2]), comm: task[1] };
    return 'fact';
  }
  if (c === 84 /* T */ && (m = TASK_IN.exec(t))) {
    if (rejoined || r.oomMemcg === undefined) r.oomMemcg = m[2];
    r.oomConstraint ??= 'CONSTRAINT_MEMCG';
    return 'fact';
  }
  if (c === 109 /* m */ && MEMCG_USAGE.test(t)) {
    r.oomConstraint ??= 'CONSTRAINT_MEMCG';
    return 'fact';
  }
  if (!t.includes('process')) return null;
  const memcg = t.startsWith('Memory cgroup out of memory');
  if ((m = OOM_SELECTED.exec(t))) {
    if (memcg) r.oomConstraint ??= 'CONSTRAINT_MEMCG';
    if (!r.victim) s.candidate = { pid: Number(m[1]), comm: m[2] };
    return 'fact';
  }
  if ((m = OOM_KILLED.exec(t))) {
    if (memcg) r.oomConstraint ??= 'CONSTRAINT_MEMCG';
    if (!r.victim) r.victim = { pid: Number(m[1] ?? m[3]), comm: m[2] ?? m[4] };
    s.killed = true;
    return 'kill';
  }
  return null;
}

/** At the report's end: a report cut before its kill line is an OOM in progress (partial), its chosen task the likely victim. */
export function closeOom(r: KernelReport, s: OomState): void {
  if (r.victim) return;
  r.partial = true;
  if (s.candidate) r.victim = s.candidate;
}
