import type { KernelReport, Task } from '../../evidence/evidence';
import { newTask } from '../../evidence/evidence';
import { formatFrame } from '../../evidence/frames';
import { taskRef, type DiagnosisContext } from '../context';
import type { Finding, FindingId } from '../finding';
import { finding } from '../rule';

const STOPPER = /^(?:multi_cpu_stop|cpu_stopper_thread|stop_machine\w*|stop_cpus|smp_call_function_many\w*|smp_call_function_single|csd_lock_wait\w*|on_each_cpu\w*)$/;

/** A lockup whose CPU only waits for another CPU (stop_machine, IPIs): a victim, not the cause. */
export function isVictimLockup(r: KernelReport): boolean {
  return (r.rip !== undefined && STOPPER.test(r.rip)) || r.frames.slice(0, 4).some((f) => !f.unreliable && STOPPER.test(f.fn));
}

export function reportTask(r: KernelReport, ctx: DiagnosisContext): Task {
  return (r.pid !== undefined ? ctx.byTid.get(r.pid) : undefined) ?? { ...newTask(r.pid ?? 0, r.comm ?? '?'), state: 'R' };
}

/** One finding per lockup report (soft, hard, RCU), cause told apart from victims. */
export function lockupFindings(ctx: DiagnosisContext, id: FindingId, kind: KernelReport['kind'], label: string): Finding[] {
  const reports = ctx.ev.reports.filter((r) => r.kind === kind);
  const causes = ctx.ev.reports.filter((r) => (r.kind === 'soft-lockup' || r.kind === 'hard-lockup' || r.kind === 'rcu-stall') && !isVictimLockup(r));
  return reports.map((r) => {
    const where = r.rip ?? r.frames.find((f) => !f.unreliable)?.fn ?? 'unknown code';
    const trace = r.frames
      .filter((f) => !f.unreliable)
      .slice(0, 8)
      .map(formatFrame)
      .join(' ← ');
    const victim = isVictimLockup(r);
    const cause = victim ? causes.find((c) => c !== r) : undefined;
    const who = r.comm ? `${r.comm}:${r.pid}` : 'an unknown task';
    const parts = [`${label} on CPU#${r.cpu ?? '?'}${r.seconds ? ` for ${r.seconds}s` : ''}, running ${who} in ${where}${trace ? ` (${trace})` : ''}.`];
    if (victim) {
      parts.push(`This CPU is a victim: ${where} waits for all other CPUs to respond (stop_machine / cross-CPU call), so it spins as long as another CPU is stuck with interrupts or preemption off.`);
      parts.push(
        cause
          ? `The CPU it waits for is CPU#${cause.cpu ?? '?'}: ${cause.comm}:${cause.pid} in ${cause.rip ?? cause.frames[0]?.fn ?? '?'} — that is the cause.`
          : "Find the other CPU's report (soft lockup / RCU stall / NMI backtrace) around the same time: that is the cause.",
      );
    } else {
      parts.push(
        `The kernel spent ${r.seconds ? `${r.seconds}s` : 'too long'} in ${where} without scheduling; ${r.comm && !/^(?:migration|ksoftirqd|kworker|rcu)/.test(r.comm) ? `${r.comm} triggered it through a system call.` : 'look at the call trace for the loop.'}`,
      );
    }
    if (r.count > 1) parts.push(`Reported ${r.count} times.`);
    const task = reportTask(r, ctx);
    const tasks = [taskRef(task, victim ? 'victim' : 'blocker')];
    if (cause) tasks.push(taskRef(reportTask(cause, ctx), 'blocker'));
    return finding({
      id,
      severity: kind === 'hard-lockup' ? 'critical' : 'warning',
      confidence: 0.95,
      title: `${label}: CPU#${r.cpu ?? '?'} stuck${r.seconds ? ` for ${r.seconds}s` : ''} in ${where} [${who}]${victim ? ' (victim)' : ''}`,
      explanation: parts.join(' '),
      evidence: r.lines.filter((l) => !/^R[A-Z0-9]{1,2}:|^Code:|^Modules linked|^FS:|^CS:|^CR2:/.test(l)).slice(0, 14),
      tasks,
      remediations: [
        {
          action: 'signal',
          pid: r.pid,
          signal: 'SIGKILL',
          effective: task.isKernelThread || /^(?:migration|ksoftirqd|kworker|rcu|watchdog)/.test(r.comm ?? '') ? 'no' : 'unknown',
          risk: 'medium',
          why: victim
            ? `${who} is a kernel thread waiting for another CPU; signals do nothing.`
            : `The loop runs in the kernel; a signal is only seen when it returns to user space. Ending ${who} stops new calls into the slow path, not the current one.`,
          command: r.pid ? `kill -9 ${r.pid}` : undefined,
        },
        {
          action: 'manual',
          effective: 'unknown',
          risk: 'low',
          why: 'Check the known-kernel-issue finding for an upstream fix; otherwise capture more reports (kernel.softlockup_all_cpu_backtrace=1) and reduce what triggers the slow path.',
        },
      ],
    });
  });
}
