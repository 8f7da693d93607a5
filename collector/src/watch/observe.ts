import type { Snapshotter } from '../snapshot/snapshotter';
import { attributePods } from '../snapshot/snapshotter';
import { TASK_NS_INIT } from '../procfs/raw-task';
import { parseStack } from '../procfs/parse-stack';
import { sampleCpu } from '../node/read-node-facts';
import { detectCgroupLayout } from '../cgroups/cgroup-layout';
import { readFreezerStates } from '../cgroups/read-cgroup-states';
import type { Observation } from './conditions';

export interface NodeObservation extends Observation {
  /** pod UID ('' = not in a pod) -> state letter -> tasks. */
  counts: Map<string, Map<string, number>>;
  /** No task was in D: only thread-group leaders were read (counts are of processes). */
  leadersOnly: boolean;
  taskCount: number;
  durationMs: number;
  readTimeouts: number;
}

/** The scan's deadline, as a snapshot's default. */
const SCAN_DEADLINE_MS = 5000;

/**
 * Watch mode's light look at the node, through the snapshotter's reader and
 * task scanner: counts of tasks by pod and state, the tasks in D or Z and the
 * PID-namespace inits (decoded, pods attributed), frozen pods. No node facts,
 * no kernel log, no cmdlines.
 */
export async function observeNode(s: Pick<Snapshotter, 'reader' | 'scanner' | 'roots'>): Promise<NodeObservation> {
  const { reader, scanner } = s;
  const { procRoot, sysRoot, cgroupRoot } = s.roots;
  const t0 = performance.now();
  const atMs = Date.now();
  // Zombies, namespace inits and frozen pods are processes; only a D pile-up needs every
  // thread. The kernel counts tasks in D (procs_blocked): with none, leaders are enough,
  // and an idle node with 10,000 threads costs a few hundred reads instead of 10,000.
  const blocked = (await sampleCpu({ procRoot, sysRoot, cgroupRoot, reader })).procsBlocked;
  const leadersOnly = blocked === 0;
  const scan = await scanner.scan({ procRoot, pids: [], podUid: '', fullStates: 'DZ', allThreadDetails: false, leadersOnly }, SCAN_DEADLINE_MS);
  const t = scan.tasks;
  attributePods(t);
  const counts = new Map<string, Map<string, number>>();
  const tasks: Observation['tasks'] = [];
  let readTimeouts = scan.stalled ? 1 : 0;
  const inits: number[] = [];
  for (let i = 0; i < t.count; i++) {
    const pod = t.pods[t.pod[i]]?.uid ?? '';
    const state = String.fromCharCode(t.state[i]);
    const byState = counts.get(pod) ?? new Map<string, number>();
    byState.set(state, (byState.get(state) ?? 0) + 1);
    counts.set(pod, byState);
    const nsInit = (t.bits[i] & TASK_NS_INIT) !== 0;
    if (state !== 'D' && state !== 'Z' && !nsInit) continue;
    tasks.push({ pid: t.tid[i], tgid: t.tgid[i], state, podUid: pod, isPidNsInit: nsInit, inTeardown: false });
    if (nsInit) inits.push(tasks.length - 1);
  }
  // An init tearing its namespace down is exiting (PF_EXITING) and waits in zap_pid_ns_processes.
  await Promise.all(
    inits.map(async (k) => {
      const task = tasks[k];
      const r = await reader.read(`${procRoot}/${task.tgid}/task/${task.pid}/stack`);
      if (r.status === 'timed-out') readTimeouts++;
      task.inTeardown = r.status === 'ok' && parseStack(r.text).some((f) => f.function === 'zap_pid_ns_processes');
    }),
  );
  const layout = detectCgroupLayout(cgroupRoot);
  const frozenPods = readFreezerStates(layout)
    .filter((f) => f.pod_uid && /^(FROZEN|1|frozen)$/.test(f.state ?? ''))
    .map((f) => ({ podUid: f.pod_uid as string, path: f.cgroup_path ?? '' }));
  return { atMs, tasks, frozenPods, counts, leadersOnly, taskCount: t.count, durationMs: Math.round(performance.now() - t0), readTimeouts };
}
