import { Pool, type PoolClient } from 'pg';
import { describeDatabaseUrl } from './database-url';
import { StoreError } from './errors';
import { MIGRATIONS, type Migration } from './migrations';
import { auditFromRow, incidentFromRow, type AuditRow, type IncidentRow } from './rows';
import type { Store } from './store';

/** pg_advisory_xact_lock key taken by every migration transaction: replicas starting together migrate one after the other. */
const MIGRATION_LOCK = 0x77687973; // "whys"

/**
 * Applies the migrations not yet recorded, each in its own transaction that
 * first takes the migration lock, then checks schema_migrations: a step is
 * applied once even when several replicas start at the same moment.
 */
export async function migratePostgres(client: PoolClient, migrations: Migration[] = MIGRATIONS): Promise<number[]> {
  const applied: number[] = [];
  for (const m of migrations) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
      const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (!done.rowCount) {
        await client.query(m.postgres);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        applied.push(m.version);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new StoreError('MIGRATION_FAILED', `PostgreSQL migration ${m.version} (${m.name}) failed and was rolled back: ${(err as Error).message}. Nothing of it was applied; fix the cause (often: the database user needs CREATE on the schema) and restart.`);
    }
  }
  return applied;
}

export interface PostgresStoreOptions {
  url: string;
  /** Connections per replica (default 10). */
  poolSize?: number;
  connectTimeoutMs?: number;
  /** Server-side limit for one statement (default 10 s). */
  statementTimeoutMs?: number;
  /** Pool errors of idle clients (the server restarted): logged, never thrown. */
  onError?(err: Error): void;
}

