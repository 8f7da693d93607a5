/** What a rule concludes. The JSON output is these objects as they are. */
export type FindingId =
  | 'pidns-teardown-blocked'
  | 'uninterruptible-io'
  | 'storage-backend-fault'
  | 'hung-task'
  | 'soft-lockup'
  | 'hard-lockup'
  | 'rcu-stall'
  | 'memcg-reclaim-loop'
  | 'oom-kill'
  | 'zombie'
  | 'orphan-accumulation'
  | 'lock-contention'
  | 'netdev-refcount-leak'
  | 'frozen-cgroup'
  | 'kernel-bug'
  | 'known-kernel-issue'
  | 'high-load-blocked'
  | 'stopped-task'
  | 'proc-read-blocked'
  | 'container-runtime-hang'
  | 'finalizer-blocked'
  | 'node-unreachable'
  | 'graceful-termination'
  | 'volume-teardown-blocked'
  | 'runtime-kill-failed';

export type ZombieKind = 'parent-not-reaping' | 'parent-blocked' | 'missing-init' | 'ptraced' | 'fake-zombie' | 'zombie-with-d-thread';

/** trigger: the task whose action set the report off (the OOM invoker, the task running when the kernel oopsed). */
export type Role = 'blocker' | 'waiter' | 'victim' | 'parent' | 'init' | 'trigger';
export type Effective = 'yes' | 'no' | 'unknown';

export interface FindingTask {
  pid: number | null;
  tid: number | null;
  comm: string;
  state: string;
  role: Role;
  podUid?: string;
  startTime?: number;
}

export interface Remediation {
  action: 'signal' | 'manual' | 'kubectl';
  pid?: number;
  /** SIGCHLD only with action 'manual' (advice to send by hand; no button): the collector sends SIGKILL, SIGTERM and SIGCONT. */
  signal?: 'SIGKILL' | 'SIGTERM' | 'SIGCONT' | 'SIGCHLD';
  effective: Effective;
  risk: 'low' | 'medium' | 'high';
  why: string;
  command?: string;
  /** For signals: the identity the collector re-checks before signalling. */
  comm?: string;
  startTime?: number;
}

export interface Finding {
  id: FindingId;
  kind?: ZombieKind;
  severity: 'critical' | 'warning' | 'info';
  confidence: number;
  title: string;
  explanation: string;
  evidence: string[];
  tasks: FindingTask[];
  remediations: Remediation[];
  references: string[];
  /**
   * Set by the engine on every finding (see recency.ts): 'now' for what the
   * evidence shows as current (live tasks in their states, conditions present
   * in the snapshot, the last lines of a paste), 'earlier' for what only the
   * kernel log shows from before. History is never counted as current, never
   * a remediation target.
   */
  when?: When;
  /** When it was last seen: for 'now' the snapshot (or newest line), for 'earlier' its last record. */
  last_seen?: SeenAt;
  /** The oldest record of it: "since at least" for a condition still present, the start of a series of events. */
  first_seen?: SeenAt;
  /** How many times the kernel log recorded it (history grouped into one finding). */
  count?: number;
  /** The grouped history split by place (pod, task, CPU, device), for the "history" follow-up. */
  breakdown?: HistoryPlace[];
}

export type When = 'now' | 'earlier';

export interface SeenAt {
  /** The time as the evidence printed it (monotonic seconds since boot, a syslog or ISO stamp). */
  log_time?: string;
  /** Wall-clock time (ISO-8601, UTC) when the evidence fixes it: live snapshots, stamps with a zone. */
  at?: string;
  /** Seconds before the reference: the snapshot's time, or the newest line of a paste on the same clock. */
  seconds_ago?: number;
}

export interface HistoryPlace {
  /** "pod 6f1c2a4e-…", "stat (pid 9419)", "CPU 3", "rbd3". */
  place: string;
  podUid?: string;
  pids?: number[];
  count: number;
  first_seen: SeenAt;
  last_seen: SeenAt;
  /** What was recorded there, briefly ("python3 (pid 4242), limit 32 MiB"). */
  detail?: string;
}

/** How the history of a diagnosis was chosen and how far back its kernel log reaches. */
export interface HistoryScope {
  /** History kept: the last N seconds before the reference, or all of it. */
  window_seconds: number | 'all';
  /** The window reaches back to the node's boot (it has been up for less than the window). */
  since_boot?: boolean;
  /** The reference every seconds_ago counts from. */
  reference: 'snapshot' | 'newest line';
  reference_at?: SeenAt;
  /** The oldest record of the kernel log read, and whether older ones were lost (overwritten in the ring; the first minute after boot aside). */
  log_from?: SeenAt;
  log_overwritten?: boolean;
  /** History older than the window, grouped the same way ("all history" shows it). */
  older: Finding[];
}

export interface Diagnosis {
  summary: string;
  findings: Finding[];
  /** Absent when the evidence carries no times (a paste without timestamps). */
  history?: HistoryScope;
}
