import type { ReadProblem } from '../../../proto/generated/whystuck/v1/ReadProblem';
import type { GuardedResult } from '../procfs/guarded-reader';

/** The capability that lets a privileged reader open a /proc or device file. */
export function capabilityFor(path: string): string {
  if (/\/stack$/.test(path)) return 'CAP_SYS_ADMIN';
  if (path === '/dev/kmsg' || /kmsg$/.test(path)) return 'CAP_SYSLOG';
  if (/\/(ns\/\w+|environ|maps|wchan|syscall|io)$/.test(path)) return 'CAP_SYS_PTRACE';
  return '';
}

export function problemFromCode(path: string, code: string, pid: number, tid: number, triedMs = 0): ReadProblem {
  const permission = code === 'EACCES' || code === 'EPERM';
  const cap = permission ? capabilityFor(path) : '';
  return {
    path,
    reason: permission ? 'permission' : code === 'ENOENT' || code === 'ESRCH' ? 'vanished' : 'error',
    detail: permission && cap ? `${code}: the collector needs ${cap} (see deploy/README.md#capabilities)` : code,
    tried_ms: Math.round(triedMs),
    pid,
    tid,
    needs_capability: cap,
  };
}

/** A ReadProblem for a guarded read that did not return text, or null when it did. */
export function problemFromGuarded(path: string, r: GuardedResult, pid: number, tid: number): ReadProblem | null {
  switch (r.status) {
    case 'ok':
      return null;
    case 'error':
      return problemFromCode(path, r.code, pid, tid, r.tookMs);
    case 'timed-out':
      return {
        path,
        reason: 'timed-out',
        detail: 'the read blocked in the kernel (lock held or backing store not answering); the reader thread was abandoned',
        tried_ms: Math.round(r.tookMs),
        pid,
        tid,
        needs_capability: '',
      };
    case 'blocked-earlier':
      return {
        path,
        reason: 'blocked-earlier',
        detail: `not retried: a read of the same lock of this task has been blocked for ${Math.round(r.blockedForMs)} ms`,
        tried_ms: 0,
        pid,
        tid,
        needs_capability: '',
      };
    case 'no-reader':
      return { path, reason: 'skipped', detail: r.reason, tried_ms: 0, pid, tid, needs_capability: '' };
  }
}
