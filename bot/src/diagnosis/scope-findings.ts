import type { Evidence } from '../evidence/evidence';
import { pidOf } from '../evidence/evidence';
import { summarise } from './engine';
import type { Diagnosis, Finding } from './finding';

const NODE_WIDE = new Set(['storage-backend-fault', 'known-kernel-issue', 'high-load-blocked']);

export type ScopeResult = { status: 'ok'; diagnosis: Diagnosis } | { status: 'not-found'; message: string };

/** Narrows a whole-node diagnosis to one process or one pod (node-wide causes kept when they apply). */
export function scopeDiagnosis(ev: Evidence, d: Diagnosis, scope: { pid?: number; podUid?: string }): ScopeResult {
  let keep: (f: Finding) => boolean;
  if (scope.pid !== undefined) {
    const pid = scope.pid;
    const task = ev.tasks.find((t) => t.tid === pid) ;
    if (!task) {
      // A partial snapshot cannot say a task is gone: say why it may be missing instead.
      const partial = ev.missing.find((m) => /task scan stalled/.test(m));
      return { status: 'not-found', message: partial ? `pid ${pid} is not in this snapshot, which is incomplete (${partial}); ask again` : `pid ${pid} is not on this machine (it may have exited)` };
    }
    const tgid = pidOf(task);
    keep = (f) => f.tasks.some((t) => t.pid === tgid || t.tid === pid);
  } else if (scope.podUid !== undefined) {
    const uid = scope.podUid.toLowerCase();
    const pods = [...new Set(ev.tasks.map((t) => t.podUid).filter(Boolean))] as string[];
    const match = pods.filter((p) => p.startsWith(uid));
    if (match.length !== 1) {
      return { status: 'not-found', message: match.length > 1 ? `pod UID prefix ${uid} matches ${match.length} pods: ${match.join(', ')}` : `no tasks of pod ${uid} on this machine${pods.length ? ` (pods here: ${pods.slice(0, 10).join(', ')})` : ' (no pod cgroups found)'}` };
    }
    keep = (f) => f.tasks.some((t) => t.podUid === match[0]);
  } else {
    return { status: 'ok', diagnosis: d };
  }
  const own = d.findings.filter(keep);
  // The scope's own findings lead; node-wide causes that do not involve it follow as context
  // (a FUSE daemon hung elsewhere on the node does not explain this pod's zombies).
  const findings = own.length ? [...own, ...d.findings.filter((f) => !keep(f) && NODE_WIDE.has(f.id))] : [];
  const summary = findings.length ? summarise(findings, ev) : describeHealthy(ev, scope);
  return { status: 'ok', diagnosis: { summary, findings } };
}

function describeHealthy(ev: Evidence, scope: { pid?: number; podUid?: string }): string {
  if (scope.pid !== undefined) {
    const t = ev.tasks.find((x) => x.tid === scope.pid)!;
    return `Nothing stuck about ${t.comm} (pid ${scope.pid}): it is in state ${t.state ?? '?'}${t.wchan ? ` at ${t.wchan}` : ''}, and no finding involves it.`;
  }
  const n = ev.tasks.filter((t) => t.podUid && t.podUid.startsWith((scope.podUid ?? '').toLowerCase())).length;
  return `Nothing stuck in pod ${scope.podUid}: ${n} tasks, none in D, no zombies, no kernel reports about them.`;
}
