import type { Task } from '../evidence/evidence';
import { pidOf } from '../evidence/evidence';
import type { DiagnosisContext } from './context';

/** PF_EXITING in /proc/PID/stat flags: the task is in do_exit. */
export const PF_EXITING = 0x4;

/** A PID-namespace init that has exited and waits in zap_pid_ns_processes ('stack' = seen on its stack). */
export function isTearingDown(t: Task, ctx: DiagnosisContext): 'stack' | 'wchan' | null {
  if (ctx.signature(t).category === 'pidns') return 'stack';
  if (t.wchan === 'zap_pid_ns_processes') return 'wchan';
  const exiting = t.flags !== undefined && (t.flags & PF_EXITING) !== 0;
  if (t.wchan === 'do_wait' && t.cmdline === '' && !t.isKernelThread && t.ppid !== 2 && (exiting || t.isPidNsInit)) return 'wchan';
  return null;
}

/**
 * PID 1 of a PID namespace (a container's init, or the host's): the kernel
 * marks it SIGNAL_UNKILLABLE and drops every signal it has no handler for —
 * even from the host, except SIGKILL/SIGSTOP sent from an ancestor namespace.
 * 'pid1' = only known because the evidence numbers it 1 (a `ps` inside a
 * container, or the host's init).
 */
export function namespaceInit(t: Task): 'ns' | 'pid1' | null {
  if (t.isPidNsInit) return 'ns';
  if (t.nsPid && t.nsPid.length > 1 && t.nsPid[t.nsPid.length - 1] === 1) return 'ns';
  if (pidOf(t) === 1 || t.tid === 1) return 'pid1';
  return null;
}

/** Why the task is exiting or has exited, or null: do_exit on its stack, PF_EXITING, or the evidence says it exited. */
export function exitingHow(t: Task): string | null {
  if (t.stack?.some((f) => !f.unreliable && /^(?:do_exit|do_group_exit)$/.test(f.fn))) return 'do_exit is on its kernel stack';
  if (t.flags !== undefined && (t.flags & PF_EXITING) !== 0) return 'its flags have PF_EXITING set';
  if (t.exited) return 'it has exited';
  return null;
}
