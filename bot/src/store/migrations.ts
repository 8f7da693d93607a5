import type Database from 'better-sqlite3';

/**
 * The schema, as numbered steps applied in order at start and recorded in
 * schema_migrations, each in its own transaction. Steps only add (tables,
 * columns, indexes, triggers) and are written so that they also apply to a
 * database made before migrations were recorded: the first releases created
 * remediation_audit directly (`CREATE TABLE IF NOT EXISTS`), some with the
 * `path` column. Never edit a step that has shipped; add one.
 */
export interface Migration {
  version: number;
  name: string;
  /** SQL, or a function for steps that depend on what an older database already has. */
  sqlite: string | ((db: Database.Database) => void);
  postgres: string;
}

const AUDIT_COLUMNS = ['token_id', 'at', 'user', 'node', 'pid', 'start_time', 'comm', 'signal', 'pod_uid', 'finding_id', 'path'];

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'remediation audit log, one row per action token',
    sqlite: `CREATE TABLE IF NOT EXISTS remediation_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token_id TEXT NOT NULL UNIQUE,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        node TEXT NOT NULL,
        pid INTEGER NOT NULL,
        start_time INTEGER NOT NULL,
        comm TEXT NOT NULL,
        signal TEXT NOT NULL,
        pod_uid TEXT,
        finding_id TEXT NOT NULL,
        outcome TEXT,
        message TEXT,
        finished_at TEXT
      );
      CREATE TRIGGER IF NOT EXISTS remediation_audit_no_delete BEFORE DELETE ON remediation_audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;`,
    postgres: `CREATE TABLE IF NOT EXISTS remediation_audit (
        id BIGSERIAL PRIMARY KEY,
        token_id TEXT NOT NULL UNIQUE,
        at TIMESTAMPTZ NOT NULL DEFAULT now(),
        "user" TEXT NOT NULL,
        node TEXT NOT NULL,
        pid INTEGER NOT NULL,
        start_time BIGINT NOT NULL,
        comm TEXT NOT NULL,
        signal TEXT NOT NULL,
        pod_uid TEXT,
        finding_id TEXT NOT NULL,
        outcome TEXT,
        message TEXT,
        finished_at TIMESTAMPTZ
      );
      CREATE OR REPLACE FUNCTION remediation_audit_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
      DROP TRIGGER IF EXISTS remediation_audit_no_delete ON remediation_audit;
      CREATE TRIGGER remediation_audit_no_delete BEFORE DELETE ON remediation_audit
        FOR EACH ROW EXECUTE FUNCTION remediation_audit_no_delete();
      CREATE OR REPLACE FUNCTION remediation_audit_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
      DROP TRIGGER IF EXISTS remediation_audit_no_truncate ON remediation_audit;
      CREATE TRIGGER remediation_audit_no_truncate BEFORE TRUNCATE ON remediation_audit
        FOR EACH STATEMENT EXECUTE FUNCTION remediation_audit_no_truncate();`,
  },
  {
    version: 2,
    name: 'audit: the path a signal takes (collector or ssh)',
    sqlite: (db) => {
      const have = (db.prepare('PRAGMA table_info(remediation_audit)').all() as { name: string }[]).some((c) => c.name === 'path');
      if (!have) db.exec("ALTER TABLE remediation_audit ADD COLUMN path TEXT NOT NULL DEFAULT 'collector'");
    },
    postgres: `ALTER TABLE remediation_audit ADD COLUMN IF NOT EXISTS path TEXT NOT NULL DEFAULT 'collector'`,
  },
  {
    version: 3,
    name: 'audit: an intent is never changed and gets its result once',
    sqlite: `CREATE TRIGGER IF NOT EXISTS remediation_audit_result_once BEFORE UPDATE ON remediation_audit
        WHEN OLD.outcome IS NOT NULL OR NEW.id IS NOT OLD.id ${AUDIT_COLUMNS.map((c) => `OR NEW.${c} IS NOT OLD.${c}`).join(' ')}
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: an intent is never changed and gets its result once'); END;`,
    postgres: `CREATE OR REPLACE FUNCTION remediation_audit_result_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF OLD.outcome IS NOT NULL OR NEW.id IS DISTINCT FROM OLD.id ${AUDIT_COLUMNS.map((c) => `OR NEW.${c === 'user' ? '"user"' : c} IS DISTINCT FROM OLD.${c === 'user' ? '"user"' : c}`).join(' ')} THEN
            RAISE EXCEPTION 'the audit log is append-only: an intent is never changed and gets its result once';
          END IF;
          RETURN NEW;
        END $$;
      DROP TRIGGER IF EXISTS remediation_audit_result_once ON remediation_audit;
      CREATE TRIGGER remediation_audit_result_once BEFORE UPDATE ON remediation_audit
        FOR EACH ROW EXECUTE FUNCTION remediation_audit_result_once();`,
  },
  {
    version: 4,
    name: 'Slack event ids already handled (retry dedupe), with expiry',
    sqlite: `CREATE TABLE IF NOT EXISTS slack_events (event_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS slack_events_expiry ON slack_events (expires_at);`,
    postgres: `CREATE TABLE IF NOT EXISTS slack_events (event_id TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
      CREATE INDEX IF NOT EXISTS slack_events_expiry ON slack_events (expires_at);`,
  },
  {
    version: 5,
    name: 'thread context',
    sqlite: `CREATE TABLE IF NOT EXISTS threads (channel TEXT NOT NULL, ts TEXT NOT NULL, data TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (channel, ts));`,
    postgres: `CREATE TABLE IF NOT EXISTS threads (channel TEXT NOT NULL, ts TEXT NOT NULL, data TEXT NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (channel, ts));`,
  },
  {
    version: 6,
    name: 'watch-mode incidents (one open per key) and the kernel-log journal and sequence read per node',
    sqlite: `CREATE TABLE IF NOT EXISTS incidents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL,
        node TEXT NOT NULL,
        pod_uid TEXT,
        finding_id TEXT NOT NULL,
        summary TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'resolved')),
        slack_channel TEXT,
        slack_ts TEXT,
        pagerduty_dedup_key TEXT,
        opened_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS incidents_one_open_per_key ON incidents (key) WHERE state <> 'resolved';
      CREATE INDEX IF NOT EXISTS incidents_by_node ON incidents (node, state);
      CREATE TABLE IF NOT EXISTS kmsg_cursors (node TEXT PRIMARY KEY, journal_id TEXT NOT NULL, seq INTEGER NOT NULL, updated_at TEXT NOT NULL);`,
    postgres: `CREATE TABLE IF NOT EXISTS incidents (
        id BIGSERIAL PRIMARY KEY,
        key TEXT NOT NULL,
        node TEXT NOT NULL,
        pod_uid TEXT,
        finding_id TEXT NOT NULL,
        summary TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'resolved')),
        slack_channel TEXT,
        slack_ts TEXT,
        pagerduty_dedup_key TEXT,
        opened_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX IF NOT EXISTS incidents_one_open_per_key ON incidents (key) WHERE state <> 'resolved';
      CREATE INDEX IF NOT EXISTS incidents_by_node ON incidents (node, state);
      CREATE TABLE IF NOT EXISTS kmsg_cursors (node TEXT PRIMARY KEY, journal_id TEXT NOT NULL, seq BIGINT NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now());`,
  },
  {
    version: 7,
    name: 'watch shards: the newest lease transition (fencing token) per shard; cursors are written only by its holder',
    sqlite: `CREATE TABLE IF NOT EXISTS watch_fences (shard TEXT PRIMARY KEY, token INTEGER NOT NULL, holder TEXT, updated_at TEXT NOT NULL);`,
    postgres: `CREATE TABLE IF NOT EXISTS watch_fences (shard TEXT PRIMARY KEY, token BIGINT NOT NULL, holder TEXT, updated_at TIMESTAMPTZ NOT NULL DEFAULT now());`,
  },
  {
    version: 8,
    name: 'audit: intents still without a result (a replica stopped between intent and result), found at start',
    sqlite: `CREATE INDEX IF NOT EXISTS remediation_audit_unfinished ON remediation_audit (at) WHERE outcome IS NULL;`,
    postgres: `CREATE INDEX IF NOT EXISTS remediation_audit_unfinished ON remediation_audit (at) WHERE outcome IS NULL;`,
  },
];

