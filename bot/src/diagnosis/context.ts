import type { Evidence, Task } from '../evidence/evidence';
import { pidOf } from '../evidence/evidence';
import { formatFrame } from '../evidence/frames';
import type { FindingTask, Role } from './finding';
import { waitSignature, type WaitSignature } from './wait-signature';

/** Evidence with the indexes rules need, computed once. */
export interface DiagnosisContext {
  ev: Evidence;
  tasks: Task[];
  byTid: Map<number, Task>;
  /** Thread-group leader (or the only task seen) per process id. */
  processes: Map<number, Task>;
  threadsOf(pid: number): Task[];
  childrenOf(pid: number): Task[];
  parentOf(t: Task): Task | undefined;
  signature(t: Task): WaitSignature;
  isFrozen(t: Task): boolean;
  /** SIGKILL is pending on the task or its thread group: it was killed and cannot act on it. */
  killPending(t: Task): boolean;
  /** Threads of the process that are alive (not Z/X), other than the task itself. */
  liveThreads(leader: Task): number;
}

const SIGKILL_BIT = 1n << 8n;

function hasKill(mask: string | undefined): boolean {
  if (!mask || !/^[0-9a-f]+$/i.test(mask)) return false;
  return (BigInt(`0x${mask}`) & SIGKILL_BIT) !== 0n;
}

export function createContext(ev: Evidence): DiagnosisContext {
  const byTid = new Map<number, Task>();
  const processes = new Map<number, Task>();
  const threads = new Map<number, Task[]>();
  const children = new Map<number, Task[]>();
  for (const t of ev.tasks) {
    if (t.tid) byTid.set(t.tid, t);
    const pid = pidOf(t);
    if (!pid) continue;
    (threads.get(pid) ?? threads.set(pid, []).get(pid)!).push(t);
    if (t.tid === pid || !processes.has(pid)) processes.set(pid, t);
  }
  for (const p of processes.values()) {
    if (p.ppid === undefined) continue;
    (children.get(p.ppid) ?? children.set(p.ppid, []).get(p.ppid)!).push(p);
  }
  const sigs = new Map<Task, WaitSignature>();
  // A freezer state read without its path (a bare `FROZEN`) says nothing about which tasks it holds.
  const frozenPaths = ev.node.freezers.filter((f) => f.state === 'FROZEN' && (f.path !== '' || f.podUid !== undefined));

  const ctx: DiagnosisContext = {
    ev,
    tasks: ev.tasks,
    byTid,
    processes,
    threadsOf: (pid) => threads.get(pid) ?? [],
    childrenOf: (pid) => children.get(pid) ?? [],
    parentOf: (t) => (t.ppid !== undefined ? (processes.get(t.ppid) ?? byTid.get(t.ppid)) : undefined),
    signature(t) {
      let s = sigs.get(t);
      if (!s) sigs.set(t, (s = waitSignature(t)));
      return s;
    },
    isFrozen(t) {
      if (t.freezerState === 'FROZEN' || ctx.signature(t).category === 'freezer') return true;
      return frozenPaths.some(
        (f) => (t.podUid !== undefined && f.podUid === t.podUid) || (t.cgroupPath !== undefined && t.cgroupPath !== '' && (f.path.endsWith(t.cgroupPath) || t.cgroupPath.startsWith(f.path))),
      );
    },
    killPending(t) {
      if (hasKill(t.sigPending) || hasKill(t.sigSharedPending)) return true;
      const leader = processes.get(pidOf(t));
      return leader !== undefined && leader !== t && hasKill(leader.sigSharedPending);
    },
    liveThreads(leader) {
      const seen = ctx.threadsOf(pidOf(leader)).filter((x) => x !== leader && x.state !== 'Z' && x.state !== 'X');
      if (seen.length) return seen.length;
      return leader.numThreads !== undefined && leader.state === 'Z' ? Math.max(0, leader.numThreads - 1) : 0;
    },
  };
  return ctx;
}

export function taskRef(t: Task, role: Role): FindingTask {
  return {
    pid: t.pid ?? (t.tid || null),
    tid: t.tid || null,
    comm: t.comm,
    state: t.state ?? '?',
    role,
    ...(t.podUid ? { podUid: t.podUid } : {}),
    ...(t.startTime !== undefined ? { startTime: t.startTime } : {}),
  };
}

/** "stat (pid 2308)" — how a task is named in prose. */
export function name(t: Task): string {
  const pid = t.tid || t.pid;
  if (t.comm === '?' || t.comm === '') return pid ? `pid ${pid}${t.pid && t.pid !== t.tid ? ` (thread of ${t.pid})` : ''}` : 'an unnamed task';
  return pid ? `${t.comm} (pid ${pid})` : t.comm;
}

/** The lines that show a task: what was pasted, or a one-line summary of a live task. */
export function taskEvidence(t: Task, frames = 6): string[] {
  const out = t.lines.slice(0, 2);
  if (!out.length) {
    out.push(`${t.tid || '?'} ${t.comm} state=${t.state ?? '?'}${t.wchan ? ` wchan=${t.wchan}` : ''}${t.ppid !== undefined ? ` ppid=${t.ppid}` : ''}`);
  }
  const stack = (t.stack ?? []).filter((f) => !f.unreliable).slice(0, frames);
  if (stack.length) out.push(`stack of ${t.tid || t.comm}: ${stack.map(formatFrame).join(' | ')}`);
  if (t.userStack?.length)
    out.push(
      `user-space stack of ${t.tid || t.comm}: ${t.userStack
        .slice(0, frames)
        .map((f) => f.fn)
        .join(' | ')}`,
    );
  for (const m of t.missing) out.push(`${t.comm}: ${m}`);
  return out;
}
