import type { Logger } from 'pino';
import type { SnapshotRequest__Output } from '../../../proto/generated/whystuck/v1/SnapshotRequest';
import type { SnapshotResponse, SnapshotResponse__Output } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { ReadProblem } from '../../../proto/generated/whystuck/v1/ReadProblem';
import type { PodSummary } from '../../../proto/generated/whystuck/v1/PodSummary';
import type { Task } from '../../../proto/generated/whystuck/v1/Task';
import { createGuardedReader, type GuardedReader } from '../procfs/guarded-reader';
import { createTaskScanner, type ScanResult, type TaskScanner, type TaskScannerStats, type TaskTable } from '../procfs/task-scanner';
import { TASK_KTHREAD, TASK_LEADER, TASK_NS_INIT } from '../procfs/raw-task';
import { snapshotCodec, taskExtraCodec, TASKS_FIELD_TAG } from '../proto/snapshot-codec';
import { Out, varintLength } from '../proto/wire-codec';
import { parseStack } from '../procfs/parse-stack';
import { redactCmdline } from '../procfs/redact-cmdline';
import { inheritPods } from './build-tasks';
import { problemFromCode, problemFromGuarded } from './read-problems';
import { readNodeFacts, sampleCpu } from '../node/read-node-facts';
import { KmsgCache, readKmsg } from '../kmsg/read-kmsg';
import { COLLECTOR_VERSION } from '../version';
import { InvalidArgumentError } from '../errors';
import { problemTaskMask, stackTaskMask, type TaskKeys } from './filter-problem-tasks';
import { createRuntimeReader, DEFAULT_RUNTIME_DEADLINE_MS, type RuntimeReaderOptions } from '../runtime/runtime-reader';
import { attachRuntimePids, firstProcesses, shimCandidates } from '../runtime/runtime-pids';
import { readShims } from '../runtime/read-shims';
import { DEFAULT_KUBELET_ROOT, readPodVolumes } from '../volumes/read-pod-volumes';

export interface SnapshotterOptions {
  procRoot?: string;
  sysRoot?: string;
  cgroupRoot?: string;
  kmsgPath?: string;
  /** Deadline for each read that can block (stack, cmdline), in ms. */
  readDeadlineMs?: number;
  logger?: Logger;
  /** The container runtime (CRI) the snapshots read; false: none (no runtime section). */
  runtime?: Omit<RuntimeReaderOptions, 'procRoot' | 'logger'> | false;
  /** The kubelet's root directory as the host has it (default /var/lib/kubelet): pod snapshots read who holds the pod's volume mounts under its pods/; false: never. */
  kubeletRoot?: string | false;
}

export interface Snapshotter {
  /** The snapshot as objects (in-process users: `whystuck diagnose --local`, tests). */
  snapshot(req: Partial<SnapshotRequest__Output>): Promise<SnapshotResponse__Output>;
  /**
   * The snapshot as protobuf bytes, ready for the wire: what the gRPC server
   * sends. Once `signal` fires (every caller of the snapshot has gone) it
   * stops — its task scan at the next process, unless another snapshot shares
   * the scan — reads nothing more, and rejects with SnapshotAbortedError.
   * `idle`: work for this thread while it waits for the reader thread at
   * the start of the scan (TaskScanner.scan's `meanwhile`).
   */
  snapshotBytes(req: Partial<SnapshotRequest__Output>, signal?: AbortSignal, idle?: () => void): Promise<EncodedSnapshot>;
  /** The reader every read of /proc goes through, and the task scanner (watch mode's look, collector/src/watch/observe.ts, uses both). */
  readonly reader: GuardedReader;
  readonly scanner: TaskScanner;
  /** Snapshots taken and /proc walks started (coalesced scans count once): for tests and metrics. */
  stats(): SnapshotterStats;
  readonly roots: { procRoot: string; sysRoot: string; cgroupRoot: string };
  close(): Promise<void>;
}

