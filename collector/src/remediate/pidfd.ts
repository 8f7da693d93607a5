import koffi from 'koffi';

/**
 * pidfd_open(2) and pidfd_send_signal(2) (Linux >= 5.3) through koffi.
 * A pidfd names one process for its whole life: checking its identity and
 * then signalling through the same pidfd cannot hit a process that reused
 * the pid in between. The syscall numbers are the same on every architecture
 * (the unified table added after 5.1).
 */
const SYS_PIDFD_SEND_SIGNAL = 424;
const SYS_PIDFD_OPEN = 434;

export type SyscallResult = { ok: true; value: number } | { ok: false; errno: number };

export interface Pidfd {
  readonly supported: boolean;
  open(pid: number): SyscallResult;
  sendSignal(fd: number, signal: number): SyscallResult;
  close(fd: number): void;
}

type Syscall = (nr: number, a: number, b: number, c: number, d: number) => number;

let cached: { syscall: Syscall; close: (fd: number) => number } | null | undefined;

function libc(): typeof cached {
  if (cached !== undefined) return cached;
  try {
    const lib = koffi.load('libc.so.6');
    cached = {
      syscall: lib.func('long syscall(long nr, long a, long b, long c, long d)') as Syscall,
      close: lib.func('int close(int fd)') as (fd: number) => number,
    };
  } catch {
    cached = null;
  }
  return cached;
}

const ENOSYS = 38;

function call(nr: number, a: number, b: number, c = 0, d = 0): SyscallResult {
  const c0 = libc();
  if (!c0) return { ok: false, errno: ENOSYS };
  const r = c0.syscall(nr, a, b, c, d);
  return r >= 0 ? { ok: true, value: r } : { ok: false, errno: koffi.errno() };
}

export function createPidfd(): Pidfd {
  const probe = call(SYS_PIDFD_OPEN, process.pid, 0);
  if (probe.ok) libc()?.close(probe.value);
  return {
    supported: probe.ok,
    open: (pid) => call(SYS_PIDFD_OPEN, pid, 0),
    sendSignal: (fd, signal) => call(SYS_PIDFD_SEND_SIGNAL, fd, signal, 0, 0),
    close: (fd) => {
      libc()?.close(fd);
    },
  };
}

export const ERRNO: Record<number, string> = { 1: 'EPERM', 3: 'ESRCH', 22: 'EINVAL', 38: 'ENOSYS' };
