import type { Logger } from 'pino';
import type { SnapshotRequest__Output } from '../../../proto/generated/whystuck/v1/SnapshotRequest';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { ReadProblem } from '../../../proto/generated/whystuck/v1/ReadProblem';
import type { PodSummary } from '../../../proto/generated/whystuck/v1/PodSummary';
import type { Task } from '../../../proto/generated/whystuck/v1/Task';
import { createGuardedReader, type GuardedReader } from '../procfs/guarded-reader';
import { createTaskScanner, type TaskScanner } from '../procfs/task-scanner';
import { parseStack } from '../procfs/parse-stack';
import { redactCmdline } from '../procfs/redact-cmdline';
import { buildTasks, selectStackTasks } from './build-tasks';
import { problemFromCode, problemFromGuarded } from './read-problems';
import { readNodeFacts, sampleCpu } from '../node/read-node-facts';
import { readKmsg } from '../kmsg/read-kmsg';
import { COLLECTOR_VERSION } from '../version';
import { InvalidArgumentError } from '../errors';
import { parsePodCgroup } from '../cgroups/parse-pod-cgroup';
import { problemTasks } from './filter-problem-tasks';

export interface SnapshotterOptions {
  procRoot?: string;
  sysRoot?: string;
  cgroupRoot?: string;
  kmsgPath?: string;
  /** Deadline for each read that can block (stack, cmdline), in ms. */
  readDeadlineMs?: number;
  logger?: Logger;
}

export interface Snapshotter {
  snapshot(req: Partial<SnapshotRequest__Output>): Promise<SnapshotResponse>;
  readonly reader: GuardedReader;
  close(): Promise<void>;
}

const MIN_CPU_INTERVAL_MS = 100;
/** printk level 4: problems-only snapshots keep emerg..warning records. */
const KERN_WARNING = 4;
const DEFAULT_DEADLINE_MS = 5000;

