import type { KernelReport } from '../evidence/evidence';
import {
  DIE_LINE,
  HARD,
  HUNG,
  HUNG_BLOCKER,
  HUNG_PASTED,
  isKernelBugHeadline,
  OOM_KILLED,
  OOM_KILL_LINE,
  OOM_REAPED,
  OOM_SELECTED,
  OOM_START,
  PANIC,
  RCU,
  RCU_STARVED,
  SOFT,
  panicKind,
} from '../../../collector/src';
import { addStalled, STALLS, type ReportCore } from './kernel-report-core';
import { currentTask } from './kernel-report-body';
import { timeSeconds } from './kernel-log-time';
import { OOM_BODY_START, readOomLine } from './oom-report-lines';
import { stallEntries } from './rcu-stall-lines';
import { parseTaskDumpLine } from './task-dump-line';

/**
 * The lines that start a kernel report, or that the open report takes by
 * name rather than by shape: a task dump (of the hung task, or of a CPU or
 * kthread inside a stall), a hung task's blocker line, the die line of an
 * Oops, an OOM report's chosen and killed task, a panic and what it says.
 */

const WARNING_TASK = /^WARNING: CPU: (\d+) (?:UID: \d+ )?PID: (\d+) /;
const CRASH_PANIC = /^PANIC: "(.{1,200})"$/;
const OLD_TASK_END = / 0x[0-9a-f]+$/;
const OLD_TASK_FLAGS = / 0x[0-9a-f]{8}$/;
const NMI_BACKTRACE = /^NMI backtrace for cpu (\d+)$/;

/**
 * What every line detectHeadline takes holds: one of these starts or words,
 * or the end of an old-style task line. Each branch below tests one of them
 * before anything else, or a pattern that holds one (SOFT holds "BUG: soft
 * lockup", RCU and RCU_STARVED "rcu", OOM_KILLED and OOM_SELECTED "Kill",
 * KERNEL_BUG's last alternative a lower-case word, ": " and four hex digits at
 * the start). A line with none of them is refused at the cost of a scan or
 * two — most lines of a log. Words only, no groups: they are combined with others.
 */
export const HEADLINE_STARTS =
  /^(?:task:|Kernel |PANIC: |oom|Task in \/|Memory cgroup stats for \/|memory: usage |BUG: |kernel |Oops|Internal error: |Unable to handle kernel |WARNING: |general protection fault|invalid opcode: |unable to execute userspace code|[a-z][a-z0-9 ]{2,40}: [0-9a-f]{4}|NMI backtrace for cpu|CPU: )/;
export const HEADLINE_WORDS = /INFO: task|BUG: soft lockup|LOCKUP|rcu|invoked oom-killer|Kill/;

/** Does the line end as an old-style task line does (OLD_TASK_END, " 0x" and hex digits)? Looked at from the end. */
export function endsLikeTaskLine(t: string): boolean {
  let i = t.length - 1;
  while (i >= 0 && isLowerHex(t.charCodeAt(i))) i--;
  return i < t.length - 1 && i >= 2 && t.charCodeAt(i) === 120 /* x */ && t.charCodeAt(i - 1) === 48 /* 0 */ && t.charCodeAt(i - 2) === 32;
}

const isLowerHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102);

