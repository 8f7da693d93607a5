import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { Task } from '../../../proto/generated/whystuck/v1/Task';

/** What an incident was about, as far as a fresh look can check it. */
export interface IncidentSubject {
  kind: string;
  podUid?: string;
  /** The task a hung-task report named. */
  pid?: number;
}

/**
 * Whether a fresh snapshot still shows what an incident is about. Looser than
 * the collector's thresholds on purpose (one D task keeps a pile-up open), so
 * a quiet period never resolves something still there. Reports that leave no
 * state behind (lockups, RCU stalls, I/O errors, netdev leaks) are gone once
 * the kernel stopped reporting them.
 */
export function stillThere(s: IncidentSubject, snap: SnapshotResponse): boolean {
  const inScope = (t: Task): boolean => (s.podUid ? t.pod_uid === s.podUid : true);
  const tasks = (snap.tasks ?? []).filter(inScope);
  const waitsIn = (t: Task, fn: string): boolean => t.wchan === fn || (t.stack ?? []).some((f) => f.function === fn);
  switch (s.kind) {
    case 'hung-task':
      return s.pid ? tasks.some((t) => t.tid === s.pid && t.state === 'D') : tasks.some((t) => t.state === 'D');
    case 'd-pileup':
      return tasks.some((t) => t.state === 'D');
    case 'zombie-growth':
      return tasks.some((t) => t.state === 'Z' && t.tid === t.pid);
    case 'pidns-teardown':
      return tasks.some((t) => t.is_pid_ns_init && waitsIn(t, 'zap_pid_ns_processes'));
    case 'frozen-pod':
      return (snap.node?.freezers ?? []).some((f) => f.state === 'FROZEN' && (!s.podUid || f.pod_uid === s.podUid));
    case 'oom-kill':
      return (snap.node?.memcg_oom ?? []).some((m) => m.under_oom && (!s.podUid || m.pod_uid === s.podUid));
    default:
      return false;
  }
}
