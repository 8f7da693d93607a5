import { pidOf, type Evidence, type Task } from './evidence';

/**
 * Marks the processes of a pod being deleted that started after its deletion
 * began (`Task.startedAfterDeletion`). The API server sets deletionTimestamp
 * to when the grace period ends (the time of the delete plus
 * deletionGracePeriodSeconds), so the deletion began grace seconds before it.
 * A process's start is boot time (/proc/stat btime, whole seconds, rounded
 * down) plus its start ticks: never later than the real start, so a process
 * marked really started after the deletion.
 *
 * `exec`: its parent is outside the container (the runtime's shim: `runc
 * exec` for a preStop exec hook or a `kubectl exec`), or is itself such a
 * process; otherwise the container's own processes started it during
 * shutdown. Needs a live clock (the snapshot's) and the pod's uid.
 */
export function markLateStarts(ev: Evidence): void {
  const kube = ev.kube;
  const boot = ev.clock?.bootTimeUnix;
  if (!kube || !boot) return;
  const hz = ev.clock?.clockTicksPerSecond || 100;
  for (const pod of kube.pods) {
    if (!pod.uid || !pod.deletionTimestamp) continue;
    const end = Date.parse(pod.deletionTimestamp);
    const grace = pod.deletionGracePeriodSeconds ?? pod.terminationGracePeriodSeconds;
    if (!Number.isFinite(end) || grace === undefined) continue;
    const began = end - grace * 1000;
    const mine = ev.tasks.filter((t) => t.podUid === pod.uid && (t.pid === undefined || t.pid === t.tid) && t.startTime);
    const byPid = new Map(mine.map((t) => [pidOf(t), t]));
    // Parents before children: an exec'd process's children are exec'd work too.
    for (const t of [...mine].sort((a, b) => (a.startTime ?? 0) - (b.startTime ?? 0))) {
      const startMs = (boot + (t.startTime ?? 0) / hz) * 1000;
      if (startMs <= began) continue;
      const parent = t.ppid ? byPid.get(t.ppid) : undefined;
      const exec = !parent || !sameContainer(parent, t) || parent.startedAfterDeletion?.exec === true;
      t.startedAfterDeletion = { afterSeconds: Math.round((startMs - began) / 100) / 10, exec, podUid: pod.uid };
    }
  }
}

/** Same container: the same container id, or both without one (the pod's cgroup). */
const sameContainer = (a: Task, b: Task): boolean => (a.containerId ?? '') === (b.containerId ?? '');
