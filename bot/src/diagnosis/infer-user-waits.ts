import type { Evidence, Task, TaskFact } from '../evidence/evidence';
import { newTask, pidOf } from '../evidence/evidence';

/**
 * What user-space waits (debugger backtraces in a paste) say about tasks,
 * derived in the one pass before the rules (infer.ts):
 *
 * - a backtrace whose task the paste names only by a label or program name
 *   ("supervisor:", `gdb /usr/sbin/supervisor 4411` cut) belongs to the one
 *   task of that name the evidence shows (ps truncates names to 15
 *   characters); whose stack it is, is then derived;
 * - a task whose wait is a blocking one (a child, a signal, poll, a futex,
 *   sleep) and whose state is not shown sleeps interruptibly: S;
 * - a task blocked in waitpid(N) / wait4(N) / waitid(P_PID, N) without
 *   WNOHANG is N's parent, and N is a live child: the call would have
 *   returned had N exited. A pid N the evidence does not otherwise show is
 *   the one backtrace whose task the paste does not name, when there is
 *   exactly one such backtrace and one such pid; else N becomes a
 *   placeholder task ('waited-child') that findings can name;
 * - a zombie whose parent is unknown, beside exactly one live task seen
 *   waiting for a signal in code that waits for a child (sigwait in
 *   WaitForChild, reap_children…): that task is taken to be its parent.
 *   A task blocked in wait() for any child cannot be: it would have reaped it.
 *
 * Everything here is marked 'derived'; nothing observed is overwritten.
 */
export function inferFromUserWaits(ev: Evidence, byTid: Map<number, Task>): void {
  attachByName(ev);
  for (const t of ev.tasks) sleepsInUserWait(t);
  linkWaitedChildren(ev, byTid);
  parentOfUnparentedZombies(ev);
}

const BLOCKING = new Set(['child', 'signal', 'poll', 'futex', 'sleep']);

function mark(t: Task, fact: TaskFact): void {
  (t.provenance ??= {})[fact] = 'derived';
}

function sleepsInUserWait(t: Task): void {
  const w = t.userWait;
  if (!w || t.state !== undefined || t.stack?.length || t.wchan || !BLOCKING.has(w.kind) || w.nohang) return;
  t.state = 'S';
  mark(t, 'state');
}

/** The kernel keeps 15 characters of a name: "linux-sandbox-pid1" is "linux-sandbox-p" in ps. */
const sameName = (shown: string, full: string): boolean => shown === full || (shown.length === 15 && full.startsWith(shown));

function attachByName(ev: Evidence): void {
  const unnamed = ev.tasks.filter((t) => t.tid === 0 && t.userStack?.length && t.comm !== '?' && t.comm !== '');
  for (const t of unnamed) {
    const named = ev.tasks.filter((x) => x !== t && x.tid !== 0 && !x.userStack && !x.placeholder && sameName(x.comm, t.comm));
    if (named.length !== 1 || unnamed.some((u) => u !== t && u.comm === t.comm)) continue;
    const x = named[0];
    x.userStack = t.userStack;
    mark(x, 'userStack');
    if (t.userWait) x.userWait = t.userWait;
    x.missing.push(`user-space stack taken to be its own: the backtrace is labelled ${t.comm} and no other task has that name`);
    for (const l of t.lines) if (x.lines.length < 4 && !x.lines.includes(l)) x.lines.push(l);
    ev.tasks.splice(ev.tasks.indexOf(t), 1);
  }
}

/** The pid a task waits for in a blocking waitpid(), or undefined. */
function waitedPid(t: Task): number | undefined {
  const w = t.userWait;
  return w?.kind === 'child' && !w.nohang && w.pid !== undefined && w.pid > 0 ? w.pid : undefined;
}

function linkWaitedChildren(ev: Evidence, byTid: Map<number, Task>): void {
  const waiters = ev.tasks.filter((t) => waitedPid(t) !== undefined);
  if (!waiters.length) return;
  const unseen = [...new Set(waiters.map((t) => waitedPid(t)!).filter((pid) => !byTid.has(pid)))];
  const unnamed = ev.tasks.filter((t) => t.tid === 0 && !t.placeholder && t.userStack?.length && waitedPid(t) === undefined && !waiters.includes(t));
  if (unseen.length === 1 && unnamed.length === 1) {
    const pid = unseen[0];
    const t = unnamed[0];
    const waiter = waiters.find((x) => waitedPid(x) === pid)!;
    t.tid = pid;
    t.pid = pid;
    mark(t, 'pid');
    t.missing.push(`taken to be pid ${pid}, the child ${who(waiter)} waits for in ${waiter.userWait!.fn}(): the only other backtrace, and the paste does not say whose it is`);
    byTid.set(pid, t);
  }
  const added: Task[] = [];
  for (const w of waiters) {
    const pid = waitedPid(w)!;
    let child = byTid.get(pid);
    if (!child) {
      child = { ...newTask(pid, '?'), placeholder: 'waited-child' };
      child.missing.push(`known only as the child ${who(w)} waits for in ${w.userWait!.fn}()`);
      byTid.set(pid, child);
      added.push(child);
    }
    const parent = pidOf(w);
    if (child.ppid === undefined && parent) {
      child.ppid = parent;
      mark(child, 'ppid');
    }
  }
  ev.tasks.push(...added);
}

function parentOfUnparentedZombies(ev: Evidence): void {
  const orphans = ev.tasks.filter((t) => t.state === 'Z' && t.ppid === undefined && (t.pid === undefined || t.pid === t.tid));
  if (!orphans.length) return;
  const reapers = ev.tasks.filter((t) => t.userWait?.kind === 'signal' && t.userWait.forChild && t.state !== 'Z' && t.state !== 'X' && !t.exited && pidOf(t) !== 0);
  if (reapers.length !== 1) return;
  const parent = reapers[0];
  for (const z of orphans) {
    if (z === parent) continue;
    z.ppid = pidOf(parent);
    mark(z, 'ppid');
  }
}

const who = (t: Task): string => (t.comm && t.comm !== '?' ? t.comm : pidOf(t) ? `pid ${pidOf(t)}` : 'a task');
