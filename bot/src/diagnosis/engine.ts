import type { Evidence } from '../evidence/evidence';
import { createContext } from './context';
import { inferFacts } from './infer';
import type { Diagnosis, Finding, FindingId } from './finding';
import type { Rule } from './rule';
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
import { softLockup } from './rules/soft-lockup';
import { stoppedTask } from './rules/stopped-task';
import { storageBackendFault } from './rules/storage-backend-fault';
import { uninterruptibleIo } from './rules/uninterruptible-io';
import { zombie } from './rules/zombie';

export const RULES: Rule[] = [
  pidnsTeardownBlocked, storageBackendFault, memcgReclaimLoop, knownKernelIssue, kernelBug,
  hardLockup, softLockup, rcuStall, lockContention, oomKill, zombie, frozenCgroup,
  containerRuntimeHang, uninterruptibleIo, hungTask, highLoadBlocked, procReadBlocked,
  stoppedTask, netdevRefcountLeak, orphanAccumulation,
];

/** Causes before symptoms: a finding that explains others ranks first. */
const CAUSE_ORDER: FindingId[] = RULES.map((r) => r.id);
const SEVERITY = { critical: 0, warning: 1, info: 2 };

export function rankFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) =>
    SEVERITY[a.severity] - SEVERITY[b.severity] ||
    CAUSE_ORDER.indexOf(a.id) - CAUSE_ORDER.indexOf(b.id) ||
    b.confidence - a.confidence);
}

/** Runs every rule on the evidence; a rule that throws is reported, not fatal. */
export function diagnose(ev: Evidence, rules: Rule[] = RULES): Diagnosis {
  inferFacts(ev);
  const ctx = createContext(ev);
  const findings: Finding[] = [];
  for (const rule of rules) {
    try {
      findings.push(...rule.run(ctx));
    } catch (err) {
      ev.missing.push(`rule ${rule.id} failed: ${(err as Error).message}`);
    }
  }
  const ranked = rankFindings(findings);
  return { summary: summarise(ranked, ev), findings: ranked };
}

export function summarise(findings: Finding[], ev: Evidence): string {
  if (!findings.length) {
    const read = ev.inputs.filter((i) => i.kind !== 'unrecognised').length;
    return read || ev.source === 'snapshot'
      ? 'Nothing stuck: no task in D, no zombies, and no kernel reports of hangs, lockups or OOM kills in this evidence.'
      : 'Nothing in this input could be read as kernel logs, ps/top output, stacks or /proc files.';
  }
  const [first, ...rest] = findings;
  const also = [...new Set(rest.filter((f) => f.severity !== 'info' && f.id !== first.id).map((f) => f.id.replace(/-/g, ' ')))].slice(0, 3);
  return `${first.title}${also.length ? `; also ${also.join(' and ')}` : ''}.`;
}
