import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { StoreError } from '../../../bot/src/store/errors';
import { MIGRATIONS, type Migration } from '../../../bot/src/store/migrations';
import { migratePostgres, openPostgresStore } from '../../../bot/src/store/postgres-store';
import { migrateSqlite, openSqliteStore } from '../../../bot/src/store/sqlite-store';
import { postgresAvailable, startPostgres, type PostgresServer } from '../../helpers/store/postgres-server';

/** The audit table exactly as the releases before migrations created it (bot/src/audit/audit-store.ts up to issue 5). */
const FIRST_RELEASE = `CREATE TABLE IF NOT EXISTS remediation_audit (
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
     BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;`;
/** What the SSH-fallback release added to an existing file. */
const SSH_RELEASE = "ALTER TABLE remediation_audit ADD COLUMN path TEXT NOT NULL DEFAULT 'collector'";

const ALL = MIGRATIONS.map((m) => m.version);
const broken: Migration = {
  version: 999,
  name: 'half a step',
  sqlite: 'CREATE TABLE half_done (a INTEGER); INSERT INTO no_such_table VALUES (1);',
  postgres: 'CREATE TABLE half_done (a INTEGER); INSERT INTO no_such_table VALUES (1);',
};

describe('SQLite migrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'whystuck-migrate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function oldAuditFile(withPath: boolean): string {
    const file = join(dir, 'audit.db');
    const db = new Database(file);
    db.exec(FIRST_RELEASE);
    if (withPath) db.exec(SSH_RELEASE);
    const ins = db.prepare(
      `INSERT INTO remediation_audit (token_id, at, user, node, pid, start_time, comm, signal, pod_uid, finding_id${withPath ? ', path' : ''}) VALUES (?, ?, 'U0SRE', 'node-a', ?, 99, 'python3', 'SIGTERM', 'uid-1', 'zombie'${withPath ? ", 'ssh'" : ''})`,
    );
    ins.run('old-token-1', '2024-05-01T10:00:00.000Z', 1111);
    ins.run('old-token-2', '2024-05-01T11:00:00.000Z', 2222);
    db.prepare("UPDATE remediation_audit SET outcome = 'SIGNALLED', message = 'sent', finished_at = '2024-05-01T10:00:01.000Z' WHERE token_id = 'old-token-1'").run();
    db.close();
    return file;
  }

  it.each([
    [false, 'the first release (no path column)'],
    [true, 'the SSH-fallback release (path column)'],
  ])('upgrades an audit-only file from %s: every row carries over, tokens stay used, still append-only', async (withPath) => {
    const file = oldAuditFile(withPath);
    const store = openSqliteStore(file);
    try {
      expect(store.migrated).toEqual(ALL);
      const rows = await store.listAudit(10);
      expect(rows.map((r) => [r.id, r.tokenId, r.pid, r.outcome, r.path])).toEqual([
        [2, 'old-token-2', 2222, undefined, withPath ? 'ssh' : 'collector'],
        [1, 'old-token-1', 1111, 'SIGNALLED', withPath ? 'ssh' : 'collector'],
      ]);
      expect(rows[1]).toMatchObject({ at: '2024-05-01T10:00:00.000Z', finishedAt: '2024-05-01T10:00:01.000Z', user: 'U0SRE', podUid: 'uid-1' });
      // A token used before the upgrade is still used.
      const replay = await store.recordIntent({ tokenId: 'old-token-1', user: 'U0X', node: 'node-a', pid: 1111, startTime: 99, comm: 'python3', signal: 'SIGTERM', findingId: 'zombie' });
      expect(replay).toMatchObject({ status: 'duplicate', previous: { id: 1, user: 'U0SRE' } });
      // The in-flight row from before the upgrade can still get its result, once.
      await store.recordResult(2, 'SIGNALLED', 'late result');
      expect((await store.auditByToken('old-token-2'))?.outcome).toBe('SIGNALLED');
      const fresh = await store.recordIntent({ tokenId: 'new-token', user: 'U0X', node: 'node-a', pid: 3, startTime: 1, comm: 'x', signal: 'SIGKILL', findingId: 'f' });
      expect(fresh.status === 'new' && fresh.id).toBeGreaterThan(2);
    } finally {
      await store.close();
    }
    const db = new Database(file);
    try {
      // The message, not toThrow: better-sqlite3's error class may come from another test file's realm.
      let refused = 'accepted';
      try {
        db.prepare('DELETE FROM remediation_audit').run();
      } catch (e) {
        refused = String((e as Error).message);
      }
      expect(refused).toMatch(/append-only/);
      expect(
        db
          .prepare('SELECT version FROM schema_migrations ORDER BY version')
          .all()
          .map((r) => (r as { version: number }).version),
      ).toEqual(ALL);
    } finally {
      db.close();
    }
  });

  it('re-running is a no-op that keeps every row', async () => {
    const file = join(dir, 'store.db');
    const first = openSqliteStore(file);
    expect(first.migrated).toEqual(ALL);
    await first.recordIntent({ tokenId: 't', user: 'U', node: 'n', pid: 1, startTime: 1, comm: 'c', signal: 'SIGTERM', findingId: 'f' });
    await first.saveThread({ channel: 'C1', ts: '1.1', data: '{}' });
    await first.close();
    for (let i = 0; i < 3; i++) {
      const again = openSqliteStore(file);
      expect(again.migrated).toEqual([]);
      expect(await again.listAudit()).toHaveLength(1);
      expect(await again.loadThread('C1', '1.1')).toBeDefined();
      await again.close();
    }
  });

  it('a failing step is rolled back whole and not recorded; the steps before it stay', () => {
    const db = new Database(join(dir, 'fail.db'));
    try {
      expect(() => migrateSqlite(db, [...MIGRATIONS, broken])).toThrow(StoreError);
      expect(() => migrateSqlite(db, [...MIGRATIONS, broken])).toThrow(/migration 999 \(half a step\) failed and was rolled back/);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
      expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: Math.max(...ALL) });
      expect(migrateSqlite(db)).toEqual([]);
    } finally {
      db.close();
    }
  });
});