/** Returns true when the line was taken (a report started, or the open one took it). `time` is '' for a line pasted without its prefix. */
export function detectHeadline(core: ReportCore, t: string, time: string): boolean {
  let m: RegExpExecArray | null;
  const cur = core.current;
  // Old-style task lines ("dd  D    0 59750  51044 0x00004004") are taken after a hung-task or sysrq header, when the
  // line came with its log prefix, or when their flags have the kernel's eight hex digits.
  if (t.startsWith('task:') || (t.includes(' 0x') && (core.sysrqOldFormat || time !== '' ? OLD_TASK_END : OLD_TASK_FLAGS).test(t))) {
    if (taskDump(core, t, time)) return true;
  }
  if (t.includes('INFO: task')) {
    if ((m = HUNG_BLOCKER.exec(t))) {
      blocker(core, m, t, time);
      return true;
    }
    if ((m = HUNG.exec(t))) {
      core.start('hung-task', t, time, { comm: m[1], pid: Number(m[2]), seconds: Number(m[3]) });
      core.sysrqOldFormat = true;
      return true;
    }
    if ((m = HUNG_PASTED.exec(t))) {
      // Redacted or cut by whoever pasted it: still a hung task, its report partial.
      const pid = /^\d+$/.test(m[2]) ? Number(m[2]) : undefined;
      core.start('hung-task', t, time, { comm: m[1], pid, seconds: m[3] ? Number(m[3]) : undefined, partial: true });
      core.sysrqOldFormat = true;
      return true;
    }
  }
  if (t.startsWith('Kernel panic') && (m = PANIC.exec(t))) {
    panic(core, m[1].trim(), t, time);
    return true;
  }
  if (t.startsWith('PANIC: ') && (m = CRASH_PANIC.exec(t))) {
    // crash(8) `sys`: PANIC: "BUG: unable to handle ..." then PID:, COMMAND:, CPU: lines.
    if (!detectHeadline(core, m[1], time)) core.start('kernel-bug', m[1], time, {});
    const c = core.current;
    if (c) {
      c.crash = true;
      core.keep(c, t);
    }
    return true;
  }
  if (t.includes('soft lockup') && (m = SOFT.exec(t))) {
    core.start('soft-lockup', t, time, { cpu: Number(m[1]), seconds: Number(m[2]), comm: m[3], pid: Number(m[4]) });
    return true;
  }
  if (t.includes('LOCKUP') && (m = HARD.exec(t))) {
    core.start('hard-lockup', t, time, { cpu: Number(m[1]) });
    return true;
  }
  if (t.includes('stall') && RCU.test(t)) {
    const r = core.start('rcu-stall', t, time, {}).report;
    const e = stallEntries(t);
    if (e) {
      r.cpu ??= e.cpus[0];
      for (const pid of e.pids) addStalled(r, pid);
    }
    return true;
  }
  if (t.includes('kthread') && (m = RCU_STARVED.exec(t))) {
    // The grace-period kthread got no CPU: its task dump (matched by name) follows.
    const c = cur?.report.kind === 'rcu-stall' ? cur : core.start('rcu-stall', t, time, {});
    if (c === cur) core.keep(c, t);
    c.starvedComm = m[1];
    core.sysrqOldFormat = true;
    return true;
  }
  if (oomLine(core, t, time)) return true;
  if (isKernelBugHeadline(t)) {
    if (cur?.report.kind === 'kernel-bug' && cur.preamble && DIE_LINE.test(t)) {
      core.keep(cur, t);
      return true;
    }
    const w = WARNING_TASK.exec(t);
    core.start('kernel-bug', t, time, w ? { cpu: Number(w[1]), pid: Number(w[2]) } : {});
    return true;
  }
  // A CPU backtrace with no report around it (sysrq-l, NMI backtrace): what that CPU was running.
  // Inside a stall or lockup report it is a section of that report (read with the body).
  const inStall = cur !== null && STALLS.has(cur.report.kind);
  if (!inStall && t.startsWith('NMI backtrace for cpu') && (m = NMI_BACKTRACE.exec(t))) {
    core.start('backtrace', t, time, { cpu: Number(m[1]) });
    return true;
  }
  if (!cur && t.startsWith('CPU: ')) {
    const task = currentTask(t);
    if (task) {
      core.start('backtrace', t, time, { cpu: task.cpu, pid: task.pid, comm: task.comm });
      return true;
    }
  }
  return false;
}

function taskDump(core: ReportCore, t: string, time: string): boolean {
  const dump = parseTaskDumpLine(t);
  if (!dump) return false;
  const cur = core.current;
  if (cur?.report.kind === 'hung-task' && cur.report.pid === dump.pid && cur.report.frames.length === 0) {
    cur.report.comm = dump.comm;
    core.keep(cur, t);
    cur.dump = dump;
    return true;
  }
  if (cur && STALLS.has(cur.report.kind)) {
    // "NMI backtrace for cpu N" / "Task dump for CPU N:" opened a section this line names.
    const s = cur.section && cur.section.pid === undefined && cur.section.frames.length === 0 ? cur.section : undefined;
    if (s) cur.section = undefined;
    core.startSection(cur, { cpu: s?.cpu, pid: dump.pid, comm: dump.comm, dump, starved: dump.comm === cur.starvedComm, frames: [], line: t });
    core.keep(cur, t);
    return true;
  }
  core.start('task-dump', t, time, { comm: dump.comm, pid: dump.pid }, dump);
  return true;
}

