import type { Frame } from '../evidence/evidence';
import type { EvidenceBuilder } from '../evidence/evidence-builder';
import { BACKEND_WORDS, classifyBackendLine, NETDEV } from '../../../collector/src';
import { createReportCore, sameEvent } from './kernel-report-core';
import { continueReport } from './kernel-report-continue';
import { detectHeadline, endsLikeTaskLine, HEADLINE_STARTS, HEADLINE_WORDS } from './kernel-report-headlines';
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
/** What a standalone line needs (see standalone()): words, no groups. */
const STANDALONE_STARTS = /^(?:Linux version|RELEASE: )/;
const STANDALONE_WORDS = /Show Blocked|PC stack|unregister_netdevice/;
/**
 * What detectHeadline and standalone() need, tested together: a line without
 * any of it is neither a headline nor a line that stands alone, so most lines
 * of a log cost three scans instead of some thirty tests. The words are split
 * by their first letter: a pattern of words that all start with a capital
 * skips through a line faster, and so does the rest without them.
 */
const MAY_START = new RegExp(`${HEADLINE_STARTS.source}|${STANDALONE_STARTS.source}`);
const MAY_WORDS = [HEADLINE_WORDS, STANDALONE_WORDS, BACKEND_WORDS].flatMap((re) => re.source.split('|'));
const MAY_UPPER = new RegExp(MAY_WORDS.filter((w) => /^[A-Z]/.test(w)).join('|'));
const MAY_LOWER = new RegExp(MAY_WORDS.filter((w) => !/^[A-Z]/.test(w)).join('|'));
const mayBeHeadline = (t: string): boolean => HEADLINE_STARTS.test(t) || HEADLINE_WORDS.test(t) || endsLikeTaskLine(t);
const mayTake = (t: string): boolean => MAY_START.test(t) || MAY_UPPER.test(t) || MAY_LOWER.test(t) || endsLikeTaskLine(t);

export function createKernelLogReader(b: EvidenceBuilder): KernelLogReader {
  const core = createReportCore(b);
  /** Frames logged with no report open: a trace whose header was cut or never pasted. */
  let orphan: { frames: Frame[]; lines: string[] } | null = null;

  function endOrphan(): void {
    if (!orphan) return;
    const o = orphan;
    orphan = null;
    const thread = kernelThreadOf(o.frames);
    b.tasks.upsert(
      0,
      {
        comm: thread ?? '?',
        stack: o.frames,
        isKernelThread: thread !== undefined || undefined,
        missing: ['the header of this trace (task name, pid, state) is not in the input'],
        ...(thread ? { provenance: { comm: 'derived' } } : {}),
      },
      o.lines[0],
    );
  }

  function markCut(): void {
    const cur = core.current;
    if (cur && !cur.ended && !cur.oom?.killed) cur.cutPending = true;
  }

  /** Lines that stand alone: backend faults, netdev leaks, the kernel version, the sysrq-w header. */
  function standalone(t: string, time: string): boolean {
    if ((t.includes('Show Blocked') || t.includes('PC stack')) && SYSRQ_BLOCKED.test(t)) {
      core.sysrqOldFormat = true;
      return true;
    }
    const backend = classifyBackendLine(t);
    if (backend) {
      b.addBackend(backend, time, t);
      return true;
    }
    let m: RegExpExecArray | null;
    if (t.includes('unregister_netdevice') && (m = NETDEV.exec(t))) {
      b.addNote('netdev-refcount', m[1], time, t);
      return true;
    }
    if ((t.startsWith('Linux version') && (m = LINUX_VERSION.exec(t))) || (t.startsWith('RELEASE: ') && (m = CRASH_RELEASE.exec(t)))) {
      b.evidence.node.kernelRelease ??= m[1];
      return true;
    }
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
      if (cur && time !== '' && !sameEvent(cur.start, timeSeconds(time))) {
        core.finish();
        cur = null;
      }
      if (!cur) {
        const frame = reportFrame(text);
        if (frame) {
          orphan ??= { frames: [], lines: [] };
          if (orphan.frames.length < 200) orphan.frames.push(frame);
          if (orphan.lines.length < 2) orphan.lines.push(t);
          return true;
        }
        endOrphan();
      }
      if (c === 45 /* - */ && CUT_HERE.test(t)) {
        core.finish();
        return true;
      }
      const may = mayTake(t);
      if (!may && !cur) return false;
      // A line let through for a storage word ("EXT4-fs (sda1): mounted ...") is no headline: told in one more scan.
      if (may && mayBeHeadline(t) && detectHeadline(core, t, time)) {
        // A line the open report took (a die line, a kill line, a task it dumps): whatever was cut before it, it goes on.
        if (cur && core.current === cur) cur.cutPending = false;
        return true;
      }
      cur = core.current;
      if (cur && continueReport(core, cur, text, t, time)) {
        cur.cutPending = false;
        return true;
      }
      core.finish();
      return may && standalone(t, time);
    },
    continues(text) {
      const cur = core.current;
      const t = text.trim();
      if (!cur || t === '' || !(reportFrame(text) || isBodyLine(t))) return false;
      if (!continueReport(core, cur, text, t, '')) return false;
      cur.cutPending = false;
      return true;
    },
    cut() {
      markCut();
      endOrphan();
    },
    finish: () => {
      endOrphan();
      core.finish();
    },
  };
}

/** The main function of a kernel thread at the bottom of its stack names the thread. */
const KTHREAD_MAINS: Record<string, string> = {
  kswapd: 'kswapd',
  xfsaild: 'xfsaild',
  worker_thread: 'kworker',
  kjournald2: 'jbd2',
  khugepaged: 'khugepaged',
  kcompactd: 'kcompactd',
  rcu_gp_kthread: 'rcu_gp',
  smpboot_thread_fn: 'ksoftirqd',
  kthreadd: 'kthreadd',
  rescuer_thread: 'kworker',
};

function kernelThreadOf(frames: readonly Frame[]): string | undefined {
  if (!frames.some((f) => f.fn === 'kthread' || f.fn === 'ret_from_fork')) return undefined;
  for (let i = frames.length - 1; i >= 0; i--) {
    const name = KTHREAD_MAINS[frames[i].fn];
    if (name) return name;
  }
  return undefined;
}

export const READER_PATTERNS: readonly RegExp[] = [
  SYSRQ_BLOCKED,
  LINUX_VERSION,
  CRASH_RELEASE,
  CUT_HERE,
  CUT,
  FENCE,
  RSYSLOG_TAB,
  STANDALONE_STARTS,
  STANDALONE_WORDS,
  MAY_START,
  MAY_UPPER,
  MAY_LOWER,
];
