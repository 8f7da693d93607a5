import type { WatchEvent__Output } from '../../../proto/generated/whystuck/v1/WatchEvent';

/** Kernel-log report kinds and persistent-condition kinds, as the collector's Watch stream names them. */
export const KERNEL_KINDS = ['hung-task', 'soft-lockup', 'hard-lockup', 'rcu-stall', 'oom-kill', 'io-error', 'storage-backend', 'netdev-refcount'] as const;
export const CONDITION_KINDS = ['d-pileup', 'zombie-growth', 'pidns-teardown', 'frozen-pod'] as const;
export const ALERT_KINDS: readonly string[] = [...KERNEL_KINDS, ...CONDITION_KINDS];

export type Severity = 'critical' | 'warning';

export interface KindInfo {
  title: string;
  /** The finding id of the diagnosis that explains it (incidents and PagerDuty dedup keys carry it). */
  findingId: string;
  severity: Severity;
  /** Incidents of this kind are told apart by the device, server or netdev the report names. */
  byTarget?: boolean;
}

const KINDS: Record<string, KindInfo> = {
  'hung-task': { title: 'Hung task', findingId: 'hung-task', severity: 'critical' },
  'soft-lockup': { title: 'Soft lockup', findingId: 'soft-lockup', severity: 'critical' },
  'hard-lockup': { title: 'Hard lockup', findingId: 'hard-lockup', severity: 'critical' },
  'rcu-stall': { title: 'RCU stall', findingId: 'rcu-stall', severity: 'critical' },
  'oom-kill': { title: 'OOM kill', findingId: 'oom-kill', severity: 'warning' },
  'io-error': { title: 'I/O errors', findingId: 'storage-backend-fault', severity: 'warning', byTarget: true },
  'storage-backend': { title: 'Storage backend fault', findingId: 'storage-backend-fault', severity: 'critical', byTarget: true },
  'netdev-refcount': { title: 'unregister_netdevice waits (netdev reference leak)', findingId: 'netdev-refcount-leak', severity: 'warning', byTarget: true },
  'd-pileup': { title: 'D-state pile-up', findingId: 'uninterruptible-io', severity: 'critical' },
  'zombie-growth': { title: 'Zombies piling up', findingId: 'zombie', severity: 'warning' },
  'pidns-teardown': { title: 'PID-namespace teardown stuck', findingId: 'pidns-teardown-blocked', severity: 'critical' },
  'frozen-pod': { title: 'Frozen pod', findingId: 'frozen-cgroup', severity: 'warning' },
};

/** Kinds that page at once unless configured otherwise: the critical ones. */
export const DEFAULT_PAGE_KINDS: readonly string[] = Object.entries(KINDS)
  .filter(([, k]) => k.severity === 'critical')
  .map(([kind]) => kind);

/** One watch event as the alerting side needs it: which incident, what happened, in words. */
export interface AlertEvent {
  node: string;
  kind: string;
  /** report: a kernel-log report; raise / clear: a persistent condition began to hold / ended. */
  action: 'report' | 'raise' | 'clear';
  /** The incident it belongs to: node, kind and pod (or device / server for storage and netdev reports). */
  key: string;
  podUid?: string;
  target?: string;
  findingId: string;
  severity: Severity;
  title: string;
  /** The report's headline, or the condition in plain words. */
  text: string;
  /** When it happened: the kernel's time for a report, when the condition began for a raise, when it was seen gone for a clear. */
  atMs: number;
  pid?: number;
  comm?: string;
  count?: number;
  pids?: number[];
  /** Kernel reports: the /dev/kmsg sequence number (replays are told apart by it). */
  kmsgSeq?: number;
  /** When the collector recorded it (WatchEvent.at_unix_ms). */
  seenMs?: number;
}

/** Title, finding id and severity of a kind (an unknown kind: its name, a warning). */
export const kindInfo = (kind: string): KindInfo => KINDS[kind] ?? { title: kind, findingId: kind, severity: 'warning' };
const info = kindInfo;

export function incidentKey(node: string, kind: string, podUid?: string, target?: string): string {
  return `${node}|${kind}|${podUid || target || '-'}`;
}

/** The alert view of a kernel report or condition event; undefined for lost events and heartbeats. */
export function alertEventFrom(node: string, ev: WatchEvent__Output): AlertEvent | undefined {
  const r = ev.kernel_report;
  if (ev.event === 'kernel_report' && r) {
    const k = info(r.kind);
    const target = k.byTarget ? r.target || undefined : undefined;
    return {
      node,
      kind: r.kind,
      action: 'report',
      key: incidentKey(node, r.kind, r.pod_uid, target),
      podUid: r.pod_uid || undefined,
      target: r.target || undefined,
      findingId: k.findingId,
      severity: k.severity,
      title: k.title,
      text: r.headline,
      atMs: Number(r.wall_time_unix_ms) || Number(ev.at_unix_ms),
      pid: r.pid || undefined,
      comm: r.comm || undefined,
      kmsgSeq: Number(r.kmsg_seq),
      seenMs: Number(ev.at_unix_ms) || undefined,
    };
  }
  const c = ev.condition;
  if (ev.event === 'condition' && c) {
    const k = info(c.kind);
    const cleared = c.state === 'CLEARED';
    return {
      node,
      kind: c.kind,
      action: cleared ? 'clear' : 'raise',
      key: incidentKey(node, c.kind, c.pod_uid),
      podUid: c.pod_uid || undefined,
      findingId: k.findingId,
      severity: k.severity,
      title: k.title,
      text: c.detail || `${c.kind} ${c.state.toLowerCase()}`,
      atMs: cleared ? Number(ev.at_unix_ms) : Number(c.since_unix_ms) || Number(ev.at_unix_ms),
      count: c.count,
      pids: [...c.pids],
      seenMs: Number(ev.at_unix_ms) || undefined,
    };
  }
  return undefined;
}