export function createSnapshotter(opts: SnapshotterOptions = {}): Snapshotter {
  const procRoot = opts.procRoot ?? '/proc';
  const sysRoot = opts.sysRoot ?? '/sys';
  const cgroupRoot = opts.cgroupRoot ?? '/sys/fs/cgroup';
  const readDeadlineMs = opts.readDeadlineMs ?? 250;
  const reader = createGuardedReader({ defaultDeadlineMs: readDeadlineMs });
  const scanner: TaskScanner = createTaskScanner();
  const warned = new Set<string>();

  async function snapshot(req: Partial<SnapshotRequest__Output>): Promise<SnapshotResponse> {
    const t0 = performance.now();
    const takenAt = Date.now();
    const deadlineMs = Math.min(req.deadline_ms || DEFAULT_DEADLINE_MS, 60000);
    const src = { procRoot, sysRoot, cgroupRoot, reader };
    const cpu1 = await sampleCpu(src);
    const cpuAt = performance.now();
    const pids = req.scope === 'pids' ? (req.pids?.pids ?? []) : [];
    const podUid = req.scope === 'pod_uid' ? (req.pod_uid ?? '') : '';
    const problems: ReadProblem[] = [];

    const scan = await scanner.scan({
      procRoot, pids, podUid,
      fullStates: 'DZTtXxWP',
      allThreadDetails: Boolean(req.all_thread_details),
    }, Math.max(100, deadlineMs * 0.6));
    for (const p of scan.problems) problems.push(problemFromCode(p.path, p.code, p.pid, p.tid));
    if (scan.stalled) {
      const s = scan.stalled;
      problems.push({ path: `${procRoot}/${s.pid}${s.tid ? `/task/${s.tid}` : ''}`, reason: 'timed-out', detail: 'the task scan stalled here; tasks after it are missing from this snapshot', tried_ms: s.afterMs, pid: s.pid, tid: s.tid, needs_capability: '' });
    }
    const hostPidNs = scan.processes.find((p) => p.tgid === 1)?.pidNsInode ?? 0;
    let tasks = buildTasks(scan.processes, hostPidNs);
    if (podUid) tasks = tasks.filter((t) => t.pod_uid === podUid);
    if (req.problems_only) tasks = problemTasks(tasks);

    await Promise.all([
      readStacks(selectStackTasks(tasks, req.stack_states ?? []), problems),
      readCmdlines(tasks, problems),
    ]);

    const wait = MIN_CPU_INTERVAL_MS - (performance.now() - cpuAt);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const node = await readNodeFacts(src, cpu1, Math.round(performance.now() - cpuAt));
    const freezer = new Map(node.freezers?.map((f) => [f.cgroup_path, f.state]) ?? []);
    if (freezer.size > 0) {
      const leaders = new Map(tasks.filter((t) => t.is_thread_group_leader).map((t) => [t.tgid, t.cgroups?.freezer ?? '']));
      for (const t of tasks) {
        const path = leaders.get(t.tgid) ?? '';
        if (freezer.has(path)) t.freezer_state = freezer.get(path);
      }
    }

    let kmsg: SnapshotResponse['kmsg'] = [];
    let kmsgNext = '0';
    let kmsgLost = '0';
    if (!req.skip_kmsg) {
      const since = BigInt(String(req.kmsg_since_seq ?? '0'));
      const r = readKmsg({ sinceSeq: since, bootTimeMs: Number(node.boot_time_unix) * 1000, path: opts.kmsgPath });
      if (r.status === 'ok') {
        if (since > r.newestSeq + 1n && r.newestSeq >= 0n) {
          throw new InvalidArgumentError(`kmsg_since_seq ${since} is beyond the kernel log: the newest record is ${r.newestSeq}; ask for 0 (whole ring) or a sequence up to ${r.newestSeq + 1n}`);
        }
        kmsg = req.problems_only ? r.records.filter((k) => Number(k.level) <= KERN_WARNING) : r.records;
        kmsgNext = r.nextSeq.toString();
        kmsgLost = r.lost.toString();
      } else {
        problems.push(problemFromCode(opts.kmsgPath ?? '/dev/kmsg', r.code, 0, 0));
      }
    }
    warnMissingCapabilities(problems);
    return {
      node, tasks, kmsg,
      read_problems: problems,
      kmsg_next_seq: kmsgNext,
      kmsg_lost: kmsgLost,
      taken_at_unix_ms: String(takenAt),
      duration_ms: Math.round(performance.now() - t0),
      collector_version: COLLECTOR_VERSION,
      proc_root: procRoot,
      pods: summarisePods(tasks),
    };
  }

  async function readStacks(targets: Task[], problems: ReadProblem[]): Promise<void> {
    await Promise.all(targets.map(async (t) => {
      const path = `${procRoot}/${t.tgid}/task/${t.tid}/stack`;
      const r = await reader.read(path);
      if (r.status === 'ok') {
        t.stack = parseStack(r.text);
        t.stack_read = true;
        return;
      }
      const p = problemFromGuarded(path, r, t.tgid as number, t.tid as number);
      if (p && p.reason !== 'vanished') problems.push(p);
    }));
  }

  async function readCmdlines(tasks: Task[], problems: ReadProblem[]): Promise<void> {
    const leaders = tasks.filter((t) => t.is_thread_group_leader && !t.is_kernel_thread && t.state !== 'Z');
    await Promise.all(leaders.map(async (t) => {
      const path = `${procRoot}/${t.tgid}/cmdline`;
      const r = await reader.read(path, { maxBytes: 4096 });
      if (r.status === 'ok') {
        t.cmdline = redactCmdline(r.text);
        return;
      }
      const p = problemFromGuarded(path, r, t.tgid as number, t.tid as number);
      if (p && p.reason !== 'vanished') problems.push(p);
    }));
  }

  function warnMissingCapabilities(problems: ReadProblem[]): void {
    for (const p of problems) {
      const cap = p.needs_capability;
      if (!cap || warned.has(cap)) continue;
      warned.add(cap);
      opts.logger?.warn({ path: p.path, capability: cap }, `cannot read ${p.path}: grant the collector ${cap} (see deploy/README.md#capabilities)`);
    }
  }

  return {
    snapshot,
    reader,
    async close() {
      await Promise.all([reader.close(), scanner.close()]);
    },
  };
}

function summarisePods(tasks: Task[]): PodSummary[] {
  const pods = new Map<string, { containers: Set<string>; count: number; qos: string }>();
  for (const t of tasks) {
    if (!t.pod_uid) continue;
    const p = pods.get(t.pod_uid) ?? { containers: new Set<string>(), count: 0, qos: '' };
    if (t.container_id) p.containers.add(t.container_id);
    p.count++;
    if (!p.qos) p.qos = parsePodCgroup(t.cgroup_path ?? '')?.qosClass ?? '';
    pods.set(t.pod_uid, p);
  }
  return [...pods].map(([uid, p]) => ({ pod_uid: uid, qos_class: p.qos, container_ids: [...p.containers].sort(), task_count: p.count }));
}
