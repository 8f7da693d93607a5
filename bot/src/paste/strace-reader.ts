import type { EvidenceBuilder } from '../evidence/evidence-builder';

/**
 * strace output (`strace -p PID`, `strace -f ps aux`, or lines pasted without
 * the command): a system call that never returns on a /proc file of another
 * process is a reader blocked behind that process (its mmap lock, usually):
 *
 *   openat(AT_FDCWD, "/proc/4411/cmdline", O_RDONLY) = 6
 *   read(6,                                   <- nothing after it, `^C`,
 *   strace: Process 2201 detached                "<unfinished ...>", or the paste ends
 *
 * Such reads go to `evidence.blockedReads`, with a task for the traced process
 * and a placeholder task ('strace-target') for the pid whose file it reads.
 */
export interface StraceReader {
  /** A shell command was seen: `strace …` starts a block, anything else ends one. */
  command(program: string, args: string): void;
  /** 'strace' when the line is strace output (or a bare strace command), else null. */
  line(text: string, n: number): 'strace' | 'command' | null;
  /** A line that is not strace output: an open call that never returned is now known to hang. */
  end(): void;
  finish(): void;
  readonly active: boolean;
}

/** The /proc files whose read takes the target's mmap lock or task locks. */
const BLOCKING_FILES = new Set(['cmdline', 'environ', 'maps', 'smaps', 'smaps_rollup', 'numa_maps', 'status', 'stat', 'statm', 'mem', 'stack', 'io', 'wchan']);
/** Calls that name a path (first string argument) or an fd (first argument). */
const PATH_CALLS = new Set(['open', 'openat', 'openat2', 'stat', 'lstat', 'newfstatat', 'statx', 'access', 'faccessat', 'faccessat2', 'readlink', 'readlinkat']);
const FD_CALLS = new Set(['read', 'pread64', 'readv', 'preadv', 'preadv2', 'fstat', 'lseek', 'close', 'mmap']);
/** Common calls: outside a strace block a line must name one of these to be read as strace. */
const KNOWN_CALLS = new Set([
  ...PATH_CALLS,
  ...FD_CALLS,
  'write',
  'writev',
  'pwrite64',
  'ioctl',
  'poll',
  'ppoll',
  'select',
  'pselect6',
  'epoll_wait',
  'epoll_pwait',
  'epoll_ctl',
  'futex',
  'wait4',
  'waitid',
  'nanosleep',
  'clock_nanosleep',
  'recvfrom',
  'recvmsg',
  'sendto',
  'sendmsg',
  'connect',
  'accept',
  'accept4',
  'ptrace',
  'kill',
  'tgkill',
  'rt_sigaction',
  'rt_sigprocmask',
  'rt_sigreturn',
  'rt_sigtimedwait',
  'execve',
  'clone',
  'clone3',
  'fork',
  'vfork',
  'getdents',
  'getdents64',
  'fsync',
  'fdatasync',
  'sync',
  'syncfs',
  'flock',
  'fcntl',
  'mount',
  'umount2',
  'unlink',
  'unlinkat',
  'rename',
  'renameat2',
  'mkdir',
  'mkdirat',
  'rmdir',
  'brk',
  'munmap',
  'mprotect',
  'madvise',
  'exit_group',
  'pause',
  'sched_yield',
  'splice',
  'sendfile',
  'fadvise64',
]);

