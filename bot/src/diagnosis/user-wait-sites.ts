import type { UserFrame, UserWait } from '../evidence/evidence';

/**
 * Where a task can wait in user space, read off a debugger's backtrace: the
 * same idea as wait-sites.ts for kernel stacks, for the C library calls a
 * gdb / pstack / eu-stack backtrace stops in. A name ending in `*` is a
 * prefix. Names are compared without the C library's decorations
 * (`__GI___`, `__libc_`, `@@GLIBC_2.3.2`, `_nocancel`, `_time64`).
 */
const SITES: readonly { kind: UserWait['kind']; names: readonly string[] }[] = [
  { kind: 'child', names: ['waitpid', 'wait4', 'wait3', 'wait', 'waitid'] },
  { kind: 'signal', names: ['sigwait', 'do_sigwait', 'sigtimedwait', 'sigwaitinfo', 'do_sigwaitinfo', 'sigsuspend', 'pause', 'rt_sigtimedwait', 'rt_sigsuspend'] },
  { kind: 'poll', names: ['poll', 'ppoll', 'select', 'pselect', 'pselect6', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2'] },
  {
    kind: 'futex',
    names: [
      'futex_wait*',
      'futex_abstimed_wait*',
      'do_futex_wait*',
      'lll_lock_wait*',
      'lll_timedlock_wait*',
      'futex',
      'pthread_mutex_lock',
      'pthread_mutex_timedlock',
      'pthread_cond_wait',
      'pthread_cond_timedwait',
      'pthread_cond_clockwait',
      'pthread_join',
      'pthread_timedjoin*',
      'pthread_clockjoin*',
      'pthread_rwlock_rdlock',
      'pthread_rwlock_wrlock',
      'sem_wait',
      'sem_timedwait',
      'sem_clockwait',
    ],
  },
  {
    kind: 'io',
    names: [
      'read',
      'pread',
      'pread64',
      'readv',
      'preadv',
      'recv',
      'recvfrom',
      'recvmsg',
      'accept',
      'accept4',
      'connect',
      'write',
      'pwrite',
      'pwrite64',
      'writev',
      'send',
      'sendto',
      'sendmsg',
      'open',
      'open64',
      'openat',
      'openat64',
      'fsync',
      'fdatasync',
      'flock',
      'msgrcv',
      'mq_receive',
      'mq_timedreceive',
    ],
  },
  { kind: 'sleep', names: ['nanosleep', 'clock_nanosleep', 'usleep', 'sleep'] },
];

/** Frames between a wait and the kernel that say nothing themselves: system-call stubs and unknown frames. */
const PASS_THROUGH: readonly string[] = ['syscall', 'syscall_cancel*', 'internal_syscall_cancel', 'kernel_vsyscall', 'restore_rt', '??', 'INTERNAL_SYSCALL*'];

/** A signal wait whose callers name this waits to learn that a child exited. */
const CHILD_WORDS = /child|reap|sigchld|zombie/i;
/** How deep a wait may sit below system-call stubs: a frame that is neither is code running, not waiting. */
const MAX_DEPTH = 8;

function matches(name: string, patterns: readonly string[]): boolean {
  for (const p of patterns) {
    if (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p) return true;
  }
  return false;
}

/** "__GI___waitpid" -> "waitpid", "pthread_cond_wait@@GLIBC_2.3.2" -> "pthread_cond_wait", "WaitForChild()" -> "WaitForChild". */
export function baseName(fn: string): string {
  let s = fn;
  const at = s.indexOf('@');
  if (at > 0) s = s.slice(0, at);
  const paren = s.indexOf('(');
  if (paren > 0) s = s.slice(0, paren);
  for (let i = 0; i < 4; i++) {
    let j = 0;
    while (s.charCodeAt(j) === 95 /* _ */) j++;
    let t = s.slice(j);
    if (t.startsWith('GI_') || t.startsWith('IO_')) t = t.slice(3);
    else if (t.startsWith('libc_')) t = t.slice(5);
    if (t === s) break;
    s = t;
  }
  if (s.endsWith('_nocancel')) s = s.slice(0, -9);
  if (s.endsWith('_time64')) s = s.slice(0, -7);
  return s;
}

/** The kind of wait a function is, or null. */
export function userWaitKind(fn: string): UserWait['kind'] | null {
  const name = baseName(fn);
  for (const s of SITES) if (matches(name, s.names)) return s.kind;
  return null;
}

/** "pid=9124", "pid=pid@entry=9124": a numeric argument by name. */
function numericArg(args: string | undefined, key: string): number | undefined {
  if (!args) return undefined;
  let from = 0;
  while (from < args.length) {
    const i = args.indexOf(`${key}=`, from);
    if (i < 0) return undefined;
    from = i + key.length + 1;
    if (i > 0 && /\w/.test(args[i - 1])) continue;
    let v = args.slice(from, from + 40);
    const entry = `${key}@entry=`;
    if (v.startsWith(entry)) v = v.slice(entry.length);
    const m = /^-?\d+/.exec(v);
    return m ? Number(m[0]) : undefined;
  }
  return undefined;
}

/**
 * What the innermost frames wait on, or undefined when the task runs code
 * (its innermost frame is neither a wait nor a system-call stub) or the stack
 * is empty.
 */
export function readUserWait(frames: readonly UserFrame[]): UserWait | undefined {
  for (let i = 0; i < Math.min(frames.length, MAX_DEPTH); i++) {
    const f = frames[i];
    const name = baseName(f.fn);
    const kind = userWaitKind(f.fn);
    if (!kind) {
      if (matches(name, PASS_THROUGH)) continue;
      return undefined;
    }
    const wait: UserWait = { kind, fn: f.fn };
    if (kind === 'child') {
      if (name === 'waitid') {
        const id = numericArg(f.args, 'id');
        if (f.args?.includes('P_PID') && id !== undefined) wait.pid = id;
        else if (f.args?.includes('P_ALL')) wait.pid = -1;
      } else if (name === 'wait') {
        wait.pid = -1;
      } else {
        wait.pid = numericArg(f.args, 'pid');
      }
      const options = numericArg(f.args, 'options');
      if ((options !== undefined && (options & 1) !== 0) || f.args?.includes('WNOHANG')) wait.nohang = true;
      if (!wait.nohang) wait.forChild = true;
    } else if (kind === 'signal') {
      if (frames.some((x) => CHILD_WORDS.test(x.fn))) wait.forChild = true;
    }
    return wait;
  }
  return undefined;
}
