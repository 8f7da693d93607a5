/**
 * Everything the bot must remember across requests, and across replicas when
 * several run behind one Service: the remediation audit log (which is also the
 * record of used action tokens), Slack event ids already handled, thread
 * context, watch-mode incidents and the kernel-log sequence read per node.
 *
 * Two implementations: SQLite (one replica, `npm start`) and PostgreSQL
 * (several replicas). Every write that must happen once is a single
 * INSERT … ON CONFLICT against a unique key, never a read followed by a write.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Where the data lives, without secrets: "SQLite /var/lib/whystuck/audit.db", "PostgreSQL whystuck@db:5432/whystuck". */
  readonly location: string;
  /** What start should log as warnings: a PostgreSQL URL without sslmode, a runtime role that could drop the audit triggers. */
  readonly warnings?: string[];

  /**
   * Writes the intent of a remediation before its signal. The token id is
   * unique: the first caller anywhere gets `new`; every other caller (a double
   * click, a Slack retry, another replica) gets the first caller's row.
   */
  recordIntent(i: AuditIntent): Promise<IntentResult>;
  /** The result after the signal; a row gets its result once. */
  recordResult(id: number, outcome: string, message: string): Promise<void>;
  /** The audit row of an action token: the token has been used iff there is one. */
  auditByToken(tokenId: string): Promise<AuditEntry | undefined>;
  /** Newest first. */
  listAudit(limit?: number): Promise<AuditEntry[]>;
  /**
   * Intents written more than `olderThanMs` ago (by the database's clock) that
   * still have no result: the replica that wrote them stopped between intent
   * and result, or is still waiting for the signal's answer. Oldest first.
   */
  unfinishedIntents(olderThanMs: number, limit?: number): Promise<AuditEntry[]>;
  /**
   * Gives such an intent its result: only while it still has none and is
   * still older than `olderThanMs` (a live replica's in-flight intent is never
   * taken); true for the one caller, on any replica, that wrote it.
   */
  finishUnfinished(id: number, olderThanMs: number, outcome: string, message: string): Promise<boolean>;

  /**
   * Slack event ids: true for the first delivery of an id (this caller handles
   * it), false for a retry or a copy another replica already took. The claim
   * lasts `ttlMs`; expired ids are purged.
   */
  claimEvent(eventId: string, ttlMs: number): Promise<boolean>;

  saveThread(t: ThreadRecord): Promise<void>;
  loadThread(channel: string, ts: string): Promise<ThreadRecord | undefined>;

  /**
   * Opens the incident for `key` (one open incident per key): `new` for the
   * caller that created it, `existing` with the open one otherwise.
   */
  openIncident(i: NewIncident): Promise<{ status: 'new' | 'existing'; incident: Incident }>;
  /** Records the incident's Slack message once; false (and unchanged) when it already has one. */
  setIncidentMessage(id: number, channel: string, ts: string): Promise<boolean>;
  setIncidentDedupKey(id: number, dedupKey: string): Promise<void>;
  /** open → acknowledged → resolved; resolving frees the key for a new incident. */
  setIncidentState(id: number, state: IncidentState): Promise<void>;
  openIncidents(node?: string): Promise<Incident[]>;

  /** Where reading a node's collector watch stream stopped: its journal and the last sequence number handled. */
  kmsgCursor(node: string): Promise<KmsgCursor | undefined>;
  /**
   * Moves a node's cursor forward: within one journal never back (false when
   * it was already at or past `seq`); a different journal (the collector
   * restarted) replaces it. With a fence (watch mode split across replicas),
   * only a writer whose token is the newest stored for the shard moves it:
   * a replica that lost the shard's lease is refused (false).
   */
  advanceKmsgCursor(node: string, cursor: KmsgCursor, fence?: WatchFence): Promise<boolean>;
  /**
   * Records that `fence.holder` now holds the shard with `fence.token` (the
   * lease's transition count): true when the token is newer than the one
   * stored (or the same token of the same holder), false otherwise — two
   * holders never share a token. From then on cursor writes with an older
   * token are refused.
   */
  fenceWatchShard(fence: WatchFence): Promise<boolean>;
  /**
   * The newest fence stored for a shard: a replica taking the shard's lease
   * makes the lease's transition count greater than its token, so a Lease
   * deleted and re-created (its count back at 0) still yields a token the
   * store accepts.
   */
  watchFence(shard: string): Promise<WatchFence | undefined>;

  /** One cheap round trip: readiness. */
  ping(): Promise<StoreHealth>;
  close(): Promise<void>;
}

export type StoreHealth = { status: 'ok'; ms: number } | { status: 'unavailable'; message: string };

export interface AuditIntent {
  tokenId: string;
  user: string;
  node: string;
  pid: number;
  startTime: number;
  comm: string;
  signal: string;
  podUid?: string;
  findingId: string;
  /** What performs the signal: the node's collector (default) or the SSH fallback. */
  path?: 'collector' | 'ssh';
}

export interface AuditEntry extends AuditIntent {
  id: number;
  /** ISO 8601, when the intent was written. */
  at: string;
  outcome?: string;
  message?: string;
  finishedAt?: string;
}

export type IntentResult = { status: 'new'; id: number } | { status: 'duplicate'; previous: AuditEntry };

/**
 * What a thread is about and what follow-ups in it need, as JSON the Slack
 * layer writes and reads (bot/src/slack/thread-record.ts); the store only keeps it.
 */
export interface ThreadRecord {
  channel: string;
  ts: string;
  data: string;
}

/** A watch shard's lease and its fencing token (Lease spec.leaseTransitions when it was taken). */
export interface WatchFence {
  shard: string;
  token: number;
  holder?: string;
}

/** A position in a collector's watch journal (WatchRequest.journal_id / since_seq). */
export interface KmsgCursor {
  journalId: string;
  seq: number;
}

export type IncidentState = 'open' | 'acknowledged' | 'resolved';

export interface NewIncident {
  /** What makes two alerts the same incident, e.g. node/pod uid/finding id. */
  key: string;
  node: string;
  podUid?: string;
  findingId: string;
  summary: string;
}

export interface Incident extends NewIncident {
  id: number;
  state: IncidentState;
  slackChannel?: string;
  slackTs?: string;
  pagerdutyDedupKey?: string;
  openedAt: string;
  updatedAt: string;
}
