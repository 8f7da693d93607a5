import { readFileSync, readdirSync } from 'node:fs';
import { constants } from 'node:os';
import type { Logger } from 'pino';
import type { RemediateRequest__Output } from '../../../proto/generated/whystuck/v1/RemediateRequest';
import type { RemediateResponse } from '../../../proto/generated/whystuck/v1/RemediateResponse';
import { parseStat, type ProcStat } from '../procfs/parse-stat';
import { isKernelThread } from '../procfs/task-flags';
import { parseCgroupFile } from '../cgroups/parse-pod-cgroup';
import { exeName, kubeletPodOfLines, ownPodUid, ownProcessTree, pidNamespaceProblem, protectedProcessKind } from './protected';
import { createPidfd, ERRNO, type Pidfd } from './pidfd';
import { createGuardedReader, type GuardedReader } from '../procfs/guarded-reader';

/** Signals a remediation may send, by proto name. */
export const ALLOWED_SIGNALS: Record<string, number> = {
  SIGTERM: constants.signals.SIGTERM,
  SIGKILL: constants.signals.SIGKILL,
  SIGCONT: constants.signals.SIGCONT,
};

export interface RemediatorOptions {
  procRoot?: string;
  allowHostProcesses?: boolean;
  /** How long to wait after the signal before reporting the task's state. */
  settleMs?: number;
  logger?: Logger;
  pidfd?: Pidfd;
  /** The collector's own pid (protected, with its ancestors). */
  selfPid?: number;
  /** Reads cgroup membership off the main thread, with a deadline (default: a reader of its own, made on first use). */
  reader?: GuardedReader;
  /** The collector's own pod (protected; default: from /proc/self/cgroup, '' outside Kubernetes). */
  ownPodUid?: string;
}

export interface Remediator {
  readonly pidfdSupported: boolean;
  remediate(req: RemediateRequest__Output): Promise<RemediateResponse>;
}

function readStat(procRoot: string, pid: number): ProcStat | null {
  try {
    return parseStat(readFileSync(`${procRoot}/${pid}/stat`, 'latin1'));
  } catch {
    return null;
  }
}

/**
 * The pod of a process, from any of its threads (a fake zombie's leader has
 * left its cgroups), else its parent's; only pod cgroups under kubelet's
 * kubepods hierarchy count (protected.ts). The cgroup files are read on a
 * guarded reader thread: they wait on the kernel's global cgroup_mutex, and a
 * held one must not stop the collector. `unknown` when a read did not answer.
 */
