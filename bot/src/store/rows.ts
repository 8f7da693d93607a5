import type { AuditEntry, Incident, IncidentState } from './store';

/** Rows as both databases return them: PostgreSQL gives BIGINT as text and timestamps as Date. */
type Time = string | Date;
type Int = number | string;

export interface AuditRow {
  id: Int;
  token_id: string;
  at: Time;
  user: string;
  node: string;
  pid: Int;
  start_time: Int;
  comm: string;
  signal: string;
  pod_uid: string | null;
  finding_id: string;
  path: string | null;
  outcome: string | null;
  message: string | null;
  finished_at: Time | null;
}

export interface IncidentRow {
  id: Int;
  key: string;
  node: string;
  pod_uid: string | null;
  finding_id: string;
  summary: string;
  state: string;
  slack_channel: string | null;
  slack_ts: string | null;
  pagerduty_dedup_key: string | null;
  opened_at: Time;
  updated_at: Time;
}

const iso = (t: Time): string => (typeof t === 'string' ? t : t.toISOString());
const opt = <T>(v: T | null): T | undefined => v ?? undefined;

export const auditFromRow = (r: AuditRow): AuditEntry => ({
  id: Number(r.id),
  tokenId: r.token_id,
  at: iso(r.at),
  user: r.user,
  node: r.node,
  pid: Number(r.pid),
  startTime: Number(r.start_time),
  comm: r.comm,
  signal: r.signal,
  podUid: opt(r.pod_uid),
  findingId: r.finding_id,
  path: r.path === 'ssh' ? 'ssh' : 'collector',
  outcome: opt(r.outcome),
  message: opt(r.message),
  finishedAt: r.finished_at === null ? undefined : iso(r.finished_at),
});

export const incidentFromRow = (r: IncidentRow): Incident => ({
  id: Number(r.id),
  key: r.key,
  node: r.node,
  podUid: opt(r.pod_uid),
  findingId: r.finding_id,
  summary: r.summary,
  state: r.state as IncidentState,
  slackChannel: opt(r.slack_channel),
  slackTs: opt(r.slack_ts),
  pagerdutyDedupKey: opt(r.pagerduty_dedup_key),
  openedAt: iso(r.opened_at),
  updatedAt: iso(r.updated_at),
});
