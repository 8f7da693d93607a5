import type { Evidence } from '../evidence/evidence';
import { pidOf } from '../evidence/evidence';
import { summarise } from './engine';
import type { Diagnosis, Finding, HistoryPlace } from './finding';
import { scopeGrouped } from './scope-history';

const NODE_WIDE = new Set(['storage-backend-fault', 'known-kernel-issue', 'high-load-blocked']);

export type ScopeResult = { status: 'ok'; diagnosis: Diagnosis } | { status: 'not-found'; message: string };

/** Narrows a whole-node diagnosis to one process or one pod (node-wide causes kept when they apply). */
export function scopeDiagnosis(ev: Evidence, d: Diagnosis, scope: { pid?: number; podUid?: string }): ScopeResult {
  let keep: (f: Finding) => boolean;
  let place: (p: HistoryPlace) => boolean;
  if (scope.pid !== undefined) {
    const pid = scope.pid;
    const task = ev.tasks.find((t) => t.tid === pid);
    if (!task) {
      // A partial snapshot cannot say a task is gone: say why it may be missing instead.
      const partial = ev.missing.find((m) => /task scan stalled/.test(m));
      return { status: 'not-found', message: partial ? `pid ${pid} is not in this snapshot, which is incomplete (${partial}); ask again` : `pid ${pid} is not on this machine (it may have exited)` };
    }
    const tgid = pidOf(task);
    // History about this pid from before the task started was about another process (the pid was reused).
    const startedAt = task.startTime !== undefined && ev.clock?.clockTicksPerSecond && ev.clock.uptimeSeconds ? ev.clock.uptimeSeconds - task.startTime / ev.clock.clockTicksPerSecond : undefined;
    const before = (f: Finding): boolean => f.when === 'earlier' && startedAt !== undefined && (f.last_seen?.seconds_ago ?? 0) > startedAt + 1;
    keep = (f) => f.tasks.some((t) => t.pid === tgid || t.tid === pid) && !before(f);
    place = (p) => (p.pids ?? []).some((x) => x === tgid || x === pid);
  } else if (scope.podUid !== undefined) {
    const uid = scope.podUid.toLowerCase();
    const pods = [...new Set(ev.tasks.map((t) => t.podUid).filter(Boolean))] as string[];
    const match = pods.filter((p) => p.startsWith(uid));
    if (match.length !== 1) {
      return {
        status: 'not-found',
        message:
          match.length > 1
            ? `pod UID prefix ${uid} matches ${match.length} pods: ${match.join(', ')}`
            : `no tasks of pod ${uid} on this machine${pods.length ? ` (pods here: ${pods.slice(0, 10).join(', ')})` : ' (no pod cgroups found)'}`,
      };
    }
    keep = (f) => f.tasks.some((t) => t.podUid === match[0]);
    place = (p) => p.podUid === match[0];
  } else {
    return { status: 'ok', diagnosis: d };
  }
  // A grouped history finding keeps only the scope's own records (its pod's OOM kills, not the node's).
  const reference = d.history?.reference ?? (ev.source === 'snapshot' ? 'snapshot' : 'newest line');
  const own = d.findings
    .filter(keep)
    .map((f) => scopeGrouped(f, place, reference))
    .filter((f): f is Finding => f !== undefined);
  // The scope's own findings lead; node-wide causes that do not involve it follow as context
  // (a FUSE daemon hung elsewhere on the node does not explain this pod's zombies).
  const context = own.length ? [...own, ...d.findings.filter((f) => !keep(f) && NODE_WIDE.has(f.id))] : [];
  // What is stuck now before history, the order otherwise kept.
  const findings = [...context.filter((f) => f.when !== 'earlier'), ...context.filter((f) => f.when === 'earlier')];
  const summary = findings.length ? summarise(findings, ev) : describeHealthy(ev, scope);
  const history = d.history && {
    ...d.history,
    older: d.history.older
      .filter(keep)
      .map((f) => scopeGrouped(f, place, reference))
      .filter((f): f is Finding => f !== undefined),
  };
  return { status: 'ok', diagnosis: { summary, findings, ...(history ? { history } : {}) } };
}

function describeHealthy(ev: Evidence, scope: { pid?: number; podUid?: string }): string {
  if (scope.pid !== undefined) {
    const t = ev.tasks.find((x) => x.tid === scope.pid)!;
    return `Nothing stuck about ${t.comm} (pid ${scope.pid}): it is in state ${t.state ?? '?'}${t.wchan ? ` at ${t.wchan}` : ''}, and no finding involves it.`;
  }
  const n = ev.tasks.filter((t) => t.podUid && t.podUid.startsWith((scope.podUid ?? '').toLowerCase())).length;
  return `Nothing stuck in pod ${scope.podUid}: ${n} tasks, none in D, no zombies, no kernel reports about them.`;
}