export interface SnapshotterStats extends TaskScannerStats {
  snapshots: number;
}

/** A snapshot stopped because no one wanted it any more (its signal fired). */
export class SnapshotAbortedError extends Error {
  constructor(what: string) {
    super(`snapshot abandoned by its callers ${what}`);
    this.name = 'SnapshotAbortedError';
  }
}

export interface EncodedSnapshot {
  bytes: Buffer;
  taskCount: number;
  durationMs: number;
  problemCount: number;
}

/** /proc/stat counts 10 ms ticks: under 100 ms, CPU percentages would come in steps of 10 % or worse. */
const MIN_CPU_INTERVAL_MS = 100;
/** printk level 4: problems-only snapshots keep emerg..warning records. */
const KERN_WARNING = 4;
const DEFAULT_DEADLINE_MS = 5000;
const Z = 'Z'.charCodeAt(0);

/** What the snapshot adds to a scanned task's encoded message (appended fields win). */
type TaskExtra = Partial<Pick<Task, 'pod_uid' | 'container_id' | 'container_runtime' | 'pod_attribution' | 'stack' | 'stack_read' | 'cmdline' | 'freezer_state'>>;

export function createSnapshotter(opts: SnapshotterOptions = {}): Snapshotter {
  const procRoot = opts.procRoot ?? '/proc';
  const sysRoot = opts.sysRoot ?? '/sys';
  const cgroupRoot = opts.cgroupRoot ?? '/sys/fs/cgroup';
  const readDeadlineMs = opts.readDeadlineMs ?? 250;
  // One reader thread does the scan and then the risky reads; more join only while some are stuck.
  // (Splitting the scan over two threads took ~35% off its time and cost ~20 MB of the 100 MB budget.)
  const reader = createGuardedReader({ defaultDeadlineMs: readDeadlineMs, poolSize: 1 });
  // Cgroup membership is read first, in one pass on the reader thread under its own deadline (cgroup-pass.ts).
  const scanner: TaskScanner = createTaskScanner(reader, { mainThreadShare: true, cgroupDeadlineMs: Math.max(1000, readDeadlineMs * 4) });
  const attributed = new WeakMap<TaskTable, Map<number, TaskExtra>>();
  let snapshots = 0;
  const warned = new Set<string>();
  const runtimeReader = opts.runtime === false ? undefined : createRuntimeReader({ ...opts.runtime, procRoot, logger: opts.logger?.child({ component: 'runtime' }) });
  const runtimeDeadlineMs = (opts.runtime && opts.runtime.deadlineMs) || DEFAULT_RUNTIME_DEADLINE_MS;
  // The kernel's ring, parsed once per record (only /dev/kmsg itself: its records never change).
  const kmsgCache = opts.kmsgPath === undefined || opts.kmsgPath === '/dev/kmsg' ? new KmsgCache() : undefined;

  async function snapshotBytes(req: Partial<SnapshotRequest__Output>, signal?: AbortSignal, idle?: () => void): Promise<EncodedSnapshot> {
    snapshots++;
    const t0 = performance.now();
    const takenAt = Date.now();
    const deadlineMs = Math.min(req.deadline_ms || DEFAULT_DEADLINE_MS, 60000);
    const podUid = req.scope === 'pod_uid' ? (req.pod_uid ?? '') : '';
    // The runtime is asked first, in parallel with everything else (its own deadline, well inside the snapshot's).
    const wantRuntime = runtimeReader && !req.problems_only && !req.skip_runtime && req.scope !== 'pids';
    const runtimeRead = wantRuntime ? runtimeReader.read(podUid, Math.min(runtimeDeadlineMs, Math.max(100, Math.round(deadlineMs * 0.4)))) : undefined;
    const src = { procRoot, sysRoot, cgroupRoot, reader };
    const cpu1 = await sampleCpu(src);
    const cpuAt = performance.now();
    const pids = req.scope === 'pids' ? (req.pids?.pids ?? []) : [];
    const problems: ReadProblem[] = [];
    const stopIfAbandoned = (where: string): void => {
      if (!signal?.aborted) return;
      // The runtime's answer, asked for at the start, is not waited for (it ends at its own deadline).
      void runtimeRead?.catch(() => undefined);
      throw new SnapshotAbortedError(where);
    };
    stopIfAbandoned('before its task scan');

    const scan = await scanner.scan(
      {
        procRoot,
        pids,
        podUid,
        fullStates: 'DZTtXxWP',
        allThreadDetails: Boolean(req.all_thread_details),
      },
      Math.max(100, deadlineMs * 0.6),
      signal,
      idle,
    );
    // A scan shared with a snapshot still wanted ran to its end; either way this one reads nothing more.
    stopIfAbandoned(scan.aborted ? `during its task scan (stopped after ${scan.tasks.count} tasks)` : 'after its task scan');
    for (const p of scan.problems) problems.push(problemFromCode(p.path, p.code, p.pid, p.tid));
    if (scan.stalled) {
      const s = scan.stalled;
      const detail = s.restRead
        ? 'the task scan stalled here; the main thread read the processes it had not reached, but this one and those it read since its last batch are missing from this snapshot'
        : 'the task scan stalled here; tasks after it are missing from this snapshot';
      problems.push({ path: `${procRoot}/${s.pid}${s.tid ? `/task/${s.tid}` : ''}`, reason: 'timed-out', detail, tried_ms: s.afterMs, pid: s.pid, tid: s.tid, needs_capability: '' });
    }
    const t = scan.tasks;
    const extras = new Map<number, TaskExtra>();
    const extra = (i: number): TaskExtra => {
      let e = extras.get(i);
      if (!e) extras.set(i, (e = {}));
      return e;
    };
    // A scan may be shared by several snapshots: its pods are attributed once, each snapshot copies the result.
    let inherited = attributed.get(t);
    if (!inherited) {
      const found = new Map<number, TaskExtra>();
      attributePods(t, (i) => found.get(i) ?? (found.set(i, {}).get(i) as TaskExtra));
      attributed.set(t, (inherited = found));
    }
    for (const [i, e] of inherited) extras.set(i, { ...e });
    const cgroupsUnknown = scan.cgroups.status === 'unknown' ? scan.cgroups : undefined;
    if (cgroupsUnknown) problems.push(cgroupProblem(cgroupsUnknown, podUid));

    // Which tasks this snapshot keeps, in scan order.
    let kept: number[] = [];
    for (let i = 0; i < t.count; i++) if (!podUid || cgroupsUnknown || t.pods[t.pod[i]]?.uid === podUid) kept.push(i);
    if (cgroupsUnknown) for (const i of kept) extra(i).pod_attribution = 'unknown';
    // Process order (parts of a shared scan interleave); a stable sort keeps each process's threads in order.
    kept.sort((a, b) => t.tgid[a] - t.tgid[b]);
    // Without cgroups no task can be placed in the pod: a pod's snapshot falls back to the node's problem tasks.
    if (req.problems_only || (podUid && cgroupsUnknown)) {
      const keep = problemTaskMask(keysOf(t, kept));
      kept = kept.filter((_, k) => keep[k]);
    }
    const stackMask = stackTaskMask(keysOf(t, kept), req.stack_states ?? []);
    const first = runtimeRead ? firstProcesses(t) : undefined;
    // The reader thread reads node facts first (a few small files, a few ms), then stacks and
    // cmdlines: this thread reads the kernel log meanwhile (the node facts were read after the lists,
    // while the reader thread had nothing to do).
    const nodeRead = (async () => {
      // Timers may fire a fraction of a millisecond early: wait until the interval has really passed.
      for (let wait = MIN_CPU_INTERVAL_MS - (performance.now() - cpuAt); wait > 0; wait = MIN_CPU_INTERVAL_MS - (performance.now() - cpuAt)) {
        await new Promise((r) => setTimeout(r, Math.ceil(wait)));
      }
      return readNodeFacts(src, cpu1, Math.round(performance.now() - cpuAt));
    })();
    const reads = Promise.all([
      readStacks(
        kept.filter((_, k) => stackMask[k]),
        t,
        extra,
        problems,
      ),
      readCmdlines(
        kept.filter((i) => t.bits[i] & TASK_LEADER && !(t.bits[i] & TASK_KTHREAD) && t.state[i] !== Z),
        t,
        extra,
        problems,
      ),
      first ? readShims(shimCandidates(t, first, !podUid), reader, procRoot, problems) : undefined,
      // A pod's volume mounts, who holds them and whether their backend answers (after the reads above, on the same thread).
      podUid && !req.problems_only && opts.kubeletRoot !== false
        ? readPodVolumes(reader, {
            procRoot,
            kubeletRoot: opts.kubeletRoot || DEFAULT_KUBELET_ROOT,
            podUid,
            problems,
            deadlineMs: Math.max(500, Math.round(deadlineMs * 0.3)),
            statfsDeadlineMs: Math.max(100, Math.min(1000, readDeadlineMs * 2)),
          })
        : undefined,
    ]);

    // The log's wall times from the boot time of the first CPU sample (/proc/stat's btime): read now, while the
    // reader thread reads the node facts, not after them.
    const logRead = req.skip_kmsg ? undefined : readKmsg({ sinceSeq: BigInt(String(req.kmsg_since_seq ?? '0')), bootTimeMs: cpu1.bootTime * 1000, path: opts.kmsgPath, cache: kmsgCache });
    const node = await nodeRead;

    let kmsg: SnapshotResponse['kmsg'] = [];
    let kmsgNext = '0';
    let kmsgLost = '0';
    let kmsgProblem: ReadProblem | undefined;
    if (logRead) {
      const since = BigInt(String(req.kmsg_since_seq ?? '0'));
      const r = logRead;
      if (r.status === 'ok') {
        if (since > r.newestSeq + 1n && r.newestSeq >= 0n) {
          throw new InvalidArgumentError(`kmsg_since_seq ${since} is beyond the kernel log: the newest record is ${r.newestSeq}; ask for 0 (whole ring) or a sequence up to ${r.newestSeq + 1n}`);
        }
        kmsg = req.problems_only ? r.records.filter((k) => Number(k.level) <= KERN_WARNING) : r.records;
        kmsgNext = r.nextSeq.toString();
        kmsgLost = r.lost.toString();
      } else {
        kmsgProblem = problemFromCode(opts.kmsgPath ?? '/dev/kmsg', r.code, 0, 0);
      }
    }
    const [, , shims, podVolumes] = await reads;
    // The reader thread's reads for this snapshot are done: it collects its garbage (when it has
    // enough) while this thread assembles the response.
    void reader.collect?.();
    // After the stacks' and cmdlines' problems, as when the log was read after them.
    if (kmsgProblem) problems.push(kmsgProblem);
    const freezer = new Map(node.freezers?.map((f) => [f.cgroup_path, f.state]) ?? []);
    if (freezer.size > 0) {
      for (const i of kept) {
        const state = freezer.get(t.paths[t.freezer[i]] ?? '');
        if (state) extra(i).freezer_state = state;
      }
    }
    let runtime: SnapshotResponse['runtime'];
    if (runtimeRead && first) {
      const r = await runtimeRead;
      attachRuntimePids(r.view, first);
      r.view.shims = shims ?? [];
      problems.push(...r.problems);
      runtime = r.view;
    }
    warnMissingCapabilities(problems);
    const durationMs = Math.round(performance.now() - t0);
    const head = snapshotCodec().encode({
      node,
      tasks: [],
      kmsg,
      read_problems: problems,
      kmsg_next_seq: kmsgNext,
      kmsg_lost: kmsgLost,
      taken_at_unix_ms: String(takenAt),
      duration_ms: durationMs,
      collector_version: COLLECTOR_VERSION,
      proc_root: procRoot,
      pods: summarisePods(t, kept, extras),
      runtime,
      pod_volumes: podVolumes ?? [],
    });
    return { bytes: appendTasks(head, t, kept, extras), taskCount: kept.length, durationMs, problemCount: problems.length };
  }

  async function readStacks(targets: number[], t: TaskTable, extra: (i: number) => TaskExtra, problems: ReadProblem[]): Promise<void> {
    const paths = targets.map((i) => `${procRoot}/${t.tgid[i]}/task/${t.tid[i]}/stack`);
    const results = await reader.readMany(paths);
    targets.forEach((i, k) => {
      const path = paths[k];
      const r = results[k];
      if (r.status === 'ok') {
        const e = extra(i);
        e.stack = parseStack(r.text);
        e.stack_read = true;
        return;
      }
      const p = problemFromGuarded(path, r, t.tgid[i], t.tid[i]);
      if (p && p.reason !== 'vanished') problems.push(p);
    });
  }

  async function readCmdlines(leaders: number[], t: TaskTable, extra: (i: number) => TaskExtra, problems: ReadProblem[]): Promise<void> {
    const paths = leaders.map((i) => `${procRoot}/${t.tgid[i]}/cmdline`);
    // Each cmdline is redacted as it comes back (while the reader thread reads the next ones).
    const done = new Uint8Array(leaders.length);
    const take = (k: number, text: string): void => {
      done[k] = 1;
      const cmdline = redactCmdline(text);
      if (cmdline) extra(leaders[k]).cmdline = cmdline;
    };
    const results = await reader.readMany(paths, { maxBytes: 4096, shortReadEnds: true, onRead: (k, r) => take(k, r.text) });
    leaders.forEach((i, k) => {
      const path = paths[k];
      const r = results[k];
      if (r.status === 'ok') {
        if (!done[k]) take(k, r.text);
        return;
      }
      const p = problemFromGuarded(path, r, t.tgid[i], t.tid[i]);
      if (p && p.reason !== 'vanished') problems.push(p);
    });
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
    snapshotBytes,
    async snapshot(req) {
      return snapshotCodec().decode((await snapshotBytes(req)).bytes);
    },
    reader,
    scanner,
    stats: () => ({ snapshots, ...scanner.stats() }),
    roots: { procRoot, sysRoot, cgroupRoot },
    async close() {
      scanner.close();
      runtimeReader?.close();
      await reader.close();
    },
  };
}

