import { Client, escapeIdentifier, Pool, type PoolClient } from 'pg';
import { databaseUrlRole, databaseUrlWarnings, describeDatabaseUrl } from './database-url';
import { StoreError } from './errors';
import { MIGRATIONS, RUNTIME_GRANTS, type Migration } from './migrations';
import { auditFromRow, incidentFromRow, type AuditRow, type IncidentRow } from './rows';
import type { Store } from './store';

/** pg_advisory_xact_lock key taken by every migration transaction: replicas starting together migrate one after the other. */
const MIGRATION_LOCK = 0x77687973; // "whys"

/**
 * Applies the migrations not yet recorded, each in its own transaction that
 * first takes the migration lock, then checks schema_migrations: a step is
 * applied once even when several replicas start at the same moment.
 */
export async function migratePostgres(client: PoolClient | Client, migrations: Migration[] = MIGRATIONS): Promise<number[]> {
  const applied: number[] = [];
  // Nothing to do (the usual start): no lock and no CREATE, so a runtime role without CREATE on the schema starts.
  const have = await schemaVersions(client);
  if (migrations.every((m) => have.has(m.version))) return applied;
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
      throw new StoreError(
        'MIGRATION_FAILED',
        `PostgreSQL migration ${m.version} (${m.name}) failed and was rolled back: ${(err as Error).message}. Nothing of it was applied; fix the cause (often: the database user needs CREATE on the schema — run migrations as the owner role with WHYSTUCK_DATABASE_MIGRATE_URL or \`whystuck store migrate\`) and restart.`,
      );
    }
  }
  return applied;
}

/** The migration versions recorded in the database (none when schema_migrations does not exist yet). */
export async function schemaVersions(client: PoolClient | Client): Promise<Set<number>> {
  const t = await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!t.rows[0]?.t) return new Set();
  return new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)));
}

/**
 * After migrations run as the owner: the runtime role gets exactly
 * RUNTIME_GRANTS (everything else it had on these tables revoked first, in
 * the same transaction). Refused when the runtime role owns one of the tables
 * (an earlier release migrated as it): an owner can drop the triggers.
 */
export async function grantRuntimeRole(client: PoolClient | Client, role: string): Promise<void> {
  await refuseRuntimeOwner(client, role);
  const r = escapeIdentifier(role);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const schema = (await client.query<{ s: string }>('SELECT current_schema() AS s')).rows[0].s;
    await client.query(`GRANT USAGE ON SCHEMA ${escapeIdentifier(schema)} TO ${r}`);
    for (const g of RUNTIME_GRANTS) {
      const t = escapeIdentifier(g.table);
      await client.query(`REVOKE ALL ON ${t} FROM ${r}`);
      await client.query(`GRANT ${g.privileges} ON ${t} TO ${r}`);
      if (g.sequence) {
        await client.query(`REVOKE ALL ON SEQUENCE ${escapeIdentifier(g.sequence)} FROM ${r}`);
        await client.query(`GRANT USAGE, SELECT ON SEQUENCE ${escapeIdentifier(g.sequence)} TO ${r}`);
      }
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    const missing = /role .* does not exist/.test((err as Error).message) ? ` Create it first: CREATE ROLE ${r} LOGIN PASSWORD '…';` : '';
    throw new StoreError('MIGRATION_FAILED', `granting the runtime role "${role}" its privileges failed and was rolled back: ${(err as Error).message}.${missing}`);
  }
}

/** Refused before anything runs when the runtime role owns (or is a member of the owner of) one of the store's tables. */
async function refuseRuntimeOwner(client: PoolClient | Client, role: string): Promise<void> {
  const tables = RUNTIME_GRANTS.map((g) => g.table);
  const owned = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c
    WHERE c.relname = ANY($1) AND c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
      AND EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = $2 AND pg_has_role(r.oid, c.relowner, 'USAGE'))`,
    [tables, role],
  );
  if (owned.rowCount) {
    const names = owned.rows.map((r) => r.relname).sort();
    throw new StoreError(
      'MIGRATION_FAILED',
      `the runtime role "${role}" (the user of WHYSTUCK_DATABASE_URL) owns ${names.join(', ')}: an owner can drop the audit log's append-only triggers. Hand the tables (their id sequences follow) to the migration role once, as a superuser: ${names.map((n) => `ALTER TABLE ${escapeIdentifier(n)} OWNER TO <owner role>;`).join(' ')} Then start again.`,
    );
  }
}

