import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { Task } from '../../../proto/generated/whystuck/v1/Task';

/**
 * Snapshots with times, built from real kernel text (the corpus' own hung-task
 * and memcg OOM reports from this project's test machine), re-timed and
 * re-numbered: the kernel log of a node that has been up for a while.
 */
export const BOOT_S = 1_764_918_000; // 2025-12-05T07:00:00Z
const CORPUS = join(__dirname, '..', '..', 'fixtures', 'corpus');

function reportLines(caseDir: string): string[] {
  return readFileSync(join(CORPUS, caseDir, 'input.txt'), 'utf8')
    .split('\n')
    .map((l) => /^\[\s*\d+\.\d+\] (.*)$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined);
}

const HUNG = reportLines('r-001-hung-task-fuse-6x');
const OOM = reportLines('r-002-memcg-oom-kill-pod');

export interface LogLine {
  t: number;
  text: string;
}

/** The hung-task watchdog's report about stat:PID (blocked in request_wait_answer, FUSE) at `t` seconds since boot. */
export function hungTaskReport(t: number, pid: number): LogLine[] {
  return HUNG.map((text) => ({ t, text: text.replace(/2308/g, String(pid)).replace(/2307/g, String(pid - 1)) }));
}

/** A memcg OOM kill of python3:PID in pod POD (limit 64 MiB) at `t`. */
export function oomKillReport(t: number, pid: number, podUid: string): LogLine[] {
  return OOM.map((text) => ({ t, text: text.replace(/19420/g, String(pid)).replace(/7dd18f1d-bedd-4b7b-8349-0255c79525bc/g, podUid) }));
}

export function podUid(i: number): string {
  return `${String(i).padStart(8, '0')}-aaaa-4bbb-8ccc-${String(i).padStart(12, '0')}`;
}

export interface TimedSnapshot {
  uptime: number;
  tasks?: Task[];
  log?: LogLine[];
  /** Sequence number of the oldest record kept (above 0: older ones were overwritten). */
  firstSeq?: number;
  loadavg?: { one: number; five: number; fifteen: number };
}

export function timedSnapshot(s: TimedSnapshot): SnapshotResponse {
  const first = s.firstSeq ?? 0;
  return {
    taken_at_unix_ms: (BOOT_S + s.uptime) * 1000,
    node: {
      hostname: 'node-7',
      kernel_release: '6.18.44',
      cpu_count: 2,
      boot_time_unix: BOOT_S,
      uptime_seconds: s.uptime,
      clock_ticks_per_second: 100,
      loadavg: s.loadavg ? { ...s.loadavg, running: 1, total: 200 } : undefined,
      cpu: { idle_pct: 95, iowait_pct: 0, user_pct: 3, system_pct: 2, procs_running: 1, procs_blocked: (s.tasks ?? []).filter((t) => t.state === 'D').length },
    },
    tasks: s.tasks ?? [],
    kmsg: (s.log ?? []).map((l, i) => ({ seq: first + i, level: 3, monotonic_us: Math.round(l.t * 1e6), wall_time_unix_ms: Math.round((BOOT_S + l.t) * 1000), text: l.text })),
  };
}

const FUSE_STACK = ['request_wait_answer+0x151/0x210', '__fuse_simple_request+0x120/0x330', 'fuse_lookup_name+0xbf/0x220', 'fuse_lookup+0x75/0x1b0', '__lookup_slow+0x87/0x150'].map((f) => {
  const [fn, off] = f.split('+');
  return { function: fn, offset: `+${off}`, module: fn.includes('fuse') || fn === 'request_wait_answer' ? 'fuse' : '' };
});

/** A live `stat` in D behind FUSE with SIGKILL pending, started `startedAt` seconds after boot. */
export function stuckStat(pid: number, startedAt: number, pod?: string): Task {
  return {
    tid: pid,
    tgid: pid,
    pid,
    ppid: pid - 1,
    comm: 'stat',
    state: 'D',
    is_thread_group_leader: true,
    num_threads: 1,
    start_time_ticks: startedAt * 100,
    wchan: 'request_wait_answer',
    stack: FUSE_STACK,
    stack_read: true,
    sig_pending: '0000000000000100',
    pod_uid: pod ?? '',
    cgroup_path: pod ? `/kubepods/burstable/pod${pod}/c0ffee` : '/user.slice',
  };
}

/** A python3 parent (pid) that never reaps `count` zombie children, in `pod`. */
export function zombiePod(pid: number, count: number, pod: string, startedAt: number): Task[] {
  const base = { is_thread_group_leader: true, num_threads: 1, pod_uid: pod, cgroup_path: `/kubepods/burstable/pod${pod}/beef`, start_time_ticks: startedAt * 100 };
  return [
    { ...base, tid: pid, tgid: pid, pid, ppid: 1, comm: 'python3', state: 'S', wchan: 'hrtimer_nanosleep', cmdline: 'python3 -c ...' },
    ...Array.from({ length: count }, (_v, i) => ({ ...base, tid: pid + 1 + i, tgid: pid + 1 + i, pid: pid + 1 + i, ppid: pid, comm: 'python3', state: 'Z' })),
  ];
}
