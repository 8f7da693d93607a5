import { classifyBackendLine } from '../../../collector/src';
import { STALLS, addStalled, type OpenReport, type ReportCore } from './kernel-report-core';
import { currentTask, isBodyLine, kernelRip, reportFrame } from './kernel-report-body';
import { readOomLine } from './oom-report-lines';
import { cpuDumpStart, isStallNote, stallEntries } from './rcu-stall-lines';

/**
 * Whether a line continues the open report, and what it adds to it: a frame
 * (to the report or to the task a stall is dumping), the current task, the
 * faulting function, a release, OOM facts, a stall's CPUs and tasks, a crash
 * summary's task, or a body line that only belongs there. A line pasted
 * without its prefix (time '') may be the wrapped rest of the line before.
 */

const RELEASE = /(?:Not tainted|Tainted:)[A-Z \-]{0,80}(\d+\.\d+[\w.+~-]*)/;
const CRASH_SYS = /^(PID|COMMAND|CPU|TASK|STATE): +"?(.{1,80}?)"?$/;
const MODULE_LIST = /^[\w\s()+-]+$/;
/** An unprefixed line that reads as a sentence or markdown, not as the wrapped end of a log line. */
const PROSE = /^(?:[A-Z][a-z]+[ ,]|[-*>#|])/;
const SENTENCE = /[.?!] [A-Za-z]/;
/** A line cut by a display width ends inside a token, and its rest starts inside one. */
const WRAP_END = /[\w/:.,=-]$/;
const WRAP_START = /^[\w/:.,=()-]/;
/** Unprefixed lines of an OOM report's middle: task table rows and counters. */
const OOM_UNPREFIXED = /^\[\s*\d+\]|^[\w./ ()+-]{1,60}[:=]\s*\S/;

export function continueReport(core: ReportCore, cur: OpenReport, raw: string, t: string, time: string): boolean {
  const r = cur.report;
  const frame = reportFrame(raw);
  if (frame) {
    const frames = cur.section ? cur.section.frames : r.frames;
    if (frames.length < 200) frames.push(frame);
    core.keep(cur, t);
    cur.inModules = false;
    cur.preamble = false;
    return true;
  }
  let m: RegExpExecArray | null;
  const task = currentTask(t);
  if (task) {
    const s = cur.section;
    if (s) {
      s.pid ??= task.pid;
      s.comm ??= task.comm;
      s.cpu ??= task.cpu;
    } else if (r.pid === undefined || (r.kind === 'kernel-bug' && r.pid === task.pid)) {
      r.pid = task.pid;
      r.comm ??= task.comm;
      r.cpu ??= task.cpu;
    } else if (STALLS.has(r.kind) && r.frames.length > 0 && r.pid !== task.pid) cur.section = { ...task, frames: [], line: t };
    cur.preamble = false;
  }
  if (t.includes('ainted') && (m = RELEASE.exec(t))) r.kernelRelease ??= m[1];
  const rip = kernelRip(t);
  if (rip) {
    if (!cur.section) r.rip ??= rip;
    core.keep(cur, t);
    return true;
  }
  if (cur.oom) {
    if (readOomLine(r, cur.oom, t)) {
      core.keep(cur, t);
      return true;
    }
    if (cur.oom.killed) return false;
  }
  if (STALLS.has(r.kind) && stallLine(core, cur, t)) return true;
  if (cur.crash && (m = CRASH_SYS.exec(t))) {
    if (m[1] === 'PID') r.pid ??= Number(m[2]);
    else if (m[1] === 'COMMAND') r.comm ??= m[2];
    else if (m[1] === 'CPU' && /^\d+$/.test(m[2])) r.cpu ??= Number(m[2]);
    core.keep(cur, t);
    return true;
  }
  if (time === '' && wrapped(cur, raw, t)) return true;
  if (task || isBodyLine(t)) {
    cur.inModules = t.startsWith('Modules linked in:');
    if (t.startsWith('---[ end')) cur.ended = true;
    if (t.startsWith('Workqueue:')) r.workqueue = t.slice(10).trim();
    core.keep(cur, t);
    return true;
  }
  if (cur.inModules && MODULE_LIST.test(t) && !t.includes(':')) {
    core.keep(cur, t);
    return true;
  }
  // The OOM report's middle (Mem-Info, per-node counters, the task table) has many shapes: printed lines are its own.
  if (cur.oom && (time !== '' || OOM_UNPREFIXED.test(t)) && !classifyBackendLine(t) && !t.includes('unregister_netdevice')) {
    core.keep(cur, t);
    return true;
  }
  return false;
}

/** A stall's or lockup's own lines: the CPU whose task follows, stalled CPUs and preempted tasks, its notes. */
function stallLine(core: ReportCore, cur: OpenReport, t: string): boolean {
  const r = cur.report;
  const cpu = cpuDumpStart(t);
  if (cpu !== null) {
    core.startSection(cur, { cpu, frames: [], line: t });
    if (t.startsWith('Task dump')) core.sysrqOldFormat = true;
    core.keep(cur, t);
    return true;
  }
  const e = stallEntries(t);
  if (e) {
    if (r.kind === 'rcu-stall') {
      r.cpu ??= e.cpus[0];
      for (const pid of e.pids) addStalled(r, pid);
    }
    core.keep(cur, t);
    return true;
  }
  if (isStallNote(t)) {
    core.keep(cur, t);
    return true;
  }
  return false;
}

/** The rest of the report's last line, wrapped onto its own line by a terminal or issue tracker: joined back. */
function wrapped(cur: OpenReport, raw: string, t: string): boolean {
  const r = cur.report;
  const last = r.lines[r.lines.length - 1] ?? '';
  if (last.length < 60 || /^\s/.test(raw) || t.length > 400 || PROSE.test(t) || !WRAP_END.test(last) || !WRAP_START.test(t) || SENTENCE.test(t)) return false;
  // A report's own lines (frames, registers, stack words) are printed whole: what follows them is not their rest.
  if (r.lines.length > 1 && (isBodyLine(last) || reportFrame(last))) return false;
  const joined = last + t;
  r.lines[r.lines.length - 1] = joined;
  if (r.lines.length === 1) r.headline = joined;
  if (cur.oom) readOomLine(r, cur.oom, joined, true);
  return true;
}

export const CONTINUE_PATTERNS: readonly RegExp[] = [RELEASE, CRASH_SYS, MODULE_LIST, PROSE, SENTENCE, WRAP_END, WRAP_START, OOM_UNPREFIXED];
