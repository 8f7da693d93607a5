/** What a rule concludes. The JSON output is these objects as they are. */
export type FindingId =
  | 'pidns-teardown-blocked' | 'uninterruptible-io' | 'storage-backend-fault' | 'hung-task'
  | 'soft-lockup' | 'hard-lockup' | 'rcu-stall' | 'memcg-reclaim-loop' | 'oom-kill' | 'zombie'
  | 'orphan-accumulation' | 'lock-contention' | 'netdev-refcount-leak' | 'frozen-cgroup'
  | 'kernel-bug' | 'known-kernel-issue' | 'high-load-blocked' | 'stopped-task'
  | 'proc-read-blocked' | 'container-runtime-hang';

export type ZombieKind =
  | 'parent-not-reaping' | 'parent-blocked' | 'missing-init' | 'ptraced' | 'fake-zombie' | 'zombie-with-d-thread';

export type Role = 'blocker' | 'waiter' | 'victim' | 'parent' | 'init';
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
  signal?: 'SIGKILL' | 'SIGTERM' | 'SIGCONT';
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
}

export interface Diagnosis {
  summary: string;
  findings: Finding[];
}