const pg = postgresAvailable();
(pg.ok ? describe : describe.skip)('PostgreSQL migrations', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it('replicas starting together on an empty database apply each step once; re-running is a no-op that keeps the data', async () => {
    const url = await server.createDatabase('migrate_race');
    const stores = await Promise.all([1, 2, 3, 4].map(() => openPostgresStore({ url, poolSize: 2 })));
    try {
      expect(stores.flatMap((s) => s.migrated).sort((a, b) => a - b)).toEqual(ALL);
      await stores[0].recordIntent({ tokenId: 't', user: 'U', node: 'n', pid: 1, startTime: 1, comm: 'c', signal: 'SIGTERM', findingId: 'f' });
    } finally {
      for (const s of stores) await s.close();
    }
    const again = await openPostgresStore({ url });
    try {
      expect(again.migrated).toEqual([]);
      expect(await again.listAudit()).toHaveLength(1);
      expect((await server.sql('SELECT version FROM schema_migrations ORDER BY version', url)).map((r) => r.version)).toEqual(ALL);
    } finally {
      await again.close();
    }
  });

  it('a failing step is rolled back whole and not recorded', async () => {
    const url = await server.createDatabase('migrate_fail');
    const pool = new Pool({ connectionString: url, max: 1 });
    const client = await pool.connect();
    try {
      await expect(migratePostgres(client, [...MIGRATIONS, broken])).rejects.toThrow(/migration 999 \(half a step\) failed and was rolled back/);
      expect(await server.sql("SELECT to_regclass('half_done') AS t", url)).toEqual([{ t: null }]);
      expect(await server.sql('SELECT max(version) AS v FROM schema_migrations', url)).toEqual([{ v: Math.max(...ALL) }]);
      expect(await migratePostgres(client)).toEqual([]);
    } finally {
      client.release();
      await pool.end();
    }
  });

  it('an unreachable server is a StoreError naming the setting, without the password', async () => {
    const err = await openPostgresStore({ url: 'postgres://whystuck:s3cret-pw@127.0.0.1:9/whystuck', connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('STORE_UNREACHABLE');
    expect((err as Error).message).toMatch(/cannot connect to PostgreSQL whystuck@127\.0\.0\.1:9\/whystuck: .*WHYSTUCK_DATABASE_URL/);
    expect((err as Error).message).not.toContain('s3cret-pw');
  });
});
