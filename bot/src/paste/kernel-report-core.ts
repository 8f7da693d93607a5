import type { Frame, KernelReport, Task } from '../evidence/evidence';
import type { EvidenceBuilder } from '../evidence/evidence-builder';
import { timeSeconds } from './kernel-log-time';
import { closeOom, type OomState } from './oom-report-lines';
import type { TaskDumpLine } from './task-dump-line';

/**
 * The report being read and what closing it yields: the report itself, the
 * tasks it shows with their roles (a hung task in D, the task running on a
 * locked-up or stalled CPU, tasks dumped inside a stall, placeholders for a
 * lock owner, an OOM invoker or an oops' current task that no line of their
 * own showed), and the reports a panic names.
 */

const MAX_REPORT_LINES = 60;
const MAX_OOM_LINES = 400;
/** Lines of one report are printed within seconds; further apart (or back in time) they are another event. */
const SAME_EVENT_SECONDS = 60;
const RECENT_REPORTS = 8;
const MAX_VICTIMS = 1024;

export const STALLS: ReadonlySet<KernelReport['kind']> = new Set(['rcu-stall', 'hard-lockup', 'soft-lockup']);

/** A task dumped inside a stall or lockup report (NMI backtrace of another CPU, the RCU kthread's dump). */
export interface Section {
  cpu?: number;
  pid?: number;
  comm?: string;
  dump?: TaskDumpLine;
  starved?: boolean;
  frames: Frame[];
  line: string;
}

export interface OpenReport {
  report: KernelReport;
  /** Headline time in seconds (undefined when not comparable). */
  start?: number;
  inModules: boolean;
  dump?: TaskDumpLine;
  /** BUG/Oops: still before the CPU line and trace (the die line "Oops: 0000 [#1]" belongs here). */
  preamble: boolean;
  section?: Section;
  /** The RCU grace-period kthread the report says was starved ("rcu_sched"): its task dump is a stalled task. */
  starvedComm?: string;
  oom?: OomState;
  /** A crash(8) `sys` summary: its PID/COMMAND/CPU lines name the task. */
  crash: boolean;
  /** A lockup/hung/OOM report known only from this panic's reason: completed from this report's task. */
  panicOf?: KernelReport;
  cutPending: boolean;
  /** The report printed its last line ("---[ end trace", the OOM kill): a cut after it takes nothing from it. */
  ended: boolean;
}

export interface ReportCore {
  readonly b: EvidenceBuilder;
  /** The open report (set by start and finish only). */
  current: OpenReport | null;
  /** Old-style task lines ("comm  D  0  pid  ppid 0x...") are expected: a hung-task or sysrq header was read. */
  sysrqOldFormat: boolean;
  start(kind: KernelReport['kind'], text: string, time: string, extra: Partial<KernelReport>, dump?: TaskDumpLine): OpenReport;
  finish(): void;
  keep(cur: OpenReport, line: string): void;
  /** A CPU's or a kthread's task starts inside a stall: it names the report's task when the report has none yet. */
  startSection(cur: OpenReport, s: Section): void;
  /** A report of this kind closed shortly before `at` (a panic line refers back to it). */
  recentOf(kind: KernelReport['kind'], at: number | undefined): KernelReport | undefined;
  /** Was this pid an OOM victim shortly before `at`? */
  recentVictim(pid: number, at: number | undefined): boolean;
  /** A task known only as another's lock owner, OOM invoker or oops' current task: named, never observed. */
  placeholder(tid: number, comm: string, kind: NonNullable<Task['placeholder']>, line: string): void;
}