/** The shared store of several replicas: a pg Pool; migrations run before the first use. */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<Store & { readonly migrated: number[] }> {
  const location = `PostgreSQL ${describeDatabaseUrl(opts.url)}`;
  const pool = new Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    statement_timeout: opts.statementTimeoutMs ?? 10_000,
    application_name: 'whystuck',
  });
  pool.on('error', (err) => opts.onError?.(err));
  let migrated: number[];
  try {
    const client = await pool.connect();
    try { migrated = await migratePostgres(client); } finally { client.release(); }
  } catch (err) {
    await pool.end().catch(() => undefined);
    if (err instanceof StoreError) throw err;
    throw new StoreError('STORE_UNREACHABLE', `cannot connect to ${location}: ${(err as Error).message}. Check WHYSTUCK_DATABASE_URL (host, port, user, password, database) and that the server accepts connections from this pod.`);
  }
  const q = <R extends object = Record<string, unknown>>(text: string, values?: unknown[]) => pool.query<R>(text, values);

  return {
    kind: 'postgres',
    location,
    migrated,
    async recordIntent(i) {
      const ins = await q<{ id: string }>(`INSERT INTO remediation_audit (token_id, "user", node, pid, start_time, comm, signal, pod_uid, finding_id, path)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (token_id) DO NOTHING RETURNING id`,
      [i.tokenId, i.user, i.node, i.pid, i.startTime, i.comm, i.signal, i.podUid ?? null, i.findingId, i.path ?? 'collector']);
      if (ins.rowCount === 1) return { status: 'new', id: Number(ins.rows[0].id) };
      const prev = await q<AuditRow>('SELECT * FROM remediation_audit WHERE token_id = $1', [i.tokenId]);
      return { status: 'duplicate', previous: auditFromRow(prev.rows[0]) };
    },
    async recordResult(id, outcome, message) {
      await q('UPDATE remediation_audit SET outcome = $1, message = $2, finished_at = now() WHERE id = $3 AND outcome IS NULL', [outcome, message, id]);
    },
    async auditByToken(tokenId) {
      const r = await q<AuditRow>('SELECT * FROM remediation_audit WHERE token_id = $1', [tokenId]);
      return r.rows[0] ? auditFromRow(r.rows[0]) : undefined;
    },
    listAudit: async (limit = 50) => (await q<AuditRow>('SELECT * FROM remediation_audit ORDER BY id DESC LIMIT $1', [limit])).rows.map(auditFromRow),
    async claimEvent(eventId, ttlMs) {
      const t = Date.now();
      // Purge on about one claim in a hundred: expired ids only take space.
      if (Math.random() < 0.01) await q('DELETE FROM slack_events WHERE expires_at <= $1', [t]);
      const r = await q(`INSERT INTO slack_events (event_id, expires_at) VALUES ($1, $2)
        ON CONFLICT (event_id) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE slack_events.expires_at <= $3`, [eventId, t + ttlMs, t]);
      return r.rowCount === 1;
    },
    async saveThread(r) {
      await q(`INSERT INTO threads (channel, ts, data) VALUES ($1, $2, $3)
        ON CONFLICT (channel, ts) DO UPDATE SET data = EXCLUDED.data, updated_at = now()`, [r.channel, r.ts, r.data]);
    },
    async loadThread(channel, ts) {
      return (await q<{ channel: string; ts: string; data: string }>('SELECT channel, ts, data FROM threads WHERE channel = $1 AND ts = $2', [channel, ts])).rows[0];
    },
    async openIncident(i) {
      const ins = await q<IncidentRow>(`INSERT INTO incidents (key, node, pod_uid, finding_id, summary) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (key) WHERE state <> 'resolved' DO NOTHING RETURNING *`, [i.key, i.node, i.podUid ?? null, i.findingId, i.summary]);
      if (ins.rowCount === 1) return { status: 'new', incident: incidentFromRow(ins.rows[0]) };
      const open = await q<IncidentRow>("SELECT * FROM incidents WHERE key = $1 AND state <> 'resolved'", [i.key]);
      return { status: 'existing', incident: incidentFromRow(open.rows[0]) };
    },
    async setIncidentMessage(id, channel, ts) {
      const r = await q('UPDATE incidents SET slack_channel = $1, slack_ts = $2, updated_at = now() WHERE id = $3 AND slack_ts IS NULL', [channel, ts, id]);
      return r.rowCount === 1;
    },
    async setIncidentDedupKey(id, dedupKey) {
      await q('UPDATE incidents SET pagerduty_dedup_key = $1, updated_at = now() WHERE id = $2', [dedupKey, id]);
    },
    async setIncidentState(id, state) {
      await q("UPDATE incidents SET state = $1, updated_at = now() WHERE id = $2 AND state <> 'resolved'", [state, id]);
    },
    async openIncidents(node) {
      const r = node === undefined
        ? await q<IncidentRow>("SELECT * FROM incidents WHERE state <> 'resolved' ORDER BY id")
        : await q<IncidentRow>("SELECT * FROM incidents WHERE state <> 'resolved' AND node = $1 ORDER BY id", [node]);
      return r.rows.map(incidentFromRow);
    },
    async kmsgCursor(node) {
      const r = await q<{ journal_id: string; seq: string }>('SELECT journal_id, seq FROM kmsg_cursors WHERE node = $1', [node]);
      return r.rows[0] && { journalId: r.rows[0].journal_id, seq: Number(r.rows[0].seq) };
    },
    async advanceKmsgCursor(node, c, fence) {
      // With a fence: the shard's fence row is read FOR SHARE, so a new holder's fence (an UPDATE of that row)
      // either waits for this write or is seen by it (READ COMMITTED re-reads the updated row), never interleaves.
      const r = fence
        ? await q(`WITH ok AS (SELECT 1 FROM watch_fences WHERE shard = $4 AND token <= $5 FOR SHARE)
            INSERT INTO kmsg_cursors (node, journal_id, seq) SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM ok)
            ON CONFLICT (node) DO UPDATE SET journal_id = EXCLUDED.journal_id, seq = EXCLUDED.seq, updated_at = now()
            WHERE kmsg_cursors.journal_id <> EXCLUDED.journal_id OR kmsg_cursors.seq < EXCLUDED.seq`, [node, c.journalId, c.seq, fence.shard, fence.token])
        : await q(`INSERT INTO kmsg_cursors (node, journal_id, seq) VALUES ($1, $2, $3)
        ON CONFLICT (node) DO UPDATE SET journal_id = EXCLUDED.journal_id, seq = EXCLUDED.seq, updated_at = now()
        WHERE kmsg_cursors.journal_id <> EXCLUDED.journal_id OR kmsg_cursors.seq < EXCLUDED.seq`, [node, c.journalId, c.seq]);
      return r.rowCount === 1;
    },
    async fenceWatchShard(f) {
      const r = await q(`INSERT INTO watch_fences (shard, token, holder) VALUES ($1, $2, $3)
        ON CONFLICT (shard) DO UPDATE SET token = EXCLUDED.token, holder = EXCLUDED.holder, updated_at = now()
        WHERE watch_fences.token < EXCLUDED.token OR (watch_fences.token = EXCLUDED.token AND watch_fences.holder IS NOT DISTINCT FROM EXCLUDED.holder)`, [f.shard, f.token, f.holder ?? null]);
      return r.rowCount === 1;
    },
    async watchFence(shard) {
      const r = await q<{ shard: string; token: string; holder: string | null }>('SELECT shard, token, holder FROM watch_fences WHERE shard = $1', [shard]);
      const row = r.rows[0];
      return row && { shard: row.shard, token: Number(row.token), ...(row.holder !== null ? { holder: row.holder } : {}) };
    },
    async ping() {
      const t0 = performance.now();
      try {
        await q('SELECT 1');
        return { status: 'ok', ms: performance.now() - t0 };
      } catch (err) {
        return { status: 'unavailable', message: `${location}: ${(err as Error).message}` };
      }
    },
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}
