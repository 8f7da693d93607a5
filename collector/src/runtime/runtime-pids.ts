import type { RuntimeView } from '../../../proto/generated/whystuck/v1/RuntimeView';
import type { TaskTable } from '../procfs/task-scanner';
import { TASK_KTHREAD, TASK_LEADER, TASK_NS_INIT, TASK_SHIM_COMM } from '../procfs/raw-task';

/** A container's (or sandbox's) first process, as the task table shows it. */
export interface FirstProcess {
  pid: number;
  ppid: number;
}

/**
 * The first process of each container (cgroup container id -> pid): among the
 * processes in the container's cgroup, the one whose parent is outside it —
 * a child of the runtime's shim, or, once that process has gone, whatever was
 * left behind and reparented (a task stuck in D, for one). A PID-namespace
 * init wins; else the lowest pid.
 */
export function firstProcesses(t: TaskTable): Map<string, FirstProcess> {
  const members = new Map<string, number[]>();
  for (let i = 0; i < t.count; i++) {
    if (!(t.bits[i] & TASK_LEADER) || t.bits[i] & TASK_KTHREAD) continue;
    const id = t.pods[t.pod[i]]?.containerId;
    if (!id) continue;
    const list = members.get(id);
    if (list) list.push(i);
    else members.set(id, [i]);
  }
  const out = new Map<string, FirstProcess>();
  for (const [id, list] of members) {
    const tgids = new Set(list.map((i) => t.tgid[i]));
    let best = -1;
    for (const i of list) {
      if (tgids.has(t.ppid[i])) continue;
      if (best < 0) {
        best = i;
        continue;
      }
      const init = (t.bits[i] & TASK_NS_INIT) !== 0;
      const bestInit = (t.bits[best] & TASK_NS_INIT) !== 0;
      if ((init && !bestInit) || (init === bestInit && t.tgid[i] < t.tgid[best])) best = i;
    }
    if (best >= 0) out.set(id, { pid: t.tgid[best], ppid: t.ppid[best] });
  }
  return out;
}

/** Sets the host pid of each container and sandbox of the view (0: no process of it found). */
export function attachRuntimePids(view: RuntimeView, first: Map<string, FirstProcess>): void {
  for (const s of view.sandboxes ?? []) s.pid = first.get(s.id ?? '')?.pid ?? 0;
  for (const c of view.containers ?? []) c.pid = first.get(c.id ?? '')?.pid ?? 0;
}

/**
 * The pids that may be the runtime's shims, each with the container processes
 * it is the parent of: the parents of the containers' first processes, and on
 * a whole-node table also every process outside the pods whose comm is a
 * shim's (a shim whose containers are gone: the scan marked it
 * TASK_SHIM_COMM). From the task table alone, so the shims are read while the
 * runtime is still being asked.
 */
export function shimCandidates(t: TaskTable, first: Map<string, FirstProcess>, wholeNode: boolean): Map<number, number[]> {
  const parents = new Map<number, number[]>();
  for (const p of first.values()) {
    const kids = parents.get(p.ppid);
    if (kids) kids.push(p.pid);
    else parents.set(p.ppid, [p.pid]);
  }
  if (wholeNode) {
    for (let i = 0; i < t.count; i++) {
      const bits = t.bits[i];
      if (bits & TASK_SHIM_COMM && bits & TASK_LEADER && !(bits & TASK_KTHREAD) && t.pod[i] < 0 && !parents.has(t.tgid[i])) parents.set(t.tgid[i], []);
    }
  }
  parents.delete(0);
  parents.delete(1);
  return parents;
}
