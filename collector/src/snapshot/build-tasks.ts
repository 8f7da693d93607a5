import type { Task } from '../../../proto/generated/whystuck/v1/Task';
import type { RawProcess, RawThread } from '../procfs/raw-task';
import type { ProcStatus } from '../procfs/parse-status';
import { isKernelThread } from '../procfs/task-flags';
import { podFromCgroupLines, type PodCgroup } from '../cgroups/parse-pod-cgroup';

/**
 * Turns scanned threads into the contract's Task messages and attributes each
 * to a pod. A zombie has left its cgroups (its /proc/PID/cgroup reads "/"),
 * so tasks without a pod cgroup inherit the pod of their parent, or else of
 * the other tasks in their (non-host) PID namespace.
 */
export function buildTasks(processes: RawProcess[], hostPidNs: number): Task[] {
  const tasks: Task[] = [];
  for (const p of processes) {
    const shared = processFacts(p);
    for (const th of p.threads) tasks.push(toTask(p, th, shared));
  }
  const inherit = (t: Task, from: Task, how: string): void => {
    t.pod_uid = from.pod_uid;
    t.container_id = from.container_id;
    t.container_runtime = from.container_runtime;
    t.pod_attribution = how;
  };
  inheritPods(
    {
      count: tasks.length,
      tid: (i) => tasks[i].tid as number,
      ppid: (i) => tasks[i].ppid as number,
      pidNs: (i) => Number(tasks[i].pid_ns_inode),
      hasPod: (i) => Boolean(tasks[i].pod_uid),
      isKernelThread: (i) => Boolean(tasks[i].is_kernel_thread),
      inherit: (i, from, how) => inherit(tasks[i], tasks[from], how),
    },
    hostPidNs,
  );
  return tasks;
}

/** The task table pod attribution works on: Task objects, or the scanner's columns. */
export interface AttributionTable {
  count: number;
  tid(i: number): number;
  ppid(i: number): number;
  pidNs(i: number): number;
  hasPod(i: number): boolean;
  isKernelThread(i: number): boolean;
  /** Task i takes the pod of task `from`; `how` is 'parent' or 'pid-namespace'. */
  inherit(i: number, from: number, how: string): void;
}

/**
 * A zombie has left its cgroups (its /proc/PID/cgroup reads "/"), so a task
 * without a pod cgroup inherits the pod of its nearest ancestor that has one
 * (orphans' descendants included), or else of the other tasks in its
 * (non-host) PID namespace.
 */
export function inheritPods(t: AttributionTable, hostPidNs: number): void {
  const nsPod = new Map<number, number>();
  let anyPod = false;
  for (let i = 0; i < t.count; i++) {
    if (!t.hasPod(i)) continue;
    anyPod = true;
    const ns = t.pidNs(i);
    if (ns && ns !== hostPidNs && !nsPod.has(ns)) nsPod.set(ns, i);
  }
  // No task with a pod: there is none to inherit.
  if (!anyPod) return;
  const byTid = new Map<number, number>();
  for (let i = 0; i < t.count; i++) byTid.set(t.tid(i), i);
  // The ancestor with a pod found from a parent pid depends on that pid alone (every thread of
  // a process, and its siblings, share it): each is looked for once. -1: none.
  const fromParent = new Map<number, number>();
  const withPod: number[] = [];
  for (let i = 0; i < t.count; i++) {
    if (t.hasPod(i) || t.isKernelThread(i)) continue;
    const ppid = t.ppid(i);
    let found = fromParent.get(ppid);
    if (found === undefined) {
      const seen = new Set<number>();
      let p = byTid.get(ppid);
      while (p !== undefined && !t.hasPod(p) && !seen.has(p) && t.tid(p) > 1) {
        seen.add(p);
        p = byTid.get(t.ppid(p));
      }
      found = p !== undefined && t.hasPod(p) ? p : -1;
      fromParent.set(ppid, found);
    }
    const ns = t.pidNs(i);
    if (found >= 0) withPod.push(i, found, 0);
    else if (ns && ns !== hostPidNs && nsPod.has(ns)) withPod.push(i, nsPod.get(ns) as number, 1);
  }
  // Applied afterwards, so that attribution never chains through an inherited pod.
  for (let k = 0; k < withPod.length; k += 3) t.inherit(withPod[k], withPod[k + 1], withPod[k + 2] === 0 ? 'parent' : 'pid-namespace');
}

