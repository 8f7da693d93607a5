import type { Task } from '../evidence/evidence';
import type { DiagnosisContext } from './context';

/** A PID-namespace init that has exited and waits in zap_pid_ns_processes ('stack' = seen on its stack). */
export function isTearingDown(t: Task, ctx: DiagnosisContext): 'stack' | 'wchan' | null {
  if (ctx.signature(t).category === 'pidns') return 'stack';
  if (t.wchan === 'zap_pid_ns_processes') return 'wchan';
  const exiting = t.flags !== undefined && (t.flags & 0x4) !== 0;
  if (t.wchan === 'do_wait' && t.cmdline === '' && !t.isKernelThread && t.ppid !== 2 && (exiting || t.isPidNsInit)) return 'wchan';
  return null;
}
