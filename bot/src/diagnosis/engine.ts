import type { Evidence } from '../evidence/evidence';
import { diagnoseOverTime, type RecencyOptions } from './diagnose-over-time';
import { inferFacts } from './infer';
import { nameObjects } from './name-objects';
import type { Diagnosis, Finding, FindingId } from './finding';
import type { Rule } from './rule';
import { ago } from './when-words';
import { containerRuntimeHang } from './rules/container-runtime-hang';
import { frozenCgroup } from './rules/frozen-cgroup';
import { hardLockup } from './rules/hard-lockup';
import { highLoadBlocked } from './rules/high-load-blocked';
import { hungTask } from './rules/hung-task';
import { kernelBug } from './rules/kernel-bug';
import { knownKernelIssue } from './rules/known-kernel-issue';
import { lockContention } from './rules/lock-contention';
import { memcgReclaimLoop } from './rules/memcg-reclaim-loop';
import { netdevRefcountLeak } from './rules/netdev-refcount-leak';
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
import { zombie } from './rules/zombie';

export const RULES: Rule[] = [
  pidnsTeardownBlocked, storageBackendFault, memcgReclaimLoop, knownKernelIssue, kernelBug,
  hardLockup, softLockup, rcuStall, lockContention, oomKill, zombie, frozenCgroup,
  containerRuntimeHang, runtimeKillFailed, uninterruptibleIo, hungTask, highLoadBlocked, procReadBlocked,
  stoppedTask, netdevRefcountLeak, orphanAccumulation,
];

/** Causes before symptoms: a finding that explains others ranks first. */
const CAUSE_ORDER: FindingId[] = RULES.map((r) => r.id);
const SEVERITY = { critical: 0, warning: 1, info: 2 };

/** What is stuck now before what happened before; within each, severity, then causes before symptoms (history: the most recent first). */
export function rankFindings(findings: Finding[]): Finding[] {
  const earlier = (f: Finding): number => (f.when === 'earlier' ? 1 : 0);
  return [...findings].sort((a, b) =>
    earlier(a) - earlier(b) ||
    SEVERITY[a.severity] - SEVERITY[b.severity] ||
    CAUSE_ORDER.indexOf(a.id) - CAUSE_ORDER.indexOf(b.id) ||
    (earlier(a) ? (a.last_seen?.seconds_ago ?? 0) - (b.last_seen?.seconds_ago ?? 0) : 0) ||
    b.confidence - a.confidence);
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
  if (!findings.length) {
    const read = ev.inputs.filter((i) => i.kind !== 'unrecognised').length;
    return read || ev.source === 'snapshot'
      ? 'Nothing stuck: no task in D, no zombies, and no kernel reports of hangs, lockups or OOM kills in this evidence.'
      : 'Nothing in this input could be read as kernel logs, ps/top output, stacks or /proc files.';
  }
  // The headline is what is stuck now; history only when nothing is.
  const now = findings.filter((f) => f.when !== 'earlier');
  if (!now.length) {
    const last = findings[0].last_seen?.seconds_ago;
    return `Nothing stuck now. Earlier: ${findings[0].title}${last !== undefined ? ` (${ago(last, ev.source === 'snapshot' ? 'snapshot' : 'newest line')})` : ''}.`;
  }
  const [first, ...rest] = now;
  const also = [...new Set(rest.filter((f) => f.severity !== 'info' && f.id !== first.id).map((f) => f.id.replace(/-/g, ' ')))].slice(0, 3);
  return `${first.title}${also.length ? `; also ${also.join(' and ')}` : ''}.`;
}