/**
 * What the runtime role of a PostgreSQL store may do when migrations run as
 * another role (the owner, WHYSTUCK_DATABASE_MIGRATE_URL): read and write what
 * the bot writes, and on the audit log only insert, read and fill in the three
 * result columns. It owns nothing, so it cannot DROP or DISABLE the
 * append-only triggers, ALTER or TRUNCATE a table, or DELETE an audit row.
 * Applied after every migration run (each statement is idempotent); a new
 * table added by a migration is added here too.
 */
export const RUNTIME_GRANTS: { table: string; privileges: string; sequence?: string }[] = [
  { table: 'remediation_audit', privileges: 'SELECT, INSERT, UPDATE (outcome, message, finished_at)', sequence: 'remediation_audit_id_seq' },
  { table: 'schema_migrations', privileges: 'SELECT' },
  { table: 'slack_events', privileges: 'SELECT, INSERT, UPDATE, DELETE' },
  { table: 'threads', privileges: 'SELECT, INSERT, UPDATE' },
  { table: 'incidents', privileges: 'SELECT, INSERT, UPDATE', sequence: 'incidents_id_seq' },
  { table: 'kmsg_cursors', privileges: 'SELECT, INSERT, UPDATE' },
  // UPDATE also for SELECT … FOR SHARE (the fenced cursor write).
  { table: 'watch_fences', privileges: 'SELECT, INSERT, UPDATE' },
];