export function createReportCore(b: EvidenceBuilder): ReportCore {
  let current: OpenReport | null = null;
  const recent: { report: KernelReport; start?: number }[] = [];
  const victims = new Map<number, number | undefined>();

  /** A task seen by a report line of its own: facts observed, not a placeholder any more. */
  function sighting(tid: number, facts: Partial<Task>, line: string): void {
    const t = b.tasks.upsert(tid, facts, line);
    if (t.placeholder) delete t.placeholder;
  }

  function endSection(cur: OpenReport): void {
    const s = cur.section;
    if (!s) return;
    cur.section = undefined;
    if (!s.pid) return;
    sighting(
      s.pid,
      {
        comm: s.dump?.comm ?? s.comm ?? '?',
        state: s.dump?.state ?? 'R',
        pid: s.dump?.tgid,
        ppid: s.dump?.ppid,
        flags: s.dump?.taskFlags,
        stack: s.frames.length ? s.frames : undefined,
      },
      s.line,
    );
    if (cur.report.kind === 'rcu-stall' || s.starved) addStalled(cur.report, s.pid);
  }

  function remember(report: KernelReport, start: number | undefined): void {
    recent.push({ report, start });
    if (recent.length > RECENT_REPORTS) recent.shift();
  }

  const core: ReportCore = {
    b,
    // A field, not a getter: read for every line of a log (kept equal to `current`).
    current: null,
    sysrqOldFormat: false,

    start(kind, text, time, extra, dump) {
      core.finish();
      const t = text.trim();
      const cur: OpenReport = {
        report: { kind, time, headline: t, frames: [], count: 1, lines: [t], ...extra },
        start: timeSeconds(time),
        inModules: false,
        dump,
        preamble: kind === 'kernel-bug',
        crash: false,
        cutPending: false,
        ended: false,
      };
      if (kind === 'oom-kill') cur.oom = { killed: false };
      current = cur;
      core.current = cur;
      return cur;
    },

    finish() {
      const cur = current;
      if (!cur) return;
      current = null;
      core.current = null;
      endSection(cur);
      const r = cur.report;
      if (cur.oom) closeOom(r, cur.oom);
      if (cur.cutPending) r.partial = true;
      if (r.kernelRelease && !b.evidence.node.kernelRelease) b.evidence.node.kernelRelease = r.kernelRelease;
      const facts = taskFromReport(r, cur.dump);
      if (facts && r.pid) sighting(r.pid, facts, r.headline);
      if (r.kind === 'rcu-stall' && r.pid) addStalled(r, r.pid, true);
      if (r.kind === 'kernel-bug' && r.pid && r.comm) core.placeholder(r.pid, r.comm, 'oops-task', r.headline);
      if (r.kind === 'oom-kill' && r.pid && r.comm) core.placeholder(r.pid, r.comm, 'oom-invoker', r.headline);
      if (r.kind === 'oom-kill' && r.victim) {
        victims.set(r.victim.pid, cur.start);
        if (victims.size > MAX_VICTIMS) victims.delete(victims.keys().next().value as number);
      }
      const p = cur.panicOf;
      if (p) {
        // The panic runs on the locked-up CPU for the perf-NMI and softlockup watchdogs: its task is that CPU's.
        if ((p.kind === 'hard-lockup' || p.kind === 'soft-lockup') && r.pid !== undefined && (p.cpu === undefined || p.cpu === r.cpu)) {
          p.cpu ??= r.cpu;
          p.pid = r.pid;
          p.comm = r.comm;
        }
        b.addReport(p);
        remember(p, cur.start);
      }
      b.addReport(r);
      remember(r, cur.start);
    },

    keep(cur, line) {
      const r = cur.report;
      if (r.lines.length < (r.kind === 'oom-kill' ? MAX_OOM_LINES : MAX_REPORT_LINES)) r.lines.push(line);
    },

    startSection(cur, s) {
      endSection(cur);
      const r = cur.report;
      if (!s.starved && r.pid === undefined && r.frames.length === 0 && !cur.dump) {
        r.cpu ??= s.cpu;
        if (s.pid !== undefined) {
          r.pid = s.pid;
          r.comm = s.comm;
        }
        cur.dump = s.dump;
        return;
      }
      cur.section = s;
    },

    recentOf(kind, at) {
      for (let i = recent.length - 1; i >= 0; i--) {
        const x = recent[i];
        if (x.report.kind === kind && sameEvent(x.start, at)) return x.report;
      }
      return undefined;
    },

    recentVictim: (pid, at) => victims.has(pid) && sameEvent(victims.get(pid), at, 600),

    placeholder(tid, comm, kind, line) {
      if (tid <= 0 || b.tasks.get(tid)) return;
      b.tasks.upsert(tid, { comm, placeholder: kind }, line);
    },
  };
  return core;
}

/** Two times (seconds) can be one event: not comparable, or close and in order. */
export function sameEvent(a: number | undefined, b: number | undefined, window = SAME_EVENT_SECONDS): boolean {
  if (a === undefined || b === undefined) return true;
  return b >= a - 1 && b - a <= window;
}

export function addStalled(r: KernelReport, pid: number, first = false): void {
  if (pid <= 0) return;
  const list = (r.stalledPids ??= []);
  if (list.includes(pid)) return;
  if (first) list.unshift(pid);
  else list.push(pid);
}

/** What a report says about its own task: hung tasks and dumps (state and stack), the task running on a locked-up or stalled CPU. */
function taskFromReport(r: KernelReport, dump: TaskDumpLine | undefined): Partial<Task> | null {
  const stack = r.frames.length ? r.frames : undefined;
  if (r.kind === 'task-dump' || r.kind === 'hung-task') {
    return { comm: dump?.comm ?? r.comm ?? '?', state: dump?.state ?? 'D', pid: dump?.tgid, ppid: dump?.ppid, flags: dump?.taskFlags, stack, workqueue: r.workqueue };
  }
  if (r.kind === 'soft-lockup' || r.kind === 'backtrace' || r.kind === 'hard-lockup' || r.kind === 'rcu-stall') {
    return { comm: dump?.comm ?? r.comm ?? '?', state: dump?.state ?? 'R', pid: dump?.tgid, ppid: dump?.ppid, stack };
  }
  return null;
}
