import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { Task as ProtoTask } from '../../../proto/generated/whystuck/v1/Task';
import { createKernelLogReader } from '../paste/kernel-log-reader';
import type { Evidence, Task } from './evidence';
import { createEvidenceBuilder } from './evidence-builder';
import { runtimeFromSnapshot } from './runtime-from-snapshot';
import { volumesFromSnapshot } from './volumes-from-snapshot';
import { copyOf } from './copy-of';

const num = (v: unknown): number => (v === undefined || v === null || v === '' ? 0 : Number(v));

/**
 * A collector snapshot (gRPC, SSH or in-process) as evidence. Accepts both
 * the encoded-side and the decoded-side generated types: numbers may arrive
 * as strings or Longs.
 */
export function evidenceFromSnapshot(snap: SnapshotResponse, opts: { /** The kernel-log sequence the snapshot was asked from (0: the whole ring). */ kmsgSinceSeq?: number } = {}): Evidence {
  const b = createEvidenceBuilder('snapshot');
  const node = snap.node ?? {};
  const problemsByTid = new Map<number, string[]>();
  for (const p of snap.read_problems ?? []) {
    const tid = num(p.tid) || num(p.pid);
    const text = `${p.path}: ${p.reason}${p.detail ? ` (${p.detail})` : ''}${p.needs_capability ? ` — needs ${p.needs_capability}` : ''}`;
    // A stalled scan concerns the whole snapshot (tasks after it are missing), not the task it stalled on.
    if (tid && !/the task scan stalled/.test(p.detail ?? '')) (problemsByTid.get(tid) ?? problemsByTid.set(tid, []).get(tid)!).push(text);
    else b.evidence.missing.push(text);
    if ((p.reason === 'timed-out' || p.reason === 'blocked-earlier') && /\/(?:cmdline|environ|maps|stack|io|syscall)$/.test(p.path ?? '')) {
      b.evidence.procReadProblems.push({ path: p.path ?? '', pid: num(p.pid), reason: p.reason, triedMs: num(p.tried_ms) });
    }
  }
  // A BASIC thread's process-wide facts are on its leader (see Task.detail in the proto).
  const leaders = new Map<number, ProtoTask>();
  for (const t of snap.tasks ?? []) if (t.is_thread_group_leader) leaders.set(num(t.tgid), t);
  for (const t of snap.tasks ?? []) {
    const task = fromProtoTask(t, t.is_thread_group_leader ? undefined : leaders.get(num(t.tgid)));
    task.missing.push(...(problemsByTid.get(task.tid) ?? []));
    b.tasks.upsert(task.tid, task);
  }
  const ev = b.evidence;
  ev.node = {
    hostname: node.hostname || undefined,
    kernelRelease: node.kernel_release || undefined,
    cpuCount: num(node.cpu_count) || undefined,
    loadavg: node.loadavg
      ? {
          one: num(node.loadavg.one),
          five: num(node.loadavg.five),
          fifteen: num(node.loadavg.fifteen),
          running: num(node.loadavg.running),
          total: num(node.loadavg.total),
        }
      : undefined,
    cpu: node.cpu ? { idlePct: num(node.cpu.idle_pct), iowaitPct: num(node.cpu.iowait_pct), userPct: num(node.cpu.user_pct), systemPct: num(node.cpu.system_pct) } : undefined,
    taskCounts: node.cpu ? { running: num(node.cpu.procs_running), blocked: num(node.cpu.procs_blocked) } : undefined,
    freezers: (node.freezers ?? []).map((f) => ({
      path: f.cgroup_path ?? '',
      podUid: f.pod_uid || undefined,
      state: f.state ?? '',
      version: num(f.cgroup_version) === 2 ? (2 as const) : (1 as const),
    })),
    mounts: (node.mounts ?? []).map((m) => ({ mountPoint: m.mount_point ?? '', fsType: m.fs_type ?? '', source: m.source ?? '', device: m.device ?? '', backing: m.backing ?? '' })),
    memcgOom: (node.memcg_oom ?? []).map((m) => ({ path: m.cgroup_path ?? '', podUid: m.pod_uid || undefined, oomKills: num(m.oom_kill), underOom: Boolean(m.under_oom) })),
  };
  // The container runtime's view (CRI) into the Kubernetes layer; its shims as tasks.
  runtimeFromSnapshot(snap, b);
  // The pod's volume mounts, who holds them, whether their backend answers.
  volumesFromSnapshot(snap, b);
  ev.inputs.push({ kind: 'snapshot', lines: [0, 0] });
  b.build();
  readKernelLog(snap, ev, opts.kmsgSinceSeq ?? 0);
  return ev;
}

/**
 * The kernel log through the same reader as a paste, into a builder of its
 * own: a task a report describes (a hung-task report's stack, a lockup's
 * task) is what it was then, not a live task, so it goes to `logTasks` and
 * never into the live task table (recency.ts matches a report to the live
 * task when the same task is still in that state).
 */