/** The read problem of a snapshot whose tasks could not be placed in pods. */
function cgroupProblem(u: Extract<ScanResult['cgroups'], { status: 'unknown' }>, podUid: string): ReadProblem {
  const why =
    u.reason === 'timed-out'
      ? `reading cgroup membership did not finish in ${u.triedMs} ms (/proc/PID/cgroup waits on the kernel's global cgroup_mutex: a task holding it is itself a common reason pods hang)`
      : u.reason === 'blocked-earlier'
        ? `an earlier read of cgroup membership has been blocked in the kernel for ${u.triedMs} ms (the global cgroup_mutex), so it was not tried again`
        : 'cgroup membership was not read: every reader thread is stuck in the kernel';
  const effect = podUid ? `; no task could be placed in pod ${podUid}, so this snapshot holds the node's problem tasks instead` : '';
  return { path: u.path, reason: u.reason, detail: `${why}; pod attribution is unknown for every task${effect}`, tried_ms: u.triedMs, pid: 0, tid: 0, needs_capability: '' };
}

/** Tasks without a pod cgroup inherit one (zombies, orphans; see inheritPods); `extra` gets each inheritor's pod fields. */
export function attributePods(t: TaskTable, extra?: (i: number) => TaskExtra): void {
  // The host's PID namespace: init's, or kthreadd's where init's ns link is not readable.
  let hostPidNs = 0;
  for (let i = 0; i < t.count && !hostPidNs; i++) if (t.tid[i] === 1) hostPidNs = t.pidNs[i];
  for (let i = 0; i < t.count && !hostPidNs; i++) if (t.tid[i] === 2) hostPidNs = t.pidNs[i];
  inheritPods(
    {
      count: t.count,
      tid: (i) => t.tid[i],
      ppid: (i) => t.ppid[i],
      pidNs: (i) => t.pidNs[i],
      hasPod: (i) => t.pod[i] >= 0,
      isKernelThread: (i) => (t.bits[i] & TASK_KTHREAD) !== 0,
      inherit: (i, from, how) => {
        t.pod[i] = t.pod[from];
        const pod = t.pods[t.pod[i]];
        if (extra) Object.assign(extra(i), { pod_uid: pod.uid, container_id: pod.containerId, container_runtime: pod.runtime, pod_attribution: how });
      },
    },
    hostPidNs,
  );
}

