import Database from 'better-sqlite3';
import { StoreError } from './errors';
import { MIGRATIONS, type Migration } from './migrations';
import { auditFromRow, incidentFromRow, type AuditRow, type IncidentRow } from './rows';
import type { KmsgCursor, Store, WatchFence } from './store';

/**
 * Applies the migrations not yet recorded, each in an IMMEDIATE transaction
 * (the write lock first, then the check), so two processes starting on one
 * file apply each step once. Returns the versions applied now.
 */
export function migrateSqlite(db: Database.Database, migrations: Migration[] = MIGRATIONS): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied: number[] = [];
  const done = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    try {
      db.transaction(() => {
        if (done.get(m.version)) return;
        if (typeof m.sqlite === 'string') db.exec(m.sqlite);
        else m.sqlite(db);
        record.run(m.version, m.name, new Date().toISOString());
        applied.push(m.version);
      }).immediate();
    } catch (err) {
      throw new StoreError(
        'MIGRATION_FAILED',
        `SQLite migration ${m.version} (${m.name}) failed and was rolled back: ${(err as Error).message}. Nothing of it was applied; fix the cause (a read-only file or a full disk?) and restart.`,
      );
    }
  }
  return applied;
}

/** The embedded store: one file, WAL, a 5 s busy timeout for a second process on the same file. */
export function openSqliteStore(
  path: string,
): Store & { readonly migrated: number[]; /** The connection's settings, read back (tests, diagnostics). */ settings(): { recursiveTriggers: boolean; journalMode: string } } {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  // Without it, a REPLACE that deletes a conflicting row fires no DELETE trigger: `INSERT OR REPLACE INTO
  // remediation_audit` with a used token id would silently replace an intent and its result. With it, the
  // append-only trigger refuses. (A connection setting: it guards what this process writes.)
  db.pragma('recursive_triggers = ON');
  const migrated = migrateSqlite(db);
  const now = (): string => new Date().toISOString();

  const insertIntent = db.prepare(`INSERT INTO remediation_audit (token_id, at, user, node, pid, start_time, comm, signal, pod_uid, finding_id, path)
    VALUES (@tokenId, @at, @user, @node, @pid, @startTime, @comm, @signal, @podUid, @findingId, @path) ON CONFLICT(token_id) DO NOTHING`);
  const byToken = db.prepare('SELECT * FROM remediation_audit WHERE token_id = ?');
  const finish = db.prepare('UPDATE remediation_audit SET outcome = ?, message = ?, finished_at = ? WHERE id = ? AND outcome IS NULL');
  const recent = db.prepare('SELECT * FROM remediation_audit ORDER BY id DESC LIMIT ?');
  const unfinished = db.prepare('SELECT * FROM remediation_audit WHERE outcome IS NULL AND at < ? ORDER BY at, id LIMIT ?');
  const finishOld = db.prepare('UPDATE remediation_audit SET outcome = ?, message = ?, finished_at = ? WHERE id = ? AND outcome IS NULL AND at < ?');
  const cutoff = (olderThanMs: number): string => new Date(Date.now() - olderThanMs).toISOString();
  // A claim takes a new id, or an expired one back; a live claim is left alone.
  const claim = db.prepare(`INSERT INTO slack_events (event_id, expires_at) VALUES (?, ?)
    ON CONFLICT(event_id) DO UPDATE SET expires_at = excluded.expires_at WHERE slack_events.expires_at <= ?`);
  const purgeEvents = db.prepare('DELETE FROM slack_events WHERE expires_at <= ?');
  const putThread = db.prepare(`INSERT INTO threads (channel, ts, data, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT(channel, ts) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`);
  const getThread = db.prepare('SELECT channel, ts, data FROM threads WHERE channel = ? AND ts = ?');
  const insertIncident = db.prepare(`INSERT INTO incidents (key, node, pod_uid, finding_id, summary, state, opened_at, updated_at)
    VALUES (@key, @node, @podUid, @findingId, @summary, 'open', @at, @at) ON CONFLICT(key) WHERE state <> 'resolved' DO NOTHING`);
  const openByKey = db.prepare("SELECT * FROM incidents WHERE key = ? AND state <> 'resolved'");
  const incidentById = db.prepare('SELECT * FROM incidents WHERE id = ?');
  const setMessage = db.prepare('UPDATE incidents SET slack_channel = ?, slack_ts = ?, updated_at = ? WHERE id = ? AND slack_ts IS NULL');
  const setDedup = db.prepare('UPDATE incidents SET pagerduty_dedup_key = ?, updated_at = ? WHERE id = ?');
  const setState = db.prepare("UPDATE incidents SET state = ?, updated_at = ? WHERE id = ? AND state <> 'resolved'");
  const openAll = db.prepare("SELECT * FROM incidents WHERE state <> 'resolved' ORDER BY id");
  const openOnNode = db.prepare("SELECT * FROM incidents WHERE state <> 'resolved' AND node = ? ORDER BY id");
  const getCursor = db.prepare('SELECT journal_id, seq FROM kmsg_cursors WHERE node = ?');
  const putCursor = db.prepare(`INSERT INTO kmsg_cursors (node, journal_id, seq, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT(node) DO UPDATE SET journal_id = excluded.journal_id, seq = excluded.seq, updated_at = excluded.updated_at
    WHERE kmsg_cursors.journal_id <> excluded.journal_id OR kmsg_cursors.seq < excluded.seq`);
  const fenceOk = db.prepare('SELECT 1 FROM watch_fences WHERE shard = ? AND token <= ?');
  const putFence = db.prepare(`INSERT INTO watch_fences (shard, token, holder, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT(shard) DO UPDATE SET token = excluded.token, holder = excluded.holder, updated_at = excluded.updated_at
    WHERE watch_fences.token < excluded.token OR (watch_fences.token = excluded.token AND watch_fences.holder IS excluded.holder)`);
  const getFence = db.prepare('SELECT shard, token, holder FROM watch_fences WHERE shard = ?');
  const fencedAdvance = db.transaction(
    (node: string, c: KmsgCursor, f: WatchFence): boolean => fenceOk.get(f.shard, f.token) !== undefined && putCursor.run(node, c.journalId, c.seq, now()).changes === 1,
  );
  let lastPurge = 0;

  return {
    kind: 'sqlite',
    location: `SQLite ${path}`,
    migrated,
    settings: () => ({ recursiveTriggers: db.pragma('recursive_triggers', { simple: true }) === 1, journalMode: String(db.pragma('journal_mode', { simple: true })) }),
    async recordIntent(i) {
      const info = insertIntent.run({ ...i, podUid: i.podUid ?? null, path: i.path ?? 'collector', at: now() });
      if (info.changes === 1) return { status: 'new', id: Number(info.lastInsertRowid) };
      return { status: 'duplicate', previous: auditFromRow(byToken.get(i.tokenId) as AuditRow) };
    },
    async recordResult(id, outcome, message) {
      finish.run(outcome, message, now(), id);
    },
    async auditByToken(tokenId) {
      const row = byToken.get(tokenId) as AuditRow | undefined;
      return row ? auditFromRow(row) : undefined;
    },
    listAudit: async (limit = 50) => (recent.all(limit) as AuditRow[]).map(auditFromRow),
    unfinishedIntents: async (olderThanMs, limit = 100) => (unfinished.all(cutoff(olderThanMs), limit) as AuditRow[]).map(auditFromRow),
    async finishUnfinished(id, olderThanMs, outcome, message) {
      return finishOld.run(outcome, message, now(), id, cutoff(olderThanMs)).changes === 1;
    },
    async claimEvent(eventId, ttlMs) {
      const t = Date.now();
      if (t - lastPurge > 60_000) {
        lastPurge = t;
        purgeEvents.run(t);
      }
      return claim.run(eventId, t + ttlMs, t).changes === 1;
    },
    async saveThread(r) {
      putThread.run(r.channel, r.ts, r.data, now());
    },
    async loadThread(channel, ts) {
      return (getThread.get(channel, ts) as { channel: string; ts: string; data: string } | undefined) ?? undefined;
    },
    async openIncident(i) {
      const info = insertIncident.run({ ...i, podUid: i.podUid ?? null, at: now() });
      const row = (info.changes === 1 ? incidentById.get(info.lastInsertRowid) : openByKey.get(i.key)) as IncidentRow;
      return { status: info.changes === 1 ? 'new' : 'existing', incident: incidentFromRow(row) };
    },
    async setIncidentMessage(id, channel, ts) {
      return setMessage.run(channel, ts, now(), id).changes === 1;
    },
    async setIncidentDedupKey(id, dedupKey) {
      setDedup.run(dedupKey, now(), id);
    },
    async setIncidentState(id, state) {
      setState.run(state, now(), id);
    },
    openIncidents: async (node) => ((node === undefined ? openAll.all() : openOnNode.all(node)) as IncidentRow[]).map(incidentFromRow),
    async kmsgCursor(node) {
      const row = getCursor.get(node) as { journal_id: string; seq: number } | undefined;
      return row && { journalId: row.journal_id, seq: row.seq };
    },
    async advanceKmsgCursor(node, c, fence) {
      if (fence) return fencedAdvance(node, c, fence);
      return putCursor.run(node, c.journalId, c.seq, now()).changes === 1;
    },
    async fenceWatchShard(f) {
      return putFence.run(f.shard, f.token, f.holder ?? null, now()).changes === 1;
    },
    async watchFence(shard) {
      const row = getFence.get(shard) as { shard: string; token: number; holder: string | null } | undefined;
      return row && { shard: row.shard, token: Number(row.token), ...(row.holder !== null ? { holder: row.holder } : {}) };
    },
    async ping() {
      const t0 = performance.now();
      try {
        db.prepare('SELECT 1').get();
        return { status: 'ok', ms: performance.now() - t0 };
      } catch (err) {
        return { status: 'unavailable', message: `SQLite ${path}: ${(err as Error).message}` };
      }
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
