import type { Task, TaskFact } from '../evidence/evidence';
import { pidOf } from '../evidence/evidence';
import { name, type DiagnosisContext } from './context';
import type { Effective, Remediation } from './finding';
import { exitingHow, isTearingDown, namespaceInit } from './pidns-init';

/**
 * The only authority on whether a signal would work. It knows the signal:
 * - SIGKILL: a zombie is already dead; an exiting task has nothing left to
 *   do with it; a task in uninterruptible sleep does not look at signals
 *   until its wait ends (TASK_KILLABLE waits excepted); a task held by the v1
 *   freezer acts on it only after the thaw; a kernel thread ignores it; a
 *   task looping in memcg reclaim sees the pending fatal signal and bails out.
 * - SIGTERM: all of that, and it can be caught, ignored or blocked (SigCgt,
 *   SigIgn, SigBlk in /proc/PID/status); a PID-namespace init drops every
 *   signal it has no handler for, even one sent from the host. When the
 *   dispositions were not read, SIGTERM is 'unknown' at best.
 * - SIGCONT: resumes a job-control stop (T), not a ptrace stop (t).
 * - SIGCHLD: ends nothing; it wakes a process seen waiting for it (sigwait
 *   and kin in its user-space stack) so it goes on to reap its children. Its
 *   default action is to ignore it, so it helps no one else.
 * A 'yes' never rests on facts that were only derived or stated, nor on a
 * task that was only referenced (a placeholder): those give 'unknown'.
 * Rules cannot override it: enforceVerdicts() re-derives every signal
 * remediation from here after the rules ran.
 */
export type VerdictSignal = 'SIGKILL' | 'SIGTERM' | 'SIGCONT' | 'SIGCHLD';

export interface Verdict {
  effective: Effective;
  why: string;
}

export interface VerdictOptions {
  /**
   * The caller knows that ending this task ends the problem (a parent that
   * does not reap its zombies, a tracer holding one): a task the signal
   * certainly ends is then 'yes' rather than 'unknown'. It never turns a
   * 'no' or an unconfirmed 'unknown' into 'yes'.
   */
  endsProblem?: boolean;
}

interface Base extends Verdict {
  /** The task facts a 'yes' rests on: they must have been observed. */
  basis: TaskFact[];
  /** Other tasks (threads) whose observed state the 'yes' rests on. */
  also?: Task[];
}

const RANK: Record<Effective, number> = { no: 0, unknown: 1, yes: 2 };
/** The weaker of two verdicts. */
export const weaker = (a: Effective, b: Effective): Effective => (RANK[a] <= RANK[b] ? a : b);

const SIGTERM_BIT = 1n << 14n;
const SIGCHLD_BIT = 1n << 16n;

function bit(mask: string | undefined, b: bigint): boolean | undefined {
  if (mask === undefined || !/^[0-9a-f]{1,32}$/i.test(mask.trim())) return undefined;
  return (BigInt(`0x${mask.trim()}`) & b) !== 0n;
}

/** SIGTERM's disposition from SigCgt / SigIgn (process-wide) and SigBlk (the thread shown). */
export function termDisposition(t: Task, ctx: DiagnosisContext): 'handled' | 'ignored' | 'blocked' | 'default' | 'unknown' {
  const leader = ctx.processes.get(pidOf(t));
  const caught = bit(t.sigCaught ?? leader?.sigCaught, SIGTERM_BIT);
  const ignored = bit(t.sigIgnored ?? leader?.sigIgnored, SIGTERM_BIT);
  if (caught) return 'handled';
  if (ignored) return 'ignored';
  if (caught === undefined || ignored === undefined) return 'unknown';
  const blocked = bit(t.sigBlocked, SIGTERM_BIT);
  if (blocked) return 'blocked';
  return blocked === undefined ? 'unknown' : 'default';
}

/**
 * Which freezer holds the task: 2 (cgroup v2: fatal signals still get
 * through), 1 (cgroup v1 or the suspend freezer, __refrigerator: signals
 * wait for the thaw), null when it is not frozen.
 */
function frozenVersion(t: Task, ctx: DiagnosisContext): 1 | 2 | null {
  if (!ctx.isFrozen(t)) return null;
  const frames = (t.stack ?? []).filter((f) => !f.unreliable);
  if (frames.some((f) => /^(?:__refrigerator|refrigerator)$/.test(f.fn))) return 1;
  if (frames.some((f) => /^(?:do_freezer_trap|cgroup_enter_frozen)$/.test(f.fn))) return 2;
  const frozen = ctx.ev.node.freezers.filter((f) => f.state === 'FROZEN');
  return frozen.some((f) => f.version === 2) && !frozen.some((f) => f.version === 1) ? 2 : 1;
}