/** "[pid  2201] 10:21:05.123456 read(6, " — the pid (-f), a timestamp (-t/-tt/-ttt/-r), the call, the rest. */
const CALL = /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(?:\d{1,2}:\d\d:\d\d(?:\.\d+)?\s+|\d+\.\d+\s+)?([a-z_][a-z0-9_]*)\((.*)$/;
const RESUMED = /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(?:\d{1,2}:\d\d:\d\d(?:\.\d+)?\s+|\d+\.\d+\s+)?<\.\.\. [a-z_0-9]+ resumed>/;
const ATTACHED = /^strace: Process (\d+) (attached|detached)/;
const BARE_COMMAND = /^(?:sudo\s+(?:-\S+\s+)*)?strace(?:\s+(.*))?$/;
const RESULT = /^(?:-?\d+|0x[0-9a-f]+|\?)(?:\s|$)/;
const PROC_PATH = /^"\/proc\/(\d+)\/(?:task\/\d+\/)?([a-z_]+)"/;
/** Options of strace that take an argument. */
const ARG_OPTS = new Set(['-o', '-e', '-s', '-a', '-S', '-u', '-E', '-P', '-I', '-b', '-X', '-O', '-U']);

interface Pending {
  pid: number;
  syscall: string;
  path?: string;
  targetPid?: number;
  text: string;
  line: number;
}

const MAX_FDS = 4096;
const MAX_READS = 200;

export function createStraceReader(b: EvidenceBuilder): StraceReader {
  let active = false;
  let tracee: { pids: number[]; comm?: string; toFile?: boolean } = { pids: [] };
  const fds = new Map<string, { path: string; targetPid: number }>();
  const pending = new Map<number, Pending>();
  const readersSeen = new Set<string>();
  let calls = 0;

  function start(args: string): void {
    end();
    active = true;
    tracee = parseArgs(args);
    fds.clear();
  }

  function record(p: Pending): void {
    if (p.targetPid === undefined || p.path === undefined) return;
    const readerPid = p.pid || (tracee.pids.length === 1 ? tracee.pids[0] : undefined);
    const readerComm = tracee.comm;
    if (b.evidence.blockedReads.length >= MAX_READS) return;
    b.evidence.blockedReads.push({ readerPid, readerComm, path: p.path, targetPid: p.targetPid, syscall: p.syscall, line: p.line, text: p.text });
    const key = `${readerPid ?? ''}|${readerComm ?? ''}`;
    const why = `${p.syscall}(${p.path}) seen not to return in strace; state not shown`;
    if (!readersSeen.has(key)) {
      readersSeen.add(key);
      b.tasks.upsert(readerPid ?? 0, { comm: readerComm, missing: [why] }, p.text);
    }
    if (!b.tasks.get(p.targetPid)) {
      b.tasks.upsert(p.targetPid, { placeholder: 'strace-target', missing: [`known only as the process whose ${p.path.split('/').pop()} a blocked read waits on`] });
    }
  }

  function end(): void {
    for (const p of pending.values()) record(p);
    pending.clear();
    // Attached, then nothing until ^C: the tracee never reached a ptrace stop (in the kernel, or spinning in user space).
    if (active && calls === 0 && !tracee.toFile) {
      for (const pid of tracee.pids) {
        b.tasks.upsert(
          pid,
          { comm: tracee.comm, missing: ['strace attached but printed no system call: the task did not reach a ptrace stop (waiting in the kernel, or running without system calls)'] },
          `strace -p ${pid}`,
        );
      }
    }
    calls = 0;
  }

  function onCall(pid: number, syscall: string, rest: string, text: string, n: number): void {
    calls++;
    const interrupted = rest.includes('^C') || rest.includes('strace: Process');
    const eq = rest.lastIndexOf(' = ');
    const done = !interrupted && eq >= 0 && RESULT.test(rest.slice(eq + 3));
    const unfinished = rest.endsWith('<unfinished ...>');
    let path: string | undefined;
    let targetPid: number | undefined;
    if (PATH_CALLS.has(syscall)) {
      const q = rest.indexOf('"/proc/');
      const m = q >= 0 && q < 40 ? PROC_PATH.exec(rest.slice(q)) : null;
      if (m && BLOCKING_FILES.has(m[2])) {
        path = `/proc/${m[1]}/${m[2]}`;
        targetPid = Number(m[1]);
      }
      if (done && path && targetPid !== undefined && (syscall === 'open' || syscall.startsWith('openat'))) {
        const fd = /^(\d+)/.exec(rest.slice(eq + 3));
        if (fd && fds.size < MAX_FDS) fds.set(`${pid}|${fd[1]}`, { path, targetPid });
      }
    } else if (FD_CALLS.has(syscall)) {
      const fd = /^(\d+)/.exec(rest);
      const f = fd ? fds.get(`${pid}|${fd[1]}`) : undefined;
      if (f) {
        path = f.path;
        targetPid = f.targetPid;
      }
      if (syscall === 'close' && fd) fds.delete(`${pid}|${fd[1]}`);
    }
    pending.delete(pid);
    if (done) return;
    const p: Pending = { pid, syscall, path, targetPid, text: text.trim().slice(0, 300), line: n };
    if (interrupted) record(p);
    else if (!unfinished || path) pending.set(pid, p);
  }

  return {
    get active() {
      return active;
    },
    command(program, args) {
      if (program === 'strace') start(args);
      else if (active) {
        end();
        active = false;
      }
    },
    line(text, n) {
      const t = text.trimStart();
      const c = t.charCodeAt(0);
      // strace's own lines and the bare command (no prompt): "sudo strace -p 4668".
      if (c === 115 /* s */) {
        let m = ATTACHED.exec(t);
        if (m) {
          if (!active) start('');
          const pid = Number(m[1]);
          if (m[2] === 'attached' && !tracee.pids.includes(pid)) tracee.pids.push(pid);
          if (m[2] === 'detached') end();
          return 'strace';
        }
        if (t.startsWith('strace') || t.startsWith('sudo')) {
          m = BARE_COMMAND.exec(t.trimEnd());
          if (m) {
            start(m[1] ?? '');
            return 'command';
          }
        }
      }
      if (active && (t.startsWith('^C') || t.startsWith('<detached') || t.startsWith('+++') || t.startsWith('---'))) {
        if (t.startsWith('^C') || t.startsWith('<detached')) end();
        return 'strace';
      }
      // A call: "name(" within the first few characters after an optional pid and timestamp.
      if (!((c >= 97 && c <= 122) || c === 95 || c === 91 || c === 60 || (c >= 48 && c <= 57))) return null;
      const paren = t.indexOf('(');
      if (paren < 0 || paren > 60) {
        if (active && RESUMED.test(t)) return 'strace';
        return null;
      }
      const r = RESUMED.exec(t);
      if (r) {
        if (!active) return null;
        pending.delete(Number(r[1] ?? r[2] ?? 0));
        return 'strace';
      }
      const m = CALL.exec(t);
      if (!m) return null;
      const syscall = m[3];
      const rest = m[4];
      if (!active) {
        // Outside a strace block: a known call whose arguments look like strace's (a result, a string, flags, an address).
        if (!KNOWN_CALLS.has(syscall) || !(rest.includes(' = ') || rest.includes('"') || /[A-Z]{2,}_[A-Z]|0x[0-9a-f]/.test(rest.slice(0, 200)))) return null;
        start('');
      }
      onCall(Number(m[1] ?? m[2] ?? 0), syscall, rest, text, n);
      return 'strace';
    },
    end() {
      if (!active) return;
      end();
      active = false;
    },
    finish() {
      end();
      active = false;
    },
  };
}

/** `strace -f -p 2201 -p 2202`, `strace -p2201`, `strace -f ps aux`: the traced pids or program. */
export function parseArgs(args: string): { pids: number[]; comm?: string; toFile?: boolean } {
  const words = args.trim().split(/\s+/).filter(Boolean);
  const pids: number[] = [];
  // `-o FILE`: the calls went to a file, not to this paste.
  const toFile = words.some((w) => w === '-o' || /^-o\S/.test(w) || w.startsWith('--output')) || undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    let m: RegExpExecArray | null;
    if (w === '-p' || w === '--attach') {
      for (const p of (words[++i] ?? '').split(',')) if (/^\d+$/.test(p)) pids.push(Number(p));
    } else if ((m = /^(?:-p|--attach=)([\d,]+)$/.exec(w))) {
      for (const p of m[1].split(',')) if (p) pids.push(Number(p));
    } else if (ARG_OPTS.has(w)) {
      i++;
    } else if (w.startsWith('-')) {
      continue;
    } else if (w === '|' || w.startsWith('2>')) {
      break;
    } else {
      return { pids, comm: (w.split('/').pop() ?? w).slice(0, 15), toFile };
    }
  }
  return { pids, toFile };
}
