import type { BackendEvent, Evidence, KernelReport, LogNote, Task } from '../evidence/evidence';
import type { RecencyClock } from './recency-clock';
import { devicesOf } from './rules/d-state-tasks';
import { waitSignature } from './wait-signature';

/**
 * Now versus then. The kernel log keeps what happened hours ago next to what
 * happens now; a diagnosis must not take one for the other. This splits the
 * evidence into its present — live tasks in their states, node facts, and
 * the log records that are still current — and its history: the records
 * only the log shows, before the reference.
 *
 * Live evidence decides the present. In a snapshot a report about a task is
 * current only while that same task (same pid, started before the report:
 * no PID reuse) is still in that state — a hung-task report about a task
 * still in D says since when it has been stuck; about a task that is gone or
 * running again it is history. OOM kills are events: history. Records of
 * conditions the snapshot cannot see itself (lockups, RCU stalls, storage
 * and netdev messages) are current while the kernel still logs them (within
 * SNAPSHOT_RECENT_SECONDS), or, for storage, while live tasks wait on that
 * subsystem. In a paste the present is its newest lines (PASTE_RECENT_SECONDS
 * before the newest line on the same clock), plus reports about tasks the
 * paste also shows live (ps, /proc) in that state; a paste without times is
 * all present.
 *
 * OOM kills are a series of events, summarised rather than repeated: with
 * times they always go to the history groups, those of a paste's present
 * marked `current` (their group is then "now").
 */
export const SNAPSHOT_RECENT_SECONDS = 120;
export const PASTE_RECENT_SECONDS = 1800;

/** A kernel-log record the diagnosis can date: a report, a storage message or a log note. */
export interface LogItem {
  report?: KernelReport;
  backend?: BackendEvent;
  note?: LogNote;
  /** Times as printed: first and last appearance. */
  first: string;
  last: string;
  count: number;
  /** A current event kept with its series in the history groups (a paste's recent OOM kill). */
  current?: boolean;
}

export interface RecencySplit {
  /** The evidence without the history: what the rules count as current. */
  current: Evidence;
  /** Log records that are current (they date current findings: "since at least"). */
  currentItems: LogItem[];
  history: LogItem[];
}

export function logItems(ev: Pick<Evidence, 'reports' | 'backend' | 'notes'>): LogItem[] {
  return [
    ...ev.reports.map((r) => ({ report: r, first: r.time, last: r.lastTime ?? r.time, count: r.count })),
    ...ev.backend.map((e) => ({ backend: e, first: e.first.time, last: e.last.time, count: e.count })),
    ...ev.notes.map((n) => ({ note: n, first: n.first.time, last: n.last.time, count: n.count })),
  ];
}

/** What a live task in D waits on that a storage message can be about. */
const BLOCK = ['block', 'xfs', 'ext4', 'btrfs', 'nvme'];
const RELATED: Record<BackendEvent['subsystem'], string[]> = {
  fuse: ['fuse'],
  nfs: ['nfs'],
  ceph: ['ceph', 'rbd'],
  xfs: ['xfs'],
  ext4: ['ext4'],
  iscsi: BLOCK,
  scsi: BLOCK,
  nvme: BLOCK,
  block: BLOCK,
};