function readKernelLog(snap: SnapshotResponse, ev: Evidence, sinceSeq: number): void {
  const node = snap.node ?? {};
  const records = snap.kmsg ?? [];
  ev.clock = {
    takenAtMs: num(snap.taken_at_unix_ms) || undefined,
    bootTimeUnix: num(node.boot_time_unix) || undefined,
    uptimeSeconds: num(node.uptime_seconds) || undefined,
    clockTicksPerSecond: num(node.clock_ticks_per_second) || undefined,
  };
  if (!records.length) return;
  const log = parsedLog(snap, records);
  ev.reports = log.reports;
  ev.backend = log.backend;
  ev.notes = log.notes;
  ev.logTasks = log.tasks;
  ev.missing.push(...log.missing);
  ev.node.kernelRelease ??= log.node.kernelRelease;
  const first = records[0];
  ev.clock.logFrom = (num(first.monotonic_us) / 1e6).toFixed(6);
  ev.clock.logOverwritten = num(snap.kmsg_lost) > 0 || num(first.seq) > sinceSeq;
}

/** What the kernel log reader makes of a snapshot's records (the parts evidence takes). */
type ParsedLog = Pick<Evidence, 'reports' | 'backend' | 'notes' | 'missing'> & { tasks: Evidence['logTasks']; node: Pick<Evidence['node'], 'kernelRelease'> };

/** Kernel logs read lately, by what identifies their records (see logKey); the oldest goes first. */
const LOGS_KEPT = 8;
const readLogs = new Map<string, ParsedLog>();
let logsRead = 0;

/**
 * Records of one boot of one node with the same first and last sequence
 * numbers (and times) and the same count are the same records: fifty
 * questions answered from one coalesced snapshot (or from snapshots taken
 * moments apart, with no new record) read the node's kernel log once.
 */
function logKey(snap: SnapshotResponse, records: NonNullable<SnapshotResponse['kmsg']>): string | undefined {
  const node = snap.node ?? {};
  const first = records[0];
  const last = records[records.length - 1];
  if (!node.hostname || !num(node.boot_time_unix)) return undefined;
  return [node.hostname, num(node.boot_time_unix), num(first.seq), num(first.monotonic_us), num(last.seq), num(last.monotonic_us), records.length].join('|');
}

/**
 * The records through the same reader as a paste, read once per distinct
 * log: each caller gets its own copy (rules and renderers may annotate what
 * they are given), cloned from the one kept.
 */
function parsedLog(snap: SnapshotResponse, records: NonNullable<SnapshotResponse['kmsg']>): ParsedLog {
  const key = logKey(snap, records);
  const kept = key === undefined ? undefined : readLogs.get(key);
  if (kept) return copyOf(kept);
  const kb = createEvidenceBuilder('snapshot');
  const kernel = createKernelLogReader(kb);
  for (const r of records) {
    const secs = num(r.monotonic_us) / 1e6;
    kernel.message(r.text ?? '', secs.toFixed(6));
  }
  kernel.finish();
  logsRead++;
  const built = kb.build();
  const log: ParsedLog = { reports: built.reports, backend: built.backend, notes: built.notes, missing: built.missing, tasks: built.tasks, node: { kernelRelease: built.node.kernelRelease } };
  if (key !== undefined) {
    readLogs.set(key, copyOf(log));
    if (readLogs.size > LOGS_KEPT) readLogs.delete(readLogs.keys().next().value as string);
  }
  return log;
}

/** Kernel-log readings kept for reuse: how many, how many logs were read (parsed) so far, and a way to forget them (tests). */
export const kernelLogCache = { size: (): number => readLogs.size, reads: (): number => logsRead, clear: (): void => readLogs.clear() };

function fromProtoTask(t: ProtoTask, leader?: ProtoTask): Task {
  const tid = num(t.tid);
  return {
    tid,
    pid: num(t.tgid) || num(t.pid) || tid,
    ppid: num(t.ppid),
    comm: t.comm ?? '?',
    state: t.state || undefined,
    flags: num(t.flags),
    numThreads: num(t.num_threads) || undefined,
    wchan: t.wchan && t.wchan !== '0' ? t.wchan : undefined,
    stack:
      t.stack_read || (t.stack ?? []).length ? (t.stack ?? []).map((f) => ({ fn: f.function ?? '', offset: f.offset ?? '', module: f.module ?? '', unreliable: Boolean(f.unreliable) })) : undefined,
    nsPid: (t.ns_pid ?? []).length ? (t.ns_pid ?? []).map(num) : undefined,
    pidNsInode: num(t.pid_ns_inode) || undefined,
    isPidNsInit: Boolean(t.is_pid_ns_init),
    tracerPid: num(t.tracer_pid) || undefined,
    sigPending: t.sig_pending || undefined,
    sigSharedPending: t.sig_shared_pending || leader?.sig_shared_pending || undefined,
    sigBlocked: t.sig_blocked || undefined,
    // Dispositions are process-wide: a BASIC thread leaves them to its leader.
    sigCaught: t.sig_caught || leader?.sig_caught || undefined,
    sigIgnored: t.sig_ignored || leader?.sig_ignored || undefined,
    cgroupPath: t.cgroup_path || leader?.cgroup_path || undefined,
    podUid: t.pod_uid || undefined,
    containerId: t.container_id || undefined,
    // The collector reads cmdline for live user-space leaders only: elsewhere '' means "not read".
    cmdline: t.cmdline || (t.is_thread_group_leader && !t.is_kernel_thread && t.state !== 'Z' ? '' : undefined),
    startTime: num(t.start_time_ticks),
    isKernelThread: Boolean(t.is_kernel_thread),
    freezerState: t.freezer_state || undefined,
    missing: [],
    lines: [],
  };
}