function isKernelThread(t: Task): boolean {
  return Boolean(t.isKernelThread) || t.ppid === 2 || t.tid === 2;
}

/** What a fatal signal (SIGKILL, or a SIGTERM nobody handles) does to the task. */
function fatalBase(t: Task, ctx: DiagnosisContext, sig: VerdictSignal, endsProblem: boolean, nested = false): Base {
  const who = name(t);
  const s = ctx.signature(t);
  if (isKernelThread(t)) return { effective: 'no', why: `${who} is a kernel thread: it ignores signals.`, basis: [] };
  if (isTearingDown(t, ctx)) {
    return { effective: 'no', why: `${who} has already exited and waits in zap_pid_ns_processes for the other tasks of its PID namespace; a signal cannot make it stop waiting.`, basis: [] };
  }
  if (t.state === 'Z' || t.state === 'X') {
    const live = ctx.liveThreads(t);
    if (live > 0) {
      // PF_EXITING on the leader says nothing here: a leader that called pthread_exit has it too.
      const parent = ctx.parentOf(t);
      const threads = ctx.threadsOf(pidOf(t)).filter((x) => x !== t && x.state !== 'Z' && x.state !== 'X');
      const stuck = threads.some((x) => x.state === 'D') || ctx.killPending(t) || (parent !== undefined && isTearingDown(parent, ctx) !== null);
      if (stuck) return { effective: 'no', why: `${who} is already exiting; its ${live} remaining thread(s) are stuck in the kernel and will not act on a signal until their wait ends.`, basis: [] };
      if (frozenVersion(t, ctx) === 1)
        return { effective: 'no', why: `${who}'s leader exited and its remaining thread(s) are held by the cgroup v1 freezer; a signal is only acted on after the thaw.`, basis: [] };
      for (const x of threads) {
        const v = nested ? null : fatalBase(x, ctx, sig, true, true);
        if (v && v.effective !== 'yes') return { effective: v.effective, why: `${who}'s leader exited; what ${sig} does to the process depends on its live thread ${name(x)}: ${v.why}`, basis: [] };
      }
      return {
        effective: 'yes',
        why: `${who} is a fake zombie: its leader exited but ${live} thread(s) still run; ${sig} to the process ends them and lets the parent reap it.`,
        basis: ['state', 'numThreads', 'pid'],
        also: threads,
      };
    }
    return { effective: 'no', why: `${who} is a zombie: it is already dead; only its parent (wait()) or the parent's exit can remove it.`, basis: [] };
  }
  const exiting = exitingHow(t);
  if (exiting) return { effective: 'no', why: `${who} is already exiting (${exiting}): a signal has nothing left to do; it finishes exiting only when what it waits on returns.`, basis: [] };
  if (!nested) {
    // A process-directed signal ends the process only when every thread acts on it.
    for (const x of ctx.threadsOf(pidOf(t))) {
      if (x === t || x.state !== 'D') continue;
      const v = fatalBase(x, ctx, sig, false, true);
      if (v.effective === 'no') return { effective: 'no', why: `${who} cannot finish exiting: its thread ${name(x)} is stuck — ${v.why}`, basis: [] };
    }
  }
  const frozen = frozenVersion(t, ctx);
  if (frozen === 2) {
    // The v2 freezer parks a task in do_freezer_trap on its way back to user space: one still in D stays there until its wait ends.
    const why = `${who} is frozen by the cgroup v2 freezer, which still lets fatal signals through: ${sig} ends it (thawing lets it continue instead).`;
    if (t.stack?.some((f) => !f.unreliable && /^(?:do_freezer_trap|cgroup_enter_frozen)$/.test(f.fn))) return { effective: 'yes', why, basis: ['stack', 'pid'] };
    if (t.state !== undefined && t.state !== 'D') return { effective: 'yes', why, basis: ['state', 'pid'] };
  }
  if (frozen === 1) return { effective: 'no', why: `${who} is frozen by the cgroup v1 freezer; a signal is only acted on after the cgroup is thawed.`, basis: [] };
  if (ctx.killPending(t)) {
    return {
      effective: 'no',
      why: `${who} already has SIGKILL pending and is still there${t.state === 'D' ? ` in uninterruptible sleep (${s.site || 'D'})` : ''}: another signal changes nothing; it exits only when its wait completes.`,
      basis: [],
    };
  }
  if (s.category === 'reclaim') {
    return { effective: 'yes', why: `${who} loops in memory-cgroup reclaim; a pending fatal signal makes the charge path give up, so ${sig} ends the loop.`, basis: ['stack', 'pid'] };
  }
  if (t.state === 'D') {
    const from: TaskFact = s.frames.length ? 'stack' : 'wchan';
    if ('killableDepends' in s && s.killableDepends)
      return { effective: 'unknown', why: `${who} waits in ${s.site}, which is killable on some kernels and paths and not on others; ${sig} may end the wait.`, basis: [] };
    if (s.killable) return { effective: 'yes', why: `${who} waits in a TASK_KILLABLE path (${s.site}); a fatal signal ends that wait.`, basis: [from, 'pid'] };
    return { effective: 'no', why: `${who} is in uninterruptible sleep (${s.site || 'D'}); it does not look at signals until the wait completes.`, basis: [] };
  }
  if (t.state === 'T' || t.state === 't') return { effective: 'yes', why: `${who} is stopped; ${sig} still ends a stopped task.`, basis: ['state', 'pid'] };
  if (t.state !== undefined && /^[RSI]$/.test(t.state)) {
    if (endsProblem) return { effective: 'yes', why: `${who} is ${t.state === 'R' ? 'running' : 'sleeping interruptibly'} (${t.state}): ${sig} ends it.`, basis: ['state', 'pid'] };
    return { effective: 'unknown', why: `${who} is ${t.state}; ${sig} ends it, whether that ends the problem depends on the cause.`, basis: [] };
  }
  return { effective: 'unknown', why: `${who} is ${t.state ? `in state ${t.state}` : 'in an unknown state'}; whether ${sig} ends it cannot be told from this evidence.`, basis: [] };
}

