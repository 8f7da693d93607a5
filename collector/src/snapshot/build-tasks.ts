import type { Task } from '../../../proto/generated/whystuck/v1/Task';
import type { RawProcess, RawThread } from '../procfs/raw-task';
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
  const byTid = new Map<number, Task>();
  for (const t of tasks) byTid.set(t.tid as number, t);
  const nsPod = new Map<number, Task>();
  for (const t of tasks) {
    const ns = Number(t.pid_ns_inode);
    if (t.pod_uid && ns && ns !== hostPidNs && !nsPod.has(ns)) nsPod.set(ns, t);
  }
  const inherit = (t: Task, from: Task, how: string): void => {
    t.pod_uid = from.pod_uid;
    t.container_id = from.container_id;
    t.container_runtime = from.container_runtime;
    t.pod_attribution = how;
  };
  // Walking the ppid chain lets orphans' descendants of a pod task inherit too.
  for (const t of tasks) {
    if (t.pod_uid || t.is_kernel_thread) continue;
    const seen = new Set<number>();
    let p = byTid.get(t.ppid as number);
    while (p && !p.pod_uid && !seen.has(p.tid as number) && (p.tid as number) > 1) {
      seen.add(p.tid as number);
      p = byTid.get(p.ppid as number);
    }
    const ns = Number(t.pid_ns_inode);
    if (p?.pod_uid) inherit(t, p, 'parent');
    else if (ns && ns !== hostPidNs && nsPod.has(ns)) inherit(t, nsPod.get(ns) as Task, 'pid-namespace');
  }
  return tasks;
}

interface ProcessFacts {
  pod: PodCgroup | null;
  path: string;
  cgroups: Record<string, string>;
}

function processFacts(p: RawProcess): ProcessFacts {
  const { pod, path } = podFromCgroupLines(p.cgroups);
  const cgroups: Record<string, string> = {};
  for (const l of p.cgroups) cgroups[l.controllers] = l.path;
  return { pod, path, cgroups };
}

function toTask(p: RawProcess, th: RawThread, f: ProcessFacts): Task {
  const leader = th.tid === p.tgid;
  // A leader's own status is the process's; other threads have theirs only at FULL detail.
  const own = leader ? p.status : th.status;
  const st = own ?? p.status;
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
    cgroup_path: f.path,
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

/** Tasks whose kernel stack is read: asked-for states, namespace inits, parents of zombies. */
export function selectStackTasks(tasks: Task[], states: string[]): Task[] {
  const wanted = new Set(states.length > 0 ? states : ['D', 'Z', 'T', 't']);
  const zombieParents = new Set<number>();
  for (const t of tasks) if (t.state === 'Z') zombieParents.add(t.ppid as number);
  return tasks.filter((t) => wanted.has(t.state as string) || t.is_pid_ns_init
    || (zombieParents.has(t.tgid as number)));
}
