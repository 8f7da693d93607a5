import type { Task } from '../evidence/evidence';
import { pidOf } from '../evidence/evidence';
import { name, type DiagnosisContext } from './context';
import type { Effective, Remediation } from './finding';
import { isTearingDown } from './pidns-init';

/**
 * Would SIGKILL end this task? The kernel's answer, not a guess:
 * a zombie is already dead; a task in uninterruptible sleep does not look at
 * signals until its wait ends (TASK_KILLABLE waits excepted); a task looping
 * in memcg reclaim sees the pending fatal signal and bails out.
 */
export function killVerdict(t: Task, ctx: DiagnosisContext): { effective: Effective; why: string } {
  const who = name(t);
  if (t.isKernelThread || t.ppid === 2 || t.tid === 2) return { effective: 'no', why: `${who} is a kernel thread: it ignores signals.` };
  const sig = ctx.signature(t);
  if (sig.category === 'pidns') {
    return { effective: 'no', why: `${who} has already exited and waits in zap_pid_ns_processes for the other tasks of its PID namespace; a signal cannot make it stop waiting.` };
  }
  if (t.state === 'Z' || t.state === 'X') {
    const live = ctx.liveThreads(t);
    if (live > 0) {
      // PF_EXITING on the leader says nothing here: a leader that called pthread_exit has it too.
      const parent = ctx.parentOf(t);
      const stuck = ctx.threadsOf(pidOf(t)).some((x) => x.state === 'D') || ctx.killPending(t) || (parent !== undefined && isTearingDown(parent, ctx) !== null);
      if (!stuck) return { effective: 'yes', why: `${who} is a fake zombie: its leader exited but ${live} thread(s) still run; SIGKILL to the process ends them and lets the parent reap it.` };
      return { effective: 'no', why: `${who} is already exiting; its ${live} remaining thread(s) are stuck in the kernel and will not act on a signal until their wait ends.` };
    }
    return { effective: 'no', why: `${who} is a zombie: it is already dead; only its parent (wait()) or the parent's exit can remove it.` };
  }
  if (ctx.isFrozen(t)) {
    const v2 = sig.frames.some((f) => /^(?:do_freezer_trap|cgroup_enter_frozen)$/.test(f.fn))
      || (ctx.ev.node.freezers.some((f) => f.state === 'FROZEN' && f.version === 2) && !ctx.ev.node.freezers.some((f) => f.state === 'FROZEN' && f.version === 1));
    if (v2) return { effective: 'yes', why: `${who} is frozen by the cgroup v2 freezer, which still lets fatal signals through: SIGKILL ends it (thawing lets it continue instead).` };
    return { effective: 'no', why: `${who} is frozen by the cgroup v1 freezer; a signal is only acted on after the cgroup is thawed.` };
  }
  if (sig.category === 'reclaim') {
    return { effective: 'yes', why: `${who} loops in memory-cgroup reclaim; a pending fatal signal makes the charge path give up, so SIGKILL ends the loop.` };
  }
  if (t.state === 'D') {
    if (ctx.killPending(t)) return { effective: 'no', why: `${who} already has SIGKILL pending and is still in uninterruptible sleep (${sig.site || 'D'}): it will only exit when the wait completes.` };
    if (sig.killable) return { effective: 'yes', why: `${who} waits in a TASK_KILLABLE path (${sig.site}); a fatal signal ends that wait.` };
    return { effective: 'no', why: `${who} is in uninterruptible sleep (${sig.site || 'D'}); it does not look at signals until the wait completes.` };
  }
  if (t.state === 'T' || t.state === 't') return { effective: 'yes', why: `${who} is stopped; SIGKILL still ends a stopped task.` };
  return { effective: 'unknown', why: `${who} is ${t.state ?? 'in an unknown state'}; SIGKILL ends it, whether that ends the problem depends on the cause.` };
}

export function signalRemediation(t: Task, ctx: DiagnosisContext, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL', risk: Remediation['risk'] = 'medium'): Remediation {
  const v = killVerdict(t, ctx);
  const pid = pidOf(t);
  return {
    action: 'signal', pid, signal, effective: v.effective, risk, why: v.why,
    command: `kill -${signal === 'SIGKILL' ? 9 : 15} ${pid}`,
    comm: t.comm,
    ...(t.startTime !== undefined ? { startTime: t.startTime } : {}),
  };
}
