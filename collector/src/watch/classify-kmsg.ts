import type { KmsgRecord } from '../../../proto/generated/whystuck/v1/KmsgRecord';
import type { KernelReportEvent } from '../../../proto/generated/whystuck/v1/KernelReportEvent';
import { HARD, HUNG, NETDEV, OOM_KILLED, OOM_KILL_LINE, OOM_SELECTED, RCU, SOFT } from '../kmsg/report-patterns';
import { classifyBackendLine } from '../kmsg/backend-patterns';
import { parsePodCgroup } from '../cgroups/parse-pod-cgroup';

export type KernelReport = Required<Pick<KernelReportEvent, 'kind' | 'kmsg_seq' | 'wall_time_unix_ms' | 'headline'>> & KernelReportEvent;

/**
 * Turns kernel log records into classified reports, one per report headline
 * (the call trace that follows is in the kernel log for whoever wants it).
 * Stateful only for the OOM killer, whose report names the memcg a few lines
 * before the line that names the victim.
 */
export function createKmsgClassifier(): (rec: KmsgRecord) => KernelReport | null {
  let oomMemcg: { seq: number; constraint: string; memcg: string } | undefined;

  return (rec) => {
    const text = rec.text ?? '';
    const seq = Number(rec.seq);
    const base = { kmsg_seq: seq, wall_time_unix_ms: Number(rec.wall_time_unix_ms), headline: text.trim() };
    let m: RegExpExecArray | null;
    if ((m = OOM_KILL_LINE.exec(text))) {
      oomMemcg = { seq, constraint: m[1], memcg: m[3] || m[2] || '' };
      return null;
    }
    // "Kill process N (x) score S or sacrifice child" only chooses; the "Killed process" line after it is the kill.
    if (!OOM_SELECTED.test(text) && (m = OOM_KILLED.exec(text))) {
      const memcg = oomMemcg && seq - oomMemcg.seq < 50 ? oomMemcg : undefined;
      oomMemcg = undefined;
      return {
        ...base,
        kind: 'oom-kill',
        pid: Number(m[1] ?? m[3]),
        comm: m[2] ?? m[4],
        detail: memcg?.constraint ?? '',
        cgroup_path: memcg?.memcg ?? '',
        pod_uid: parsePodCgroup(memcg?.memcg ?? '')?.podUid ?? '',
      };
    }
    if ((m = HUNG.exec(text))) return { ...base, kind: 'hung-task', comm: m[1], pid: Number(m[2]) };
    if ((m = SOFT.exec(text))) return { ...base, kind: 'soft-lockup', comm: m[3], pid: Number(m[4]), target: `cpu${m[1]}` };
    if ((m = HARD.exec(text))) return { ...base, kind: 'hard-lockup', target: `cpu${m[1]}` };
    if (RCU.test(text)) return { ...base, kind: 'rcu-stall' };
    if ((m = NETDEV.exec(text))) return { ...base, kind: 'netdev-refcount', target: m[1] };
    const backend = classifyBackendLine(text);
    if (backend) {
      return { ...base, kind: backend.kind === 'io-error' ? 'io-error' : 'storage-backend', detail: backend.kind, target: backend.target };
    }
    return null;
  };
}