function capped(v: Base, to: Effective, because: string): Base {
  if (RANK[v.effective] <= RANK[to]) return v;
  return { ...v, effective: to, why: `${v.why} But ${because}` };
}

function sigtermBase(t: Task, ctx: DiagnosisContext, endsProblem: boolean): Base {
  const who = name(t);
  const base = fatalBase(t, ctx, 'SIGTERM', endsProblem);
  if (base.effective === 'no') return base;
  const disp = termDisposition(t, ctx);
  const init = namespaceInit(t);
  if (init) {
    const what = init === 'ns' ? `${who} is the init of its PID namespace` : `pid 1 is the init of its PID namespace (a container's, or the host's)`;
    if (disp === 'handled') return capped(base, 'unknown', `${what} and has a SIGTERM handler (SigCgt): whether it exits is up to the program.`);
    if (disp === 'unknown') return capped(base, 'unknown', `${what}: the kernel drops SIGTERM for it unless it installed a handler, and its SigCgt (/proc/PID/status) is not in this evidence.`);
    return {
      effective: 'no',
      why: `${what}: it has no SIGTERM handler (SigCgt bit 15 clear), and the kernel drops signals a namespace init does not handle — even when sent from the host. Only SIGKILL from the host (outside its namespace) ends it, and that ends every task of the namespace.`,
      basis: [],
    };
  }
  switch (disp) {
    case 'ignored':
      return { effective: 'no', why: `${who} ignores SIGTERM (SigIgn bit 15 set): the kernel drops it.`, basis: [] };
    case 'handled':
      return capped(base, 'unknown', `${who} catches SIGTERM (SigCgt bit 15 set): its handler decides whether it exits.`);
    case 'blocked':
      return capped(base, 'unknown', `the thread shown blocks SIGTERM (SigBlk): it stays pending until a thread that does not block it takes it.`);
    case 'unknown':
      return capped(base, 'unknown', `SIGTERM can be caught or ignored, and this evidence does not show ${who}'s signal dispositions (SigCgt/SigIgn in /proc/PID/status).`);
    default:
      if (t.tracerPid || t.state === 't') return capped(base, 'unknown', `${who} is traced: its tracer sees SIGTERM first and may suppress it.`);
      return base;
  }
}