/**
 * `whystuck store migrate`, and the bot's start with WHYSTUCK_DATABASE_MIGRATE_URL:
 * migrations as the owner role, then the runtime role's grants. One
 * connection, closed before returning.
 */
export async function migrateAsOwner(migrateUrl: string, runtimeUrl: string, connectTimeoutMs = 5000): Promise<{ applied: number[]; owner: string; runtime: string }> {
  const owner = `PostgreSQL ${describeDatabaseUrl(migrateUrl)}`;
  const runtime = databaseUrlRole(runtimeUrl);
  if (!runtime)
    throw new StoreError(
      'BAD_DATABASE_URL',
      'WHYSTUCK_DATABASE_URL names no user: with WHYSTUCK_DATABASE_MIGRATE_URL, it must name the runtime role (postgres://RUNTIME_USER:PASSWORD@HOST:5432/DATABASE)',
    );
  const client = new Client({ connectionString: migrateUrl, connectionTimeoutMillis: connectTimeoutMs, application_name: 'whystuck-migrate' });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new StoreError('STORE_UNREACHABLE', `cannot connect to ${owner} (WHYSTUCK_DATABASE_MIGRATE_URL): ${(err as Error).message}. Check its host, port, user, password and database.`);
  }
  try {
    await refuseRuntimeOwner(client, runtime);
    const applied = await migratePostgres(client);
    await grantRuntimeRole(client, runtime);
    return { applied, owner: databaseUrlRole(migrateUrl) ?? '', runtime };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Why the runtime connection could change the audit log's rules (undefined
 * when it cannot): it owns remediation_audit (or is a member of its owner)
 * or is a superuser, so DROP TRIGGER / ALTER TABLE … DISABLE TRIGGER work.
 */
export async function auditGuardProblem(client: PoolClient | Client): Promise<string | undefined> {
  const r = await client.query<{ who: string; superuser: boolean; owner: boolean | null }>(`SELECT current_user AS who, r.rolsuper AS superuser,
      (SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = to_regclass('remediation_audit')) AS owner
    FROM pg_roles r WHERE r.rolname = current_user`);
  const row = r.rows[0];
  if (!row) return undefined;
  if (!row.superuser && !row.owner) return undefined;
  return `the runtime role "${row.who}" ${row.superuser ? 'is a superuser' : 'owns the audit table'}: it could drop or disable the audit log's append-only triggers. Run migrations as a separate owner role (WHYSTUCK_DATABASE_MIGRATE_URL, or \`whystuck store migrate\`) and give WHYSTUCK_DATABASE_URL a role that owns nothing`;
}

export interface PostgresStoreOptions {
  url: string;
  /**
   * WHYSTUCK_DATABASE_MIGRATE_URL: the owner role that runs the migrations and
   * grants the runtime role (the user of `url`) what it needs. Absent: `url`
   * runs them (and owns the tables), as before.
   */
  migrateUrl?: string;
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
  const asOwner = opts.migrateUrl ? (await migrateAsOwner(opts.migrateUrl, opts.url, opts.connectTimeoutMs)).applied : undefined;
  const warnings = [...databaseUrlWarnings(opts.url, 'WHYSTUCK_DATABASE_URL'), ...(opts.migrateUrl ? databaseUrlWarnings(opts.migrateUrl, 'WHYSTUCK_DATABASE_MIGRATE_URL') : [])];
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
    try {
      migrated = [...(asOwner ?? []), ...(await migratePostgres(client))];
      const guard = await auditGuardProblem(client);
      if (guard) warnings.push(guard);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    if (err instanceof StoreError) throw err;
    throw new StoreError(
      'STORE_UNREACHABLE',
      `cannot connect to ${location}: ${(err as Error).message}. Check WHYSTUCK_DATABASE_URL (host, port, user, password, database) and that the server accepts connections from this pod.`,
    );
  }
  const q = <R extends object = Record<string, unknown>>(text: string, values?: unknown[]) => pool.query<R>(text, values);