export interface ProcessFacts {
  pod: PodCgroup | null;
  path: string;
  cgroups: Record<string, string>;
}

export function processFacts(p: RawProcess): ProcessFacts {
  const { pod, path } = podFromCgroupLines(p.cgroups);
  const cgroups: Record<string, string> = {};
  for (const l of p.cgroups) cgroups[l.controllers] = l.path;
  return { pod, path, cgroups };
}

/** A thread as a Task message (a new object; see fillTask). */
export function toTask(p: RawProcess, th: RawThread, f: ProcessFacts): Task {
  return fillTask({} as Task, p, th, f);
}

/** Empty values `fillTask` may share between tasks when its caller only encodes them. */
const NONE: never[] = Object.freeze([]) as never[];
const NO_STATUS: ProcStatus = Object.freeze({ nsPid: NONE, nsTgid: NONE });
const NO_CGROUPS: Record<string, string> = Object.freeze({});

/**
 * Writes a thread's Task fields into `t` and returns it. The scan fills one
 * object per thread and encodes it at once, so it reuses one object: ten
 * thousand Task objects per scan were most of the reader thread's garbage.
 * `encodeOnly`: the caller encodes `t` at once and keeps nothing of it, so
 * empty lists and maps are one shared (frozen) value instead of new ones.
 */
export function fillTask(t: Task, p: RawProcess, th: RawThread, f: ProcessFacts, encodeOnly = false): Task {
  const leader = th.tid === p.tgid;
  // A leader's own status is the process's; other threads have theirs only at FULL detail.
  const own = leader ? p.status : th.status;
  // Process-wide facts travel once per process, on the leader (and on FULL threads, which
  // are read in their own right): a BASIC thread leaves them to its leader, like `cgroups`.
  // On a 10,000-thread node that halves the snapshot.
  const st: ProcStatus = own ?? (leader ? p.status : encodeOnly ? NO_STATUS : { nsPid: [], nsTgid: [] });
  const processWide = leader || th.full;
  const stat = th.stat;
  t.pid = p.tgid;
  t.tid = th.tid;
  t.tgid = p.tgid;
  t.ppid = stat.ppid;
  t.comm = stat.comm;
  t.state = stat.state;
  t.flags = stat.flags;
  t.num_threads = stat.numThreads;
  t.start_time_ticks = stat.startTime;
  t.wchan = th.wchan;
  t.stack = encodeOnly ? NONE : [];
  t.ns_pid = own?.nsPid ?? (encodeOnly ? NONE : []);
  t.ns_tgid = st.nsTgid;
  t.pid_ns_inode = p.pidNsInode;
  t.tracer_pid = own?.tracerPid ?? 0;
  t.sig_pending = own?.sigPnd ?? '';
  t.sig_shared_pending = st.shdPnd ?? '';
  t.sig_blocked = own?.sigBlk ?? '';
  t.sig_ignored = st.sigIgn ?? '';
  t.sig_caught = st.sigCgt ?? '';
  t.cgroup_path = processWide ? f.path : '';
  t.cgroups = leader ? f.cgroups : encodeOnly ? NO_CGROUPS : {};
  t.pod_uid = f.pod?.podUid ?? '';
  t.container_id = f.pod?.containerId ?? '';
  t.container_runtime = f.pod?.runtime ?? '';
  t.pod_attribution = f.pod ? 'cgroup' : '';
  t.cmdline = '';
  t.is_kernel_thread = isKernelThread(stat.flags);
  t.is_pid_ns_init = leader && p.status.nsPid.length > 1 && p.status.nsPid[p.status.nsPid.length - 1] === 1;
  t.is_thread_group_leader = leader;
  t.uid = st.uid ?? 0;
  t.vm_rss_kb = st.vmRssKb ?? 0;
  // Numeric enum values: the snapshot's fast encoder writes them as they are.
  t.detail = th.full ? 2 : 1;
  t.stack_read = false;
  t.rt_priority = stat.rtPriority;
  t.nice = stat.nice;
  t.utime_ticks = stat.utime;
  t.stime_ticks = stat.stime;
  t.processor = stat.processor;
  t.voluntary_ctxt_switches = own?.voluntaryCtxtSwitches ?? 0;
  t.nonvoluntary_ctxt_switches = own?.nonvoluntaryCtxtSwitches ?? 0;
  t.freezer_state = '';
  return t;
}