function sigcontBase(t: Task, ctx: DiagnosisContext): Base {
  const who = name(t);
  if (isKernelThread(t)) return { effective: 'no', why: `${who} is a kernel thread: job-control signals do not apply.`, basis: [] };
  if (t.state === 'Z' || t.state === 'X') return { effective: 'no', why: `${who} is dead (a zombie): there is nothing to continue.`, basis: [] };
  const exiting = exitingHow(t);
  if (exiting) return { effective: 'no', why: `${who} is exiting (${exiting}): there is nothing to continue.`, basis: [] };
  if (t.state === 't' || (t.state === 'T' && t.tracerPid))
    return {
      effective: 'no',
      why: `${who} is stopped by its tracer${t.tracerPid ? ` (pid ${t.tracerPid})` : ''}: SIGCONT does not end a ptrace stop; the tracer has to continue or detach.`,
      basis: [],
    };
  if (ctx.isFrozen(t)) return { effective: 'no', why: `${who} is held by the cgroup freezer: SIGCONT does not thaw it.`, basis: [] };
  if (t.state === 'T') return { effective: 'yes', why: `${who} was stopped (SIGSTOP/SIGTSTP or a frozen terminal job); SIGCONT resumes it.`, basis: ['state', 'pid'] };
  if (t.state === undefined) return { effective: 'unknown', why: `${who}'s state is not in this evidence: SIGCONT only helps a stopped task.`, basis: [] };
  return { effective: 'no', why: `${who} is not stopped (${t.state}): SIGCONT changes nothing.`, basis: [] };
}

/**
 * SIGCHLD ends no task: it tells a parent a child changed state. A parent
 * asleep in a signal wait for it (sigwait, sigtimedwait, sigsuspend — the
 * signal is blocked there, and a blocked signal is delivered even to a
 * namespace init) wakes and goes on to reap. A parent with a handler runs it.
 * Anyone else ignores it (its default action).
 */
function sigchldBase(t: Task, ctx: DiagnosisContext): Base {
  const who = name(t);
  if (isKernelThread(t)) return { effective: 'no', why: `${who} is a kernel thread: it has no children to reap.`, basis: [] };
  if (t.state === 'Z' || t.state === 'X') return { effective: 'no', why: `${who} is dead (a zombie): it reaps nothing.`, basis: [] };
  const exiting = isTearingDown(t, ctx) ? 'it waits in zap_pid_ns_processes' : exitingHow(t);
  if (exiting) return { effective: 'no', why: `${who} is exiting (${exiting}): a SIGCHLD changes nothing.`, basis: [] };
  if (ctx.isFrozen(t)) return { effective: 'no', why: `${who} is held by the cgroup freezer: it handles SIGCHLD only after the thaw.`, basis: [] };
  if (t.state === 'T' || t.state === 't') return { effective: 'no', why: `${who} is stopped: SIGCHLD stays pending until it is continued.`, basis: [] };
  if (t.state === 'D') return { effective: 'no', why: `${who} is in uninterruptible sleep (${ctx.signature(t).site || 'D'}): SIGCHLD waits until that wait ends.`, basis: [] };
  const w = t.userWait;
  if (w?.kind === 'signal') {
    if (w.forChild) {
      return {
        effective: 'yes',
        why: `${who} sleeps in ${w.fn}() waiting for a signal, in code that waits for a child: SIGCHLD is blocked there and is delivered even to a namespace init, so it wakes and goes on to reap.`,
        basis: ['userStack', 'pid'],
      };
    }
    return { effective: 'unknown', why: `${who} sleeps in ${w.fn}() waiting for a signal; which signals it waits for is not in this evidence.`, basis: [] };
  }
  const leader = ctx.processes.get(pidOf(t));
  if (bit(t.sigIgnored ?? leader?.sigIgnored, SIGCHLD_BIT))
    return { effective: 'no', why: `${who} ignores SIGCHLD (SigIgn bit 17): its children are reaped by the kernel, and a signal does nothing.`, basis: [] };
  if (bit(t.sigCaught ?? leader?.sigCaught, SIGCHLD_BIT)) return { effective: 'unknown', why: `${who} has a SIGCHLD handler (SigCgt bit 17): whether it reaps is up to that handler.`, basis: [] };
  if (w?.kind === 'child')
    return {
      effective: 'no',
      why: `${who} waits in ${w.fn}() for ${w.pid !== undefined && w.pid > 0 ? `pid ${w.pid} only` : 'a child'}: SIGCHLD does not end that wait nor make it reap another child.`,
      basis: [],
    };
  return { effective: 'unknown', why: `SIGCHLD's default action is to ignore it: it only helps a process that waits for it, and this evidence does not show that ${who} does.`, basis: [] };
}

