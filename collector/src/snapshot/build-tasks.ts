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
  inheritPods({
    count: tasks.length,
    tid: (i) => tasks[i].tid as number,
    ppid: (i) => tasks[i].ppid as number,
    pidNs: (i) => Number(tasks[i].pid_ns_inode),
    hasPod: (i) => Boolean(tasks[i].pod_uid),
    isKernelThread: (i) => Boolean(tasks[i].is_kernel_thread),
    inherit: (i, from, how) => inherit(tasks[i], tasks[from], how),
  }, hostPidNs);
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
  const byTid = new Map<number, number>();
  for (let i = 0; i < t.count; i++) byTid.set(t.tid(i), i);
  const nsPod = new Map<number, number>();
  for (let i = 0; i < t.count; i++) {
    const ns = t.pidNs(i);
    if (t.hasPod(i) && ns && ns !== hostPidNs && !nsPod.has(ns)) nsPod.set(ns, i);
  }
  const withPod: number[] = [];
  for (let i = 0; i < t.count; i++) {
    if (t.hasPod(i) || t.isKernelThread(i)) continue;
    const seen = new Set<number>();
    let p = byTid.get(t.ppid(i));
    while (p !== undefined && !t.hasPod(p) && !seen.has(p) && t.tid(p) > 1) {
      seen.add(p);
      p = byTid.get(t.ppid(p));
    }
    const ns = t.pidNs(i);
    if (p !== undefined && t.hasPod(p)) withPod.push(i, p, 0);
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

export function toTask(p: RawProcess, th: RawThread, f: ProcessFacts): Task {
  const leader = th.tid === p.tgid;
  // A leader's own status is the process's; other threads have theirs only at FULL detail.
  const own = leader ? p.status : th.status;
  // Process-wide facts travel once per process, on the leader (and on FULL threads, which
  // are read in their own right): a BASIC thread leaves them to its leader, like `cgroups`.
  // On a 10,000-thread node that halves the snapshot.
  const st: ProcStatus = own ?? (leader ? p.status : { nsPid: [], nsTgid: [] });
  const processWide = leader || th.full;
  const stat = th.stat;
  return {
    pid: p.tgid,
    tid: th.tid,
    tgid: p.tgid,
    ppid: stat.ppid,
    comm: stat.comm,
    state: stat.state,
    flags: stat.flags,
    num_threads: stat.numThreads,
    start_time_ticks: stat.startTime,
    wchan: th.wchan,
    stack: [],
    ns_pid: own?.nsPid ?? [],
    ns_tgid: st.nsTgid,
    pid_ns_inode: p.pidNsInode,
    tracer_pid: own?.tracerPid ?? 0,
    sig_pending: own?.sigPnd ?? '',
    sig_shared_pending: st.shdPnd ?? '',
    sig_blocked: own?.sigBlk ?? '',
    sig_ignored: st.sigIgn ?? '',
    sig_caught: st.sigCgt ?? '',
    cgroup_path: processWide ? f.path : '',
    cgroups: leader ? f.cgroups : {},
    pod_uid: f.pod?.podUid ?? '',
    container_id: f.pod?.containerId ?? '',
    container_runtime: f.pod?.runtime ?? '',
    pod_attribution: f.pod ? 'cgroup' : '',
    cmdline: '',
    is_kernel_thread: isKernelThread(stat.flags),
    is_pid_ns_init: leader && p.status.nsPid.length > 1 && p.status.nsPid[p.status.nsPid.length - 1] === 1,
    is_thread_group_leader: leader,
    uid: st.uid ?? 0,
    vm_rss_kb: st.vmRssKb ?? 0,
    // Numeric enum values: the snapshot's fast encoder writes them as they are.
    detail: th.full ? 2 : 1,
    stack_read: false,
    rt_priority: stat.rtPriority,
    nice: stat.nice,
    utime_ticks: stat.utime,
    stime_ticks: stat.stime,
    processor: stat.processor,
    voluntary_ctxt_switches: own?.voluntaryCtxtSwitches ?? 0,
    nonvoluntary_ctxt_switches: own?.nonvoluntaryCtxtSwitches ?? 0,
    freezer_state: '',
  };
}
