import type { Evidence } from '../evidence/evidence';
import { diagnoseOverTime, type RecencyOptions } from './diagnose-over-time';
import { inferFacts } from './infer';
import { nameObjects } from './name-objects';
import type { Diagnosis, Finding, FindingId } from './finding';
import type { Rule } from './rule';
import { ago } from './when-words';
import { containerRuntimeHang } from './rules/container-runtime-hang';
import { finalizerBlocked } from './rules/finalizer-blocked';
import { frozenCgroup } from './rules/frozen-cgroup';
import { gracefulTermination } from './rules/graceful-termination';
import { hardLockup } from './rules/hard-lockup';
import { highLoadBlocked } from './rules/high-load-blocked';
import { hungTask } from './rules/hung-task';
import { kernelBug } from './rules/kernel-bug';
import { knownKernelIssue } from './rules/known-kernel-issue';
import { lockContention } from './rules/lock-contention';
import { memcgReclaimLoop } from './rules/memcg-reclaim-loop';
import { netdevRefcountLeak } from './rules/netdev-refcount-leak';
import { nodeUnreachable } from './rules/node-unreachable';
import { oomKill } from './rules/oom-kill';
import { orphanAccumulation } from './rules/orphan-accumulation';
import { pidnsTeardownBlocked } from './rules/pidns-teardown-blocked';
import { procReadBlocked } from './rules/proc-read-blocked';
import { rcuStall } from './rules/rcu-stall';
import { runtimeKillFailed } from './rules/runtime-kill-failed';
import { softLockup } from './rules/soft-lockup';
import { stoppedTask } from './rules/stopped-task';
import { storageBackendFault } from './rules/storage-backend-fault';
import { uninterruptibleIo } from './rules/uninterruptible-io';
import { volumeTeardownBlocked } from './rules/volume-teardown-blocked';
import { zombie } from './rules/zombie';

/**
 * A stuck pod is answered top down (ARCHITECTURE.md, "A stuck pod has layers"): a node that does not
 * answer first (nothing on it can act), then the kernel, runtime and volume layers the kubelet waits on,
 * then a grace period still running, and last a finalizer (what remains once the kubelet is done).
 */
export const RULES: Rule[] = [
  nodeUnreachable,
  pidnsTeardownBlocked,
  storageBackendFault,
  memcgReclaimLoop,
  knownKernelIssue,
  kernelBug,
  hardLockup,
  softLockup,
  rcuStall,
  lockContention,
  oomKill,
  zombie,
  frozenCgroup,
  containerRuntimeHang,
  runtimeKillFailed,
  volumeTeardownBlocked,
  uninterruptibleIo,
  hungTask,
  highLoadBlocked,
  procReadBlocked,
  stoppedTask,
  netdevRefcountLeak,
  orphanAccumulation,
  gracefulTermination,
  finalizerBlocked,
];

/** Causes before symptoms: a finding that explains others ranks first. */
const CAUSE_ORDER: FindingId[] = RULES.map((r) => r.id);
const SEVERITY = { critical: 0, warning: 1, info: 2 };

/** What is stuck now before what happened before; within each, severity, then causes before symptoms (history: the most recent first). */
export function rankFindings(findings: Finding[]): Finding[] {
  const earlier = (f: Finding): number => (f.when === 'earlier' ? 1 : 0);
  return [...findings].sort(
    (a, b) =>
      earlier(a) - earlier(b) ||
      SEVERITY[a.severity] - SEVERITY[b.severity] ||
      CAUSE_ORDER.indexOf(a.id) - CAUSE_ORDER.indexOf(b.id) ||
      (earlier(a) ? (a.last_seen?.seconds_ago ?? 0) - (b.last_seen?.seconds_ago ?? 0) : 0) ||
      b.confidence - a.confidence,
  );
}

/**
 * Runs every rule on the evidence (a rule that throws is reported, not
 * fatal), separately on its present and on each group of its history
 * (diagnose-over-time.ts): every finding says when.
 */
export function diagnose(ev: Evidence, rules: Rule[] = RULES, opts: RecencyOptions = {}): Diagnosis {
  inferFacts(ev);
  const { findings, history } = diagnoseOverTime(ev, rules, opts);
  const ranked = rankFindings(findings);
  nameObjects(ranked, ev);
  return { summary: summarise(ranked, ev), findings: ranked, ...(history ? { history } : {}) };
}

export function summarise(findings: Finding[], ev: Evidence): string {
  if (!findings.length) return nothingFound(ev);
  // The headline is what is stuck now; history only when nothing is.
  const now = findings.filter((f) => f.when !== 'earlier');
  if (!now.length) {
    const last = findings[0].last_seen?.seconds_ago;
    const dated = last === undefined || /most recent|\bago\b|before the last line/.test(findings[0].title);
    return `Nothing stuck now. Earlier: ${findings[0].title}${dated ? '' : ` (${ago(last, ev.source === 'snapshot' ? 'snapshot' : 'newest line')})`}.`;
  }
  const [first, ...rest] = now;
  const also = [...new Set(rest.filter((f) => f.severity !== 'info' && f.id !== first.id).map((f) => f.id.replace(/-/g, ' ')))].slice(0, 3);
  return `${first.title}${also.length ? `; also ${also.join(' and ')}` : ''}.`;
}

/** Kinds of input that are words about the evidence, not evidence. */
const NOT_EVIDENCE = new Set(['unrecognised', 'prose', 'command']);

/**
 * No finding. "Nothing stuck" only when evidence was read and nothing of it
 * was left unread; otherwise say what could not be read, and what the text
 * claims that the input does not show.
 */
function nothingFound(ev: Evidence): string {
  const read = ev.inputs.filter((i) => !NOT_EVIDENCE.has(i.kind) && !i.kind.startsWith('unread')).length;
  const unread = [...ev.inputs.filter((i) => i.kind.startsWith('unread')).map((i) => ({ lines: i.lines, reason: i.kind.replace(/^unread:\s*/, '') })), ...ev.unreadable].sort(
    (a, b) => a.lines[0] - b.lines[0],
  );
  const span = (l: [number, number]): string => (l[0] === l[1] ? `line ${l[0]}` : `lines ${l[0]}–${l[1]}`);
  const unreadText = unread.length
    ? ` Could not read ${unread
        .slice(0, 3)
        .map((u) => `${span(u.lines)} (${u.reason})`)
        .join(', ')}${unread.length > 3 ? ` and ${unread.length - 3} more places` : ''}: a finding may be in there.`
    : '';
  const claims = ev.stated.filter((f) => f.kind !== 'upstream-defect');
  const claimText = claims.length
    ? ` The text says "${claims[0].text.slice(0, 120)}"${claims.length > 1 ? ` (and ${claims.length - 1} more such statement${claims.length > 2 ? 's' : ''})` : ''}, but the input holds no evidence of it: paste \`ps -eLo pid,tid,ppid,stat,wchan:32,comm\`, the kernel stacks (\`cat /proc/PID/stack\`) or \`dmesg -T\`.`
    : '';
  if (ev.source === 'snapshot' && !unread.length) return 'Nothing stuck: no task in D, no zombies, and no kernel reports of hangs, lockups or OOM kills in this evidence.';
  if (!read) return `Nothing in this input could be read as kernel logs, ps/top output, stacks or /proc files.${unreadText}${claimText}`;
  if (unread.length || claims.length) return `Nothing stuck in what could be read.${unreadText}${claimText}`;
  return 'Nothing stuck: no task in D, no zombies, and no kernel reports of hangs, lockups or OOM kills in this evidence.';
}