const FACT_WORDS: Partial<Record<TaskFact, string>> = {
  userStack: 'user-space stack',
  state: 'state',
  stack: 'kernel stack',
  wchan: 'wait channel',
  numThreads: 'thread count',
  pid: 'pid',
  exited: 'exit',
  isPidNsInit: 'namespace-init role',
  ppid: 'parent',
};
const PLACEHOLDER_WORDS: Record<NonNullable<Task['placeholder']>, string> = {
  ppid: "as another task's parent",
  'lock-owner': 'as a lock owner',
  'oom-invoker': 'as the task that invoked the OOM killer',
  'oops-task': 'as the current task of a kernel oops',
  stated: 'in prose',
  'strace-target': 'as the target of an strace',
  'waited-child': 'as the child another task waits for',
};

/** Why a 'yes' is not confirmed by what was observed, or null when it is. */
function unconfirmed(t: Task, v: Base, ctx: DiagnosisContext): string | null {
  const who = name(t);
  if (t.placeholder)
    return `${who} was only referenced ${PLACEHOLDER_WORDS[t.placeholder] ?? 'by other evidence'}, never shown itself: look at it (/proc/${pidOf(t) || 'PID'}/status and stack) before signalling.`;
  for (const f of v.basis) {
    const p = t.provenance?.[f];
    if (p)
      return `that rests on its ${FACT_WORDS[f] ?? f}, which was ${p === 'stated' ? 'stated in prose' : 'inferred from other evidence'}, not seen: confirm it (/proc/${pidOf(t) || 'PID'}/status and stack) before signalling.`;
  }
  for (const x of v.also ?? []) {
    if (x.placeholder || x.provenance?.state)
      return `that rests on the state of ${name(x)}, which was ${x.placeholder ? 'only referenced' : x.provenance?.state === 'stated' ? 'stated in prose' : 'inferred'}, not seen.`;
  }
  const pid = pidOf(t);
  const said = ctx.ev.stated.find((f) => f.kind === 'kill-ineffective' && pid !== 0 && f.pid === pid);
  if (said) return `someone reported that killing it did nothing ("${said.text.slice(0, 120)}").`;
  return null;
}

/** What `signal` would do to the task, and why. */
export function killVerdict(t: Task, ctx: DiagnosisContext, signal: VerdictSignal = 'SIGKILL', opts: VerdictOptions = {}): Verdict {
  const endsProblem = Boolean(opts.endsProblem);
  let v = signal === 'SIGCONT' ? sigcontBase(t, ctx) : signal === 'SIGCHLD' ? sigchldBase(t, ctx) : signal === 'SIGTERM' ? sigtermBase(t, ctx, endsProblem) : fatalBase(t, ctx, 'SIGKILL', endsProblem);
  if (signal === 'SIGKILL' && v.effective === 'yes' && namespaceInit(t) === 'pid1') {
    v = capped(
      v,
      'unknown',
      "pid 1 is the init of its PID namespace: SIGKILL from inside that namespace is ignored; from the host it works only under the host pid (NSpid in /proc/PID/status) — and on the host's own init it panics the node.",
    );
  }
  if (v.effective === 'yes') {
    const weak = unconfirmed(t, v, ctx);
    if (weak) v = capped(v, 'unknown', weak);
  }
  return { effective: v.effective, why: v.why };
}

export interface SignalRemediationOptions extends VerdictOptions {
  /** The rule's reason why the signal helps; appended only when the verdict is not 'no'. */
  because?: string;
}

const KILL_FLAG: Record<VerdictSignal, string> = { SIGKILL: '-9', SIGTERM: '-15', SIGCONT: '-CONT', SIGCHLD: '-CHLD' };

/** A signal remediation whose effectiveness is the verdict's, nothing else. */
export function signalRemediation(t: Task, ctx: DiagnosisContext, signal: VerdictSignal = 'SIGKILL', risk: Remediation['risk'] = 'medium', opts: SignalRemediationOptions = {}): Remediation {
  const v = killVerdict(t, ctx, signal, opts);
  const pid = pidOf(t);
  let effective = v.effective;
  let why = v.effective !== 'no' && opts.because ? `${v.why} ${opts.because}` : v.why;
  if (!pid) {
    effective = weaker(effective, 'unknown');
    why = `${why} This evidence does not give its pid: find it first (ps -eo pid,stat,wchan:32,comm) and check it is the same task.`;
  }
  return {
    // SIGCHLD is advice to send by hand: the collector sends only signals that end or continue a task.
    action: signal === 'SIGCHLD' ? 'manual' : 'signal',
    ...(pid ? { pid } : {}),
    signal,
    effective,
    risk,
    why,
    // Only the pid goes into the command: never a name the tenant chose.
    command: `kill ${KILL_FLAG[signal]} ${pid || 'PID'}`,
    comm: t.comm,
    ...(t.startTime !== undefined ? { startTime: t.startTime } : {}),
  };
}