function blocker(core: ReportCore, m: RegExpExecArray, t: string, time: string): void {
  const pid = Number(m[2]);
  const cur = core.current;
  const owner = m[5] ? { pid: Number(m[5]), comm: m[4], lock: m[6] ? `${m[3]} (held by a ${m[6]})` : m[3] } : undefined;
  let r: KernelReport;
  if (cur && cur.report.kind === 'hung-task' && cur.report.pid === pid) {
    r = cur.report;
    core.keep(cur, t);
  } else {
    // The blocker line without its report: the task is hung all the same.
    r = core.start('hung-task', t, time, { comm: m[1], pid, partial: true }).report;
  }
  if (owner) {
    r.blocker = owner;
    core.placeholder(owner.pid, owner.comm, 'lock-owner', t);
  }
}

function panic(core: ReportCore, reason: string, t: string, time: string): void {
  const { kind, cpu } = panicKind(reason);
  const cur = core.current;
  if (kind === 'kernel-bug') {
    // "Fatal exception", "Attempted to kill init!": the end of the BUG/Oops being printed.
    if (cur && cur.report.kind === 'kernel-bug' && !cur.report.panicReason) {
      cur.report.panicReason = reason;
      core.keep(cur, t);
      return;
    }
    core.start('kernel-bug', t, time, { panicReason: reason });
    return;
  }
  // A watchdog's or the OOM killer's panic: its report, plus the panic itself (a kernel-bug report for the panic).
  const open = cur && cur.report.kind === kind ? cur : undefined;
  if (open) {
    open.report.panicReason = reason;
    core.keep(open, t);
  }
  core.finish();
  const earlier = open?.report ?? core.recentOf(kind, timeSeconds(time));
  if (earlier) earlier.panicReason ??= reason;
  const panicReport = core.start('kernel-bug', t, time, { panicReason: reason });
  if (!earlier) {
    panicReport.panicOf = {
      kind,
      time,
      headline: t,
      cpu,
      panicReason: reason,
      frames: [],
      count: 1,
      lines: [t],
      ...(kind === 'oom-kill' || kind === 'hung-task' ? { partial: true } : {}),
    };
  }
}

/** OOM killer lines that start a report or that the open one takes: the invoker, the choice, the kill, the reaper. */
function oomLine(core: ReportCore, t: string, time: string): boolean {
  const cur = core.current;
  let m: RegExpExecArray | null;
  if (t.includes('invoked oom-killer') && (m = OOM_START.exec(t))) {
    core.start('oom-kill', t, time, { comm: m[1] });
    return true;
  }
  if (t.startsWith('oom_reaper') && (m = OOM_REAPED.exec(t))) {
    const pid = Number(m[1]);
    if (cur?.oom && cur.report.victim?.pid === pid) {
      core.keep(cur, t);
      return true;
    }
    if (core.recentVictim(pid, timeSeconds(time))) return true;
    // Only the reaper's line: a process was OOM-killed; its report was not pasted.
    core.start('oom-kill', t, time, { victim: { pid, comm: m[2] }, partial: true }).oom!.killed = true;
    return true;
  }
  const killish = t.includes('process') && (OOM_KILLED.test(t) || OOM_SELECTED.test(t));
  const first = t.charCodeAt(0);
  const body = (first === 84 || first === 111 || first === 77 || first === 109) && OOM_BODY_START.test(t);
  if (!killish && !(t.startsWith('oom-kill:') && OOM_KILL_LINE.test(t)) && !body) return false;
  const open = cur?.oom && !cur.oom.killed ? cur : undefined;
  if (open) {
    core.keep(open, t);
    readOomLine(open.report, open.oom!, t);
    return true;
  }
  // No OOM report open (or the open one has killed already): this line is the first one pasted of a new one.
  const c = core.start('oom-kill', t, time, {});
  readOomLine(c.report, c.oom!, t);
  return true;
}