export function splitByRecency(ev: Evidence, clock: RecencyClock): RecencySplit {
  const items = logItems(ev);
  if (!clock.timed || !items.length) return { current: ev, currentItems: items, history: [] };
  const snapshot = ev.source === 'snapshot';
  const naming = snapshot ? new Map<number, KernelReport[]>() : reportsByTask(ev.reports);
  const live = new Map<number, Task>();
  for (const t of ev.tasks) if (t.tid && !seenOnlyIn(t, naming.get(t.tid))) live.set(t.tid, t);

  const recent = (it: LogItem): boolean => {
    const a = clock.ago(it.last);
    return a === undefined || a <= (snapshot ? SNAPSHOT_RECENT_SECONDS : PASTE_RECENT_SECONDS);
  };
  /** The live task a report names, unless its pid was reused after the report. */
  const sameLiveTask = (pid: number | undefined, time: string): Task | undefined => {
    const t = pid ? live.get(pid) : undefined;
    if (!t) return undefined;
    const started = clock.startSeconds(t.startTime);
    const at = clock.uptime !== undefined ? clock.uptime - (clock.ago(time) ?? 0) : undefined;
    return started !== undefined && at !== undefined && started > at + 1 ? undefined : t;
  };
  /** The same task still in D, in the same wait when both the report and the live task show where. */
  const stillBlocked = (r: KernelReport, it: LogItem): boolean => {
    if (r.kind !== 'hung-task' && r.kind !== 'task-dump') return false;
    const t = sameLiveTask(r.pid, it.first);
    if (t?.state !== 'D') return false;
    const then = r.frames.length ? waitSignature({ ...t, stack: r.frames }).site : '';
    const now = t.stack?.length ? waitSignature(t).site : '';
    return !then || !now || then === now;
  };
  const isCurrent = (it: LogItem): boolean => {
    const r = it.report!;
    if (stillBlocked(r, it)) return true;
    if (!snapshot) return recent(it);
    if (r.kind === 'hung-task' || r.kind === 'task-dump') return false;
    return recent(it) && (r.pid === undefined || sameLiveTask(r.pid, it.first) !== undefined);
  };

  const currentItems: LogItem[] = [];
  const history: LogItem[] = [];
  // Reports first: the tasks they keep current tell which storage the present waits on.
  for (const it of items) {
    if (!it.report) continue;
    if (it.report.kind === 'oom-kill') history.push(snapshot || !recent(it) ? it : { ...it, current: true });
    else (isCurrent(it) ? currentItems : history).push(it);
  }
  const tasks = snapshot || !history.length ? ev.tasks : withoutHistoryTasks(ev.tasks, naming, currentItems);
  const waitedOn = new Set<string>();
  for (const t of tasks) {
    if (t.state !== 'D') continue;
    const sub = waitSignature(t).subsystem;
    if (sub) waitedOn.add(sub);
    if (devicesOf(t).some((d) => d.startsWith('rbd'))) waitedOn.add('rbd');
  }
  for (const it of items) {
    if (it.report) continue;
    const current = it.backend ? recent(it) || RELATED[it.backend.subsystem].some((s) => waitedOn.has(s)) : recent(it);
    (current ? currentItems : history).push(it);
  }
  if (!history.length) return { current: ev, currentItems, history };
  const current: Evidence = {
    ...ev,
    reports: currentItems.flatMap((i) => (i.report ? [i.report] : [])),
    backend: currentItems.flatMap((i) => (i.backend ? [i.backend] : [])),
    notes: currentItems.flatMap((i) => (i.note ? [i.note] : [])),
    tasks,
  };
  return { current, currentItems, history };
}

/** The reports that name each task: as theirs, a victim, a lock owner, a stalled task. */
function reportsByTask(reports: KernelReport[]): Map<number, KernelReport[]> {
  const out = new Map<number, KernelReport[]>();
  const add = (pid: number | undefined, r: KernelReport): void => {
    if (!pid) return;
    const list = out.get(pid) ?? out.set(pid, []).get(pid)!;
    if (list[list.length - 1] !== r) list.push(r);
  };
  for (const r of reports) {
    add(r.pid, r);
    add(r.victim?.pid, r);
    add(r.blocker?.pid, r);
    for (const p of r.stalledPids ?? []) add(p, r);
  }
  return out;
}

/**
 * A task of a paste known only from kernel-log reports (every line that
 * showed it is one of theirs): what the log said it was then. A ps row, a
 * /proc file or a stack pasted on its own makes a task live.
 */
function seenOnlyIn(t: Task, reports: KernelReport[] | undefined): boolean {
  if (!reports?.length || !t.lines.length) return false;
  return t.lines.every((l) => reports.some((r) => r.headline === l || r.lines.includes(l)));
}

/** Live tasks, and those only history reports show dropped (a current report keeps its own). */
function withoutHistoryTasks(tasks: Task[], naming: Map<number, KernelReport[]>, currentItems: LogItem[]): Task[] {
  const current = new Set(currentItems.flatMap((i) => (i.report ? [i.report] : [])));
  return tasks.filter((t) => {
    const reports = t.tid ? naming.get(t.tid) : undefined;
    return !reports || reports.some((r) => current.has(r)) || !seenOnlyIn(t, reports);
  });
}