async function podOf(reader: GuardedReader, procRoot: string, pid: number, ppid: number): Promise<{ pod: string } | { unknown: string }> {
  const fromPid = async (p: number): Promise<{ pod: string } | { unknown: string }> => {
    let tids: string[] = [];
    try {
      tids = readdirSync(`${procRoot}/${p}/task`);
    } catch {
      return { pod: '' };
    }
    for (const tid of tids) {
      const path = `${procRoot}/${p}/task/${tid}/cgroup`;
      const r = await reader.read(path, { maxBytes: 16 * 1024 });
      if (r.status === 'ok') {
        const pod = kubeletPodOfLines(parseCgroupFile(r.text));
        if (pod) return { pod };
        continue;
      }
      if (r.status === 'error') continue; // vanished thread
      const why =
        r.status === 'timed-out'
          ? `reading ${path} did not answer in ${Math.round(r.tookMs)} ms`
          : r.status === 'blocked-earlier'
            ? `reads of cgroup membership have been blocked in the kernel for ${Math.round(r.blockedForMs)} ms`
            : `no reader thread is left (${r.reason})`;
      return { unknown: `${why} — /proc/PID/cgroup waits on the kernel's global cgroup_mutex, which some task is holding` };
    }
    return { pod: '' };
  };
  const own = await fromPid(pid);
  if ('unknown' in own || own.pod || ppid <= 1) return own;
  return fromPid(ppid);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Guarded signals. Order matters: the pidfd is opened first, then the
 * identity (start time + comm) is checked through /proc, then the signal goes
 * through the pidfd — so the process checked is the process signalled.
 * Without pidfd support: check, signal, and check again.
 */
export function createRemediator(opts: RemediatorOptions = {}): Remediator {
  const procRoot = opts.procRoot ?? '/proc';
  const pidfd = opts.pidfd ?? createPidfd();
  const selfPid = opts.selfPid ?? process.pid;
  const settleMs = opts.settleMs ?? 1000;
  const ownPod = opts.ownPodUid ?? ownPodUid();

  function refuse(status: RemediateResponse['status'], message: string): RemediateResponse {
    return { status, message, still_present: status !== 'NOT_FOUND', used_pidfd: false };
  }

  let ownReader: GuardedReader | undefined;
  const cgroupReader = (): GuardedReader => opts.reader ?? (ownReader ??= createGuardedReader({ poolSize: 1, defaultDeadlineMs: 1000 }));

  async function checkTarget(req: RemediateRequest__Output, stat: ProcStat | null): Promise<RemediateResponse | null> {
    if (!stat) return refuse('NOT_FOUND', `pid ${req.pid} is gone already`);
    if (String(stat.startTime) !== String(req.start_time_ticks) || stat.comm !== req.expected_comm) {
      return refuse(
        'PID_REUSED',
        `pid ${req.pid} is now "${stat.comm}" started at tick ${stat.startTime}, not "${req.expected_comm}" started at tick ${req.start_time_ticks}: the process the snapshot saw is gone and its pid was reused; nothing was signalled`,
      );
    }
    if (req.pid === 1) return refuse('PROTECTED', 'pid 1 of the host is never signalled');
    if (isKernelThread(stat.flags)) return refuse('PROTECTED', `pid ${req.pid} (${stat.comm}) is a kernel thread; signals cannot end it`);
    if (req.pid === selfPid) return refuse('PROTECTED', 'the collector does not signal itself');
    // Never overridable, not even by --allow-host-processes.
    const kind = protectedProcessKind(stat.comm, exeName(procRoot, req.pid));
    if (kind) return refuse('PROTECTED', `pid ${req.pid} (${stat.comm}) is ${kind}: whystuck never signals it`);
    if (ownProcessTree(procRoot, selfPid).has(req.pid))
      return refuse('PROTECTED', `pid ${req.pid} (${stat.comm}) is an ancestor of the collector (its container's init, the shell or launcher that started it): whystuck never signals it`);
    const found = await podOf(cgroupReader(), procRoot, req.pid, stat.ppid);
    if ('unknown' in found)
      return refuse(
        'FAILED',
        `pid ${req.pid} (${stat.comm}) was not signalled: its pod is unknown (${found.unknown}). Whether it is a pod's process or a protected one cannot be checked; try again once the node's cgroup_mutex is free`,
      );
    const pod = found.pod;
    if (pod && pod === ownPod) return refuse('PROTECTED', `pid ${req.pid} (${stat.comm}) is in the collector's own pod ${pod}: whystuck never signals it`);
    if (!opts.allowHostProcesses && !pod) {
      return refuse('PROTECTED', `pid ${req.pid} (${stat.comm}) is not in a Kubernetes pod cgroup (under kubepods); start the collector with --allow-host-processes to allow host processes`);
    }
    return null;
  }

  async function after(req: RemediateRequest__Output, signalledAt: number, usedPidfd: boolean): Promise<RemediateResponse> {
    const deadline = Date.now() + settleMs;
    let stat = readStat(procRoot, req.pid);
    while (stat && String(stat.startTime) === String(req.start_time_ticks) && Date.now() < deadline) {
      await sleep(Math.min(100, settleMs));
      stat = readStat(procRoot, req.pid);
    }
    const present = Boolean(stat && String(stat.startTime) === String(req.start_time_ticks));
    let wchan = '';
    if (present) {
      try {
        wchan = readFileSync(`${procRoot}/${req.pid}/wchan`, 'latin1').trim();
      } catch {
        /* gone meanwhile */
      }
    }
    const state = present ? (stat as ProcStat).state : '';
    return {
      status: 'SIGNALLED',
      message: present
        ? `sent ${req.signal} to pid ${req.pid} (${req.expected_comm}); ${settleMs} ms later it is still there in state ${state}${wchan && wchan !== '0' ? ` waiting in ${wchan}` : ''}`
        : `sent ${req.signal} to pid ${req.pid} (${req.expected_comm}); it is gone`,
      still_present: present,
      state_after: state,
      wchan_after: wchan === '0' ? '' : wchan,
      used_pidfd: usedPidfd,
      signalled_at_unix_ms: String(signalledAt),
    };
  }

  async function remediate(req: RemediateRequest__Output): Promise<RemediateResponse> {
    const signal = ALLOWED_SIGNALS[String(req.signal)];
    if (!signal) return refuse('SIGNAL_NOT_ALLOWED', `signal ${req.signal} is not allowed; allowed: ${Object.keys(ALLOWED_SIGNALS).join(', ')}`);
    opts.logger?.info({ pid: req.pid, comm: req.expected_comm, signal: req.signal, requester: req.requester, reason: req.reason }, 'remediation requested');
    // A pid read from another PID namespace's procfs names another process here.
    const foreign = pidNamespaceProblem(procRoot, selfPid);
    if (foreign) return refuse('PROTECTED', foreign);
    if (pidfd.supported) {
      const fd = pidfd.open(req.pid);
      if (!fd.ok) return fd.errno === 3 ? refuse('NOT_FOUND', `pid ${req.pid} is gone already`) : refuse('FAILED', `pidfd_open(${req.pid}) failed: ${ERRNO[fd.errno] ?? fd.errno}`);
      try {
        const refused = await checkTarget(req, readStat(procRoot, req.pid));
        if (refused) return refused;
        const sent = pidfd.sendSignal(fd.value, signal);
        if (!sent.ok) {
          return sent.errno === 3 ? refuse('NOT_FOUND', `pid ${req.pid} exited before the signal`) : refuse('FAILED', `pidfd_send_signal failed: ${ERRNO[sent.errno] ?? sent.errno}`);
        }
      } finally {
        pidfd.close(fd.value);
      }
      return after(req, Date.now(), true);
    }
    const refused = await checkTarget(req, readStat(procRoot, req.pid));
    if (refused) return refused;
    try {
      process.kill(req.pid, signal);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ESRCH' ? refuse('NOT_FOUND', `pid ${req.pid} exited before the signal`) : refuse('FAILED', `kill failed: ${code}`);
    }
    const signalledAt = Date.now();
    const again = readStat(procRoot, req.pid);
    if (again && String(again.startTime) !== String(req.start_time_ticks)) {
      return refuse('FAILED', `pid ${req.pid} was reused while it was being signalled (no pidfd on this kernel); the signal may have reached "${again.comm}"`);
    }
    return after(req, signalledAt, false);
  }

  return { pidfdSupported: pidfd.supported, remediate };
}
