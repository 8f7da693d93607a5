import type { EvidenceBuilder } from '../evidence/evidence-builder';
import { classifyBackendLine } from '../../../collector/src/kmsg/backend-patterns';
import { NETDEV } from '../../../collector/src/kmsg/report-patterns';
import { createReportCore, sameEvent } from './kernel-report-core';
import { continueReport } from './kernel-report-continue';
import { detectHeadline } from './kernel-report-headlines';
import { isBodyLine, reportFrame } from './kernel-report-body';
import { timeSeconds } from './kernel-log-time';

/**
 * Turns kernel log messages (one per call, prefix already stripped) into
 * evidence: multi-line reports kept together (hung task with its blocker,
 * soft/hard lockup, RCU stall with the tasks it dumps, OOM, BUG/Oops/GPF/
 * WARNING, panics, sysrq-w task dumps), storage backend faults, netdev
 * refcount leaks. The same reader serves pastes and /dev/kmsg.
 *
 * A report starts at a headline (kernel-report-headlines.ts) and stays open
 * while its lines follow the grammar of a report body (kernel-report-body.ts,
 * kernel-report-continue.ts), including lines pasted without their prefix
 * (time '') and lines wrapped by whatever displayed the log. It closes at a
 * line that is not part of it, or at a line whose time is too far from its
 * headline to be the same event (kernel-report-core.ts).
 */
export interface KernelLogReader {
  /** Returns false when the message meant nothing to the reader. */
  message(text: string, time: string): boolean;
  /**
   * A line pasted without a log prefix: taken when a report is open and the
   * line is part of its body (a frame, registers, stack words), so that a
   * trace pasted under a timestamped headline attaches to it.
   */
  continues(text: string): boolean;
  /** The input was cut here (`[...]`): the open report is partial unless it goes on. */
  cut(): void;
  finish(): void;
}

const SYSRQ_BLOCKED = /Show Blocked State|task\s+PC stack\s+pid father/;
const LINUX_VERSION = /^Linux version (\S+)/;
const CRASH_RELEASE = /^RELEASE: (\d+\.\d+\S*)$/;
const CUT_HERE = /^-+\[ cut here \]-+$/;
const CUT = /^[[(<]?\s*(?:\.{3,}|…|(?:-+\s*)?snip(?:ped)?(?:\s*-+)?|truncated|cut)\s*[\])>]?$/i;
const CUT_FIRST = '[(<.…-sStTcC';
const FENCE = /^(?:`{3}|~{3})/;
const RSYSLOG_TAB = /#011/g;

export function createKernelLogReader(b: EvidenceBuilder): KernelLogReader {
  const core = createReportCore(b);

  function markCut(): void {
    const cur = core.current;
    if (cur && !cur.ended && !cur.oom?.killed) cur.cutPending = true;
  }

  /** Lines that stand alone: backend faults, netdev leaks, the kernel version, the sysrq-w header. */
  function standalone(t: string, time: string): boolean {
    if ((t.includes('Show Blocked') || t.includes('PC stack')) && SYSRQ_BLOCKED.test(t)) { core.sysrqOldFormat = true; return true; }
    const backend = classifyBackendLine(t);
    if (backend) { b.addBackend(backend, time, t); return true; }
    let m: RegExpExecArray | null;
    if (t.includes('unregister_netdevice') && (m = NETDEV.exec(t))) { b.addNote('netdev-refcount', m[1], time, t); return true; }
    if ((t.startsWith('Linux version') && (m = LINUX_VERSION.exec(t))) || (t.startsWith('RELEASE: ') && (m = CRASH_RELEASE.exec(t)))) { b.evidence.node.kernelRelease ??= m[1]; return true; }
    return false;
  }

  return {
    message(raw, time) {
      // rsyslog writes a tab as "#011"; a line pasted without its syslog prefix keeps the escape.
      const text = time === '' && raw.includes('#011') ? raw.replace(RSYSLOG_TAB, '\t') : raw;
      const t = text.trim();
      if (t === '') return true;
      const c = t.charCodeAt(0);
      // A code fence neither ends a report nor belongs to it: the trace after it may be the report's.
      if ((c === 96 || c === 126) && FENCE.test(t)) return false;
      if (t.length <= 40 && CUT_FIRST.includes(t[0]) && CUT.test(t)) {
        markCut();
        return core.current !== null;
      }
      let cur = core.current;
      if (cur && time !== '' && !sameEvent(cur.start, timeSeconds(time))) { core.finish(); cur = null; }
      if (c === 45 /* - */ && CUT_HERE.test(t)) { core.finish(); return true; }
      if (detectHeadline(core, t, time)) {
        // A line the open report took (a die line, a kill line, a task it dumps): whatever was cut before it, it goes on.
        if (cur && core.current === cur) cur.cutPending = false;
        return true;
      }
      cur = core.current;
      if (cur && continueReport(core, cur, text, t, time)) { cur.cutPending = false; return true; }
      core.finish();
      return standalone(t, time);
    },
    continues(text) {
      const cur = core.current;
      const t = text.trim();
      if (!cur || t === '' || !(reportFrame(text) || isBodyLine(t))) return false;
      if (!continueReport(core, cur, text, t, '')) return false;
      cur.cutPending = false;
      return true;
    },
    cut: markCut,
    finish: () => core.finish(),
  };
}

export const READER_PATTERNS: readonly RegExp[] = [SYSRQ_BLOCKED, LINUX_VERSION, CRASH_RELEASE, CUT_HERE, CUT, FENCE, RSYSLOG_TAB];