function keysOf(t: TaskTable, idx: number[]): TaskKeys {
  return {
    count: idx.length,
    state: (k) => String.fromCharCode(t.state[idx[k]]),
    tid: (k) => t.tid[idx[k]],
    tgid: (k) => t.tgid[idx[k]],
    ppid: (k) => t.ppid[idx[k]],
    isPidNsInit: (k) => (t.bits[idx[k]] & TASK_NS_INIT) !== 0,
  };
}

/**
 * The response's bytes: its other fields, then each kept task as field 2 —
 * the scanner's encoding followed by this snapshot's additions (protobuf
 * merges a message's repeated occurrences of fields: appended ones win).
 */
function appendTasks(head: Buffer, t: TaskTable, kept: number[], extras: Map<number, TaskExtra>): Buffer {
  // The additions first, into a small buffer: then the response is written once, at its exact size.
  const codec = taskExtraCodec();
  const more = new Out(16 * 1024);
  const moreEnd = new Map<number, [number, number]>();
  for (const i of kept) {
    const e = extras.get(i);
    if (!e) continue;
    const start = more.pos;
    codec.encodeInto(more, e as Task);
    moreEnd.set(i, [start, more.pos]);
  }
  let size = head.length;
  for (const i of kept) {
    const [a, b] = moreEnd.get(i) ?? [0, 0];
    const len = t.bytes(i).length + b - a;
    size += 1 + varintLength(len) + len;
  }
  const out = new Out(size + 10); // varint() wants ten bytes of room even for its last byte
  out.buf.set(head, 0);
  out.pos = head.length;
  for (const i of kept) {
    const base = t.bytes(i);
    const [a, b] = moreEnd.get(i) ?? [0, 0];
    out.varint(TASKS_FIELD_TAG);
    out.varint(base.length + b - a);
    out.buf.set(base, out.pos);
    out.pos += base.length;
    if (b > a) {
      more.buf.copy(out.buf, out.pos, a, b);
      out.pos += b - a;
    }
  }
  return out.buf.subarray(0, out.pos);
}

function summarisePods(t: TaskTable, kept: number[], extras: Map<number, TaskExtra>): PodSummary[] {
  const pods = new Map<string, { containers: Set<string>; count: number; qos: string }>();
  for (const i of kept) {
    const entry = t.pods[t.pod[i]];
    if (!entry) continue;
    const p = pods.get(entry.uid) ?? { containers: new Set<string>(), count: 0, qos: '' };
    if (entry.containerId) p.containers.add(entry.containerId);
    p.count++;
    // an inherited pod says nothing of the task's own QoS cgroup
    if (!p.qos && !extras.get(i)?.pod_attribution) p.qos = entry.qos;
    pods.set(entry.uid, p);
  }
  return [...pods].map(([uid, p]) => ({ pod_uid: uid, qos_class: p.qos, container_ids: [...p.containers].sort(), task_count: p.count }));
}