  return {
    kind: 'postgres',
    location,
    migrated,
    warnings,
    async recordIntent(i) {
      const ins = await q<{ id: string }>(
        `INSERT INTO remediation_audit (token_id, "user", node, pid, start_time, comm, signal, pod_uid, finding_id, path)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (token_id) DO NOTHING RETURNING id`,
        [i.tokenId, i.user, i.node, i.pid, i.startTime, i.comm, i.signal, i.podUid ?? null, i.findingId, i.path ?? 'collector'],
      );
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
    // The database's clock, not the replica's: replicas whose clocks differ agree on what is old enough.
    unfinishedIntents: async (olderThanMs, limit = 100) =>
      (await q<AuditRow>("SELECT * FROM remediation_audit WHERE outcome IS NULL AND at < now() - $1 * interval '1 millisecond' ORDER BY at, id LIMIT $2", [olderThanMs, limit])).rows.map(auditFromRow),
    async finishUnfinished(id, olderThanMs, outcome, message) {
      const r = await q(
        `UPDATE remediation_audit SET outcome = $1, message = $2, finished_at = now()
        WHERE id = $3 AND outcome IS NULL AND at < now() - $4 * interval '1 millisecond'`,
        [outcome, message, id, olderThanMs],
      );
      return r.rowCount === 1;
    },
    async claimEvent(eventId, ttlMs) {
      const t = Date.now();
      // Purge on about one claim in a hundred: expired ids only take space.
      if (Math.random() < 0.01) await q('DELETE FROM slack_events WHERE expires_at <= $1', [t]);
      const r = await q(
        `INSERT INTO slack_events (event_id, expires_at) VALUES ($1, $2)
        ON CONFLICT (event_id) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE slack_events.expires_at <= $3`,
        [eventId, t + ttlMs, t],
      );
      return r.rowCount === 1;
    },
    async saveThread(r) {
      await q(
        `INSERT INTO threads (channel, ts, data) VALUES ($1, $2, $3)
        ON CONFLICT (channel, ts) DO UPDATE SET data = EXCLUDED.data, updated_at = now()`,
        [r.channel, r.ts, r.data],
      );
    },
    async loadThread(channel, ts) {
      return (await q<{ channel: string; ts: string; data: string }>('SELECT channel, ts, data FROM threads WHERE channel = $1 AND ts = $2', [channel, ts])).rows[0];
    },
    async openIncident(i) {
      const ins = await q<IncidentRow>(
        `INSERT INTO incidents (key, node, pod_uid, finding_id, summary) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (key) WHERE state <> 'resolved' DO NOTHING RETURNING *`,
        [i.key, i.node, i.podUid ?? null, i.findingId, i.summary],
      );
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
      const r =
        node === undefined
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
        ? await q(
            `WITH ok AS (SELECT 1 FROM watch_fences WHERE shard = $4 AND token <= $5 FOR SHARE)
            INSERT INTO kmsg_cursors (node, journal_id, seq) SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM ok)
            ON CONFLICT (node) DO UPDATE SET journal_id = EXCLUDED.journal_id, seq = EXCLUDED.seq, updated_at = now()
            WHERE kmsg_cursors.journal_id <> EXCLUDED.journal_id OR kmsg_cursors.seq < EXCLUDED.seq`,
            [node, c.journalId, c.seq, fence.shard, fence.token],
          )
        : await q(
            `INSERT INTO kmsg_cursors (node, journal_id, seq) VALUES ($1, $2, $3)
        ON CONFLICT (node) DO UPDATE SET journal_id = EXCLUDED.journal_id, seq = EXCLUDED.seq, updated_at = now()
        WHERE kmsg_cursors.journal_id <> EXCLUDED.journal_id OR kmsg_cursors.seq < EXCLUDED.seq`,
            [node, c.journalId, c.seq],
          );
      return r.rowCount === 1;
    },
    async fenceWatchShard(f) {
      const r = await q(
        `INSERT INTO watch_fences (shard, token, holder) VALUES ($1, $2, $3)
        ON CONFLICT (shard) DO UPDATE SET token = EXCLUDED.token, holder = EXCLUDED.holder, updated_at = now()
        WHERE watch_fences.token < EXCLUDED.token OR (watch_fences.token = EXCLUDED.token AND watch_fences.holder IS NOT DISTINCT FROM EXCLUDED.holder)`,
        [f.shard, f.token, f.holder ?? null],
      );
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
