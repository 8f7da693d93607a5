import type { KernelReport, Task } from '../evidence/evidence';
import type { EvidenceBuilder } from '../evidence/evidence-builder';
import { parseFrameLine } from '../evidence/frames';
import { classifyBackendLine } from '../../../collector/src/kmsg/backend-patterns';
import { HARD, HUNG, NETDEV, OOM_KILLED, OOM_KILL_LINE, RCU, SOFT } from '../../../collector/src/kmsg/report-patterns';
import { parseTaskDumpLine, type TaskDumpLine } from './task-dump-line';

/**
 * Turns kernel log messages (one per call, prefix already stripped) into
 * evidence: multi-line reports kept together (hung task, soft/hard lockup,
 * RCU stall, OOM, BUG/Oops/WARNING, sysrq-w task dumps), storage backend
 * faults, netdev refcount leaks. The same reader serves pastes and /dev/kmsg.
 */
export interface KernelLogReader {
  /** Returns false when the message meant nothing to the reader. */
  message(text: string, time: string): boolean;
  finish(): void;
}

const MAX_REPORT_LINES = 60;
const MAX_OOM_LINES = 400;

const OOM_START = /^(.+?) invoked oom-killer: /;
const BUG = /^(?:BUG: (?!soft lockup)|kernel BUG at |general protection fault|Oops: |Kernel panic - not syncing|WARNING: CPU: \d+ PID: \d+ at |Unable to handle kernel )/;
const CPU_LINE = /\bCPU: (\d+) (?:UID: \d+ )?PID: (\d+) Comm: (\S+)/;
const RELEASE = /(?:Not tainted|Tainted: [A-Z ]*?)\s+(\d+\.\d+[\w.+~-]*)/;
const RIP = /^RIP: 0010:(?:\[<[0-9a-f]+>\]\s+\[<[0-9a-f]+>\]\s+)?([A-Za-z_.$][\w.$]*)\+/;
const OOM_TASK_IN = /Task in (\S+) killed as a result of limit of (\S+)/;
const REPORT_LINE = /^(?:Call Trace:|<\/?(?:TASK|IRQ|NMI|EOI|SOFTIRQ)>|Modules linked in:|Hardware name:|R[A-Z0-9]{1,2}: |RIP: |Code: |FS: |CS: |CR2: |DR\d|Kernel Offset|---\[ end|Workqueue: |Sched_info|irq event stamp|hardirqs|softirqs|Exception stack|PGD |Stack:|Call trace:|pc : |lr : |sp : |x\d+: |Comm: |.*disables this message|\s*(?:Not tainted|Tainted:))|\bCPU: \d+ (?:UID: \d+ )?PID: \d+/;
const NMI_BACKTRACE = /^NMI backtrace for cpu (\d+)/;
/** Register dumps vary by arch and version (PKRU:, DR0:, ORIG_RAX:, x86 and arm64): any short upper-case key. */
const REGISTER_LINE = /^[A-Z][A-Z0-9_]{1,7}: ?\S/;
const LINUX_VERSION = /^Linux version (\S+)/;
const SYSRQ_BLOCKED = /Show Blocked State|task\s+PC stack\s+pid father/;

interface Current {
  report: KernelReport;
  inModules: boolean;
  dump?: TaskDumpLine;
}

export function createKernelLogReader(b: EvidenceBuilder): KernelLogReader {
  let current: Current | null = null;
  let sysrqOldFormat = false;

  function start(kind: KernelReport['kind'], text: string, time: string, extra: Partial<KernelReport>, dump?: TaskDumpLine): void {
    finishCurrent();
    current = { report: { kind, time, headline: text.trim(), frames: [], count: 1, lines: [text.trim()], ...extra }, inModules: false, dump };
  }

  function finishCurrent(): void {
    if (!current) return;
    const { report: r, dump } = current;
    current = null;
    if (r.kernelRelease && !b.evidence.node.kernelRelease) b.evidence.node.kernelRelease = r.kernelRelease;
    const taskFacts = taskFromReport(r, dump);
    if (taskFacts && r.pid) b.tasks.upsert(r.pid, taskFacts, r.headline);
    b.addReport(r);
  }

  function detect(text: string, time: string): boolean {
    let m: RegExpExecArray | null;
    const t = text.trimStart();
    if (t.startsWith('task:') || (sysrqOldFormat && /\s0x[0-9a-f]+$/.test(t))) {
      const dump = parseTaskDumpLine(t);
      if (dump) {
        const cur = current as Current | null;
        if (cur?.report.kind === 'hung-task' && cur.report.pid === dump.pid && cur.report.frames.length === 0) {
          cur.report.comm = dump.comm;
          cur.report.lines.push(t);
          cur.dump = dump;
          return true;
        }
        start('task-dump', t, time, { comm: dump.comm, pid: dump.pid }, dump);
        return true;
      }
    }
    if (t.includes('INFO: task') && (m = HUNG.exec(t))) {
      start('hung-task', t, time, { comm: m[1], pid: Number(m[2]), seconds: Number(m[3]) });
      sysrqOldFormat = true;
      return true;
    }
    if (t.includes('soft lockup') && (m = SOFT.exec(t))) {
      start('soft-lockup', t, time, { cpu: Number(m[1]), seconds: Number(m[2]), comm: m[3], pid: Number(m[4]) });
      return true;
    }
    if (t.includes('LOCKUP') && (m = HARD.exec(t))) {
      start('hard-lockup', t, time, { cpu: Number(m[1]) });
      return true;
    }
    if (t.includes('stall') && RCU.test(t)) {
      start('rcu-stall', t, time, {});
      return true;
    }
    if (t.includes('invoked oom-killer') && (m = OOM_START.exec(t))) {
      start('oom-kill', t, time, { comm: m[1] });
      return true;
    }
    if ((t.includes('Killed process') || t.includes('Kill process')) && (m = OOM_KILLED.exec(t))) {
      const pid = Number(m[1] ?? m[3]);
      const comm = m[2] ?? m[4];
      const cur = current as Current | null;
      if (cur && cur.report.kind === 'oom-kill' && !cur.report.victim) {
        cur.report.victim = { pid, comm };
        cur.report.lines.push(t);
        if (/Memory cgroup/.test(t)) cur.report.oomConstraint ??= 'CONSTRAINT_MEMCG';
        finishCurrent();
      } else if (!cur || cur.report.kind !== 'oom-kill') {
        start('oom-kill', t, time, { victim: { pid, comm }, oomConstraint: /Memory cgroup/.test(t) ? 'CONSTRAINT_MEMCG' : undefined });
        finishCurrent();
      }
      return true;
    }
    if (BUG.test(t)) {
      start('kernel-bug', t, time, {});
      return true;
    }
    // A CPU backtrace with no report around it (sysrq-l, NMI backtrace): what that CPU was running.
    // Inside a stall or lockup report the NMI backtrace names the culprit: the report consumes it.
    const inStall = current !== null && ['rcu-stall', 'hard-lockup', 'soft-lockup'].includes((current as Current).report.kind);
    if (!inStall && (m = NMI_BACKTRACE.exec(t))) {
      start('backtrace', t, time, { cpu: Number(m[1]) });
      return true;
    }
    if (!current && t.startsWith('CPU: ') && (m = CPU_LINE.exec(t))) {
      start('backtrace', t, time, { cpu: Number(m[1]), pid: Number(m[2]), comm: m[3] });
      return true;
    }
    return false;
  }

  function consume(cur: Current, raw: string): boolean {
    const r = cur.report;
    const t = raw.trim();
    const keep = (): void => { if (r.lines.length < (r.kind === 'oom-kill' ? MAX_OOM_LINES : MAX_REPORT_LINES)) r.lines.push(t); };
    const frame = parseFrameLine(raw);
    if (frame) {
      if (r.frames.length < 200) r.frames.push(frame);
      keep();
      cur.inModules = false;
      return true;
    }
    let m: RegExpExecArray | null;
    if ((m = CPU_LINE.exec(t))) {
      r.pid ??= Number(m[2]);
      r.comm ??= m[3];
      r.cpu ??= Number(m[1]);
    }
    if ((m = RELEASE.exec(t))) r.kernelRelease ??= m[1];
    if ((m = RIP.exec(t))) r.rip ??= m[1];
    if (r.kind === 'oom-kill') {
      if ((m = OOM_KILL_LINE.exec(t))) { r.oomConstraint = m[1]; r.oomMemcg = m[2] ?? m[3]; }
      if ((m = OOM_TASK_IN.exec(t))) r.oomMemcg ??= m[2];
      if (r.lines.length < MAX_OOM_LINES) { keep(); return true; }
      return false;
    }
    if (REPORT_LINE.test(t) || REGISTER_LINE.test(t)) {
      cur.inModules = t.startsWith('Modules linked in:');
      if (t.startsWith('Workqueue:')) r.workqueue = t.slice(10).trim();
      keep();
      return true;
    }
    if (cur.inModules && /^[\w\s()+-]+$/.test(t) && !t.includes(':')) { keep(); return true; }
    if ((r.kind === 'rcu-stall' || r.kind === 'hard-lockup') && /^\s*\d+-\.{3}|\(detected by|^\(t=\d+ jiffies|rcu_\w+ kthread|Sending NMI|NMI backtrace|\btasks=\{|^\s*\d+-|^rcu: /.test(t)) { keep(); return true; }
    return false;
  }

  return {
    message(text, time) {
      if (text.trim() === '') return true;
      if (detect(text, time)) return true;
      const cur = current as Current | null;
      if (cur && consume(cur, text)) return true;
      finishCurrent();
      const t = text.trim();
      if (SYSRQ_BLOCKED.test(t)) { sysrqOldFormat = true; return true; }
      const backend = classifyBackendLine(t);
      if (backend) { b.addBackend(backend, time, t); return true; }
      let m: RegExpExecArray | null;
      if (t.includes('unregister_netdevice') && (m = NETDEV.exec(t))) { b.addNote('netdev-refcount', m[1], time, t); return true; }
      if ((m = LINUX_VERSION.exec(t))) { b.evidence.node.kernelRelease ??= m[1]; return true; }
      return false;
    },
    finish: finishCurrent,
  };
}

/** What a report says about its task (hung task and task dumps: state and stack). */
function taskFromReport(r: KernelReport, dump: TaskDumpLine | undefined): Partial<Task> | null {
  const workqueue = r.workqueue;
  const stack = r.frames.length ? r.frames : undefined;
  if (r.kind === 'task-dump' || r.kind === 'hung-task') {
    return {
      comm: dump?.comm ?? r.comm ?? '?',
      state: dump?.state ?? 'D',
      pid: dump?.tgid,
      ppid: dump?.ppid,
      flags: dump?.taskFlags,
      stack,
      workqueue,
    };
  }
  if (r.kind === 'soft-lockup' || r.kind === 'backtrace') return { comm: r.comm ?? '?', state: 'R', stack };
  return null;
}
