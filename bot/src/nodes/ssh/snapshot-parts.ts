import type { NodeFacts } from '../../../../proto/generated/whystuck/v1/NodeFacts';
import type { PodSummary } from '../../../../proto/generated/whystuck/v1/PodSummary';
import type { Task } from '../../../../proto/generated/whystuck/v1/Task';
import { type RawProcess, parsePodCgroup, stackTaskMask, taskKeys } from '../../../../collector/src';

// Steps of the collector's snapshotter (collector/src/snapshot/snapshotter.ts) that it
// keeps inside createSnapshotter: the SSH snapshot takes the same ones.

/** The host's PID namespace: init's, or kthreadd's where init's ns link is not readable. */
export function hostPidNamespace(processes: RawProcess[]): number {
  return processes.find((p) => p.tgid === 1)?.pidNsInode || processes.find((p) => p.tgid === 2)?.pidNsInode || 0;
}

/** Tasks whose kernel stack is read (the collector's selection: asked-for states, namespace inits, parents of zombies). */
export function stackTasks(tasks: Task[], states: string[]): Task[] {
  const mask = stackTaskMask(taskKeys(tasks), states);
  return tasks.filter((_, i) => mask[i]);
}

/** Each task gets the freezer state of its thread group's freezer cgroup (v1) when that cgroup is a pod's. */
export function applyFreezerStates(tasks: Task[], node: NodeFacts): void {
  const freezer = new Map((node.freezers ?? []).map((f) => [f.cgroup_path, f.state]));
  if (freezer.size === 0) return;
  const leaderPath = new Map(tasks.filter((t) => t.is_thread_group_leader).map((t) => [t.tgid, t.cgroups?.freezer ?? '']));
  for (const t of tasks) {
    const path = leaderPath.get(t.tgid) ?? '';
    if (freezer.has(path)) t.freezer_state = freezer.get(path);
  }
}

/** Pods found among the tasks, with their QoS class, containers and task count. */
export function podSummaries(tasks: Task[]): PodSummary[] {
  const pods = new Map<string, PodSummary & { ids: Set<string> }>();
  for (const t of tasks) {
    if (!t.pod_uid) continue;
    let pod = pods.get(t.pod_uid);
    if (!pod) pods.set(t.pod_uid, (pod = { pod_uid: t.pod_uid, qos_class: '', ids: new Set(), task_count: 0 }));
    if (t.container_id) pod.ids.add(t.container_id);
    pod.task_count = (pod.task_count ?? 0) + 1;
    pod.qos_class ||= parsePodCgroup(t.cgroup_path ?? '')?.qosClass ?? '';
  }
  return [...pods.values()].map(({ ids, ...p }) => ({ ...p, container_ids: [...ids].sort() }));
}
