import Database from 'better-sqlite3';
import dns from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { runConfigCheck } from '../../../bot/src/cli/run-bot';
import { runStoreCommand } from '../../../bot/src/cli/store-command';
import { ConfigError, loadConfig } from '../../../bot/src/config';
import { databaseUrlWarnings } from '../../../bot/src/store/database-url';
import { openStore } from '../../../bot/src/store/open-store';
import { openSqliteStore } from '../../../bot/src/store/sqlite-store';
import type { AuditIntent, Store } from '../../../bot/src/store/store';
import { postgresAvailable, startPostgres, type PostgresServer } from '../../helpers/store/postgres-server';

/**
 * Who may change the audit log. PostgreSQL: migrations run as an owner role,
 * the bot's runtime role may only insert, read and record results, so it
 * cannot drop or disable the append-only triggers (a real server). SQLite:
 * recursive_triggers, without which a REPLACE deletes a row behind the
 * DELETE trigger's back. And the sslmode warning.
 */
const intent = (tokenId: string, over: Partial<AuditIntent> = {}): AuditIntent => ({
  tokenId,
  user: 'U0SRE',
  node: 'node-a',
  pid: 4242,
  startTime: 123456789012,
  comm: 'python3',
  signal: 'SIGTERM',
  findingId: 'zombie',
  ...over,
});

/** The error a statement fails with, or 'accepted'. */
async function refusal(url: string, sql: string): Promise<string> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
    return 'accepted';
  } catch (e) {
    return (e as Error).message;
  } finally {
    await c.end();
  }
}

const withUser = (url: string, user: string, password: string): string => {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
};

const pg = postgresAvailable();
if (!pg.ok) process.stderr.write(`PostgreSQL role tests skipped: ${pg.reason}\n`);

(pg.ok ? describe : describe.skip)("PostgreSQL: an owner role migrates, the runtime role cannot change the audit log's rules", () => {
  let server: PostgresServer;
  let ownerUrl = '';
  let appUrl = '';
  beforeAll(async () => {
    server = await startPostgres();
    await server.sql("CREATE ROLE whystuck_owner LOGIN PASSWORD 'owner-pw-1'");
    await server.sql("CREATE ROLE whystuck_app LOGIN PASSWORD 'app-pw-2'");
    await server.sql('CREATE DATABASE audit_roles OWNER whystuck_owner');
    const base = new URL(server.url);
    base.pathname = '/audit_roles';
    ownerUrl = withUser(base.toString(), 'whystuck_owner', 'owner-pw-1');
    appUrl = withUser(base.toString(), 'whystuck_app', 'app-pw-2');
  }, 120_000);
  afterAll(() => server?.stop());

  it('as the runtime role: DROP/ALTER/DISABLE TRIGGER, ALTER TABLE, DELETE, TRUNCATE and UPDATE of an intent fail; intents, results and every other store write work', async () => {
    const store = await openStore({ databaseUrl: appUrl, migrateUrl: ownerUrl, sqlitePath: '/nonexistent/unused.db' });
    try {
      expect(store.warnings).toEqual([]);
      const first = await store.recordIntent(intent('t-1'));
      expect(first.status).toBe('new');
      const id = first.status === 'new' ? first.id : 0;
      await store.recordResult(id, 'SIGNALLED', 'sent SIGTERM');
      expect(await store.auditByToken('t-1')).toMatchObject({ outcome: 'SIGNALLED', message: 'sent SIGTERM' });
      expect((await store.recordIntent(intent('t-1'))).status).toBe('duplicate');
      // The rest of what the bot writes.
      expect(await store.claimEvent('Ev1', 60_000)).toBe(true);
      await store.saveThread({ channel: 'C1', ts: '1.1', data: '{}' });
      const inc = await store.openIncident({ key: 'k', node: 'node-a', findingId: 'zombie', summary: 's' });
      expect(await store.setIncidentMessage(inc.incident.id, 'C1', '2.2')).toBe(true);
      await store.setIncidentDedupKey(inc.incident.id, 'dk');
      await store.setIncidentState(inc.incident.id, 'resolved');
      expect(await store.fenceWatchShard({ shard: 's0', token: 3, holder: 'r1' })).toBe(true);
      expect(await store.advanceKmsgCursor('node-a', { journalId: 'j', seq: 5 }, { shard: 's0', token: 3 })).toBe(true);
      const open = await store.recordIntent(intent('t-2'));
      expect((await store.unfinishedIntents(0)).map((e) => e.tokenId)).toEqual(['t-2']);
      expect(await store.finishUnfinished(open.status === 'new' ? open.id : 0, 0, 'UNKNOWN', 'may have been sent')).toBe(true);

      for (const sql of [
        'DROP TRIGGER remediation_audit_no_delete ON remediation_audit',
        'DROP TRIGGER remediation_audit_result_once ON remediation_audit',
        'ALTER TABLE remediation_audit DISABLE TRIGGER ALL',
        'ALTER TABLE remediation_audit DISABLE TRIGGER remediation_audit_no_delete',
        'ALTER TABLE remediation_audit ADD COLUMN note TEXT',
        'DROP TABLE remediation_audit',
        'DELETE FROM remediation_audit',
        'TRUNCATE remediation_audit',
        "UPDATE remediation_audit SET pid = 1, comm = 'other'",
        'UPDATE remediation_audit SET "user" = \'U0SOMEONE\'',
        'CREATE OR REPLACE FUNCTION remediation_audit_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$',
        'DROP FUNCTION remediation_audit_result_once() CASCADE',
        'ALTER TABLE remediation_audit OWNER TO whystuck_app',
      ]) {
        expect([sql, await refusal(appUrl, sql)]).toEqual([sql, expect.stringMatching(/permission denied|must be owner|must be able to SET ROLE/)]);
      }
      // The result columns only while there is none: the trigger still holds.
      expect(await refusal(appUrl, `UPDATE remediation_audit SET outcome = 'FAILED' WHERE id = ${id}`)).toMatch(/append-only/);
      // The owner's triggers are all still there.
      const triggers = await server.sql("SELECT tgname FROM pg_trigger WHERE tgrelid = 'remediation_audit'::regclass AND NOT tgisinternal AND tgenabled = 'O' ORDER BY tgname", ownerUrl);
      expect(triggers.map((t) => t.tgname)).toEqual(['remediation_audit_no_delete', 'remediation_audit_no_truncate', 'remediation_audit_result_once']);
      expect((await store.listAudit()).map((e) => [e.tokenId, e.pid, e.outcome])).toEqual([
        ['t-2', 4242, 'UNKNOWN'],
        ['t-1', 4242, 'SIGNALLED'],
      ]);
    } finally {
      await store.close();
    }

    // A replica with the runtime role alone starts on the migrated database (it needs no CREATE), and says nothing is wrong.
    const alone = await openStore({ databaseUrl: appUrl, sqlitePath: '/nonexistent/unused.db' });
    try {
      expect((alone as Store & { migrated: number[] }).migrated).toEqual([]);
      expect(alone.warnings).toEqual([]);
      expect((await alone.listAudit()).length).toBe(2);
    } finally {
      await alone.close();
    }
  });

  it('`whystuck store migrate` migrates and grants once per release; config check names both roles; one role for both is warned about', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = (a: string[]) => ({ write: (s: string) => a.push(s) });
    const env = { WHYSTUCK_DATABASE_URL: appUrl, WHYSTUCK_DATABASE_MIGRATE_URL: ownerUrl };
    expect(await runStoreCommand(['migrate'], env, io(out), io(err))).toBe(0);
    expect(out.join('')).toMatch(/schema already current; runtime role "whystuck_app" may insert and read the audit log and record results/);
    expect(await runStoreCommand(['migrate'], { WHYSTUCK_DATABASE_URL: appUrl }, io(out), io(err))).toBe(2);
    expect(err.join('')).toMatch(/set WHYSTUCK_DATABASE_MIGRATE_URL \(the owner role\)/);

    const check: string[] = [];
    await runConfigCheck({ ...env, SLACK_BOT_TOKEN: 'xoxb-x', SLACK_SIGNING_SECRET: 's' }, io(check), io(check));
    expect(check.join('')).toMatch(
      /store: PostgreSQL whystuck_app@127\.0\.0\.1:\d+\/audit_roles .*schema version \d+; migrations as whystuck_owner \(WHYSTUCK_DATABASE_MIGRATE_URL\), the bot as whystuck_app/,
    );
    expect(check.join('')).not.toMatch(/warning:/);

    // Before: one role that migrates and runs (the owner) is told it could drop the triggers.
    const single = await server.createDatabase('one_role');
    const store = await openStore({ databaseUrl: single, sqlitePath: '/nonexistent/unused.db' });
    try {
      expect(store.warnings?.join('\n')).toMatch(/the runtime role "whystuck" is a superuser: it could drop or disable the audit log's append-only triggers.*WHYSTUCK_DATABASE_MIGRATE_URL/);
    } finally {
      await store.close();
    }
    const oneCheck: string[] = [];
    await runConfigCheck({ WHYSTUCK_DATABASE_URL: single, SLACK_BOT_TOKEN: 'xoxb-x', SLACK_SIGNING_SECRET: 's' }, io(oneCheck), io(oneCheck));
    expect(oneCheck.join('')).toMatch(/warning: the runtime role "whystuck" is a superuser/);
  });

  it('a runtime role that owns the tables (migrated as itself by an earlier release) is refused with the ALTER … OWNER TO fix', async () => {
    await server.sql("CREATE ROLE legacy_app LOGIN PASSWORD 'legacy-pw'");
    await server.sql('CREATE DATABASE legacy OWNER legacy_app');
    await server.sql("CREATE ROLE legacy_owner LOGIN PASSWORD 'legacy-owner-pw'");
    await server.sql('GRANT CREATE, CONNECT ON DATABASE legacy TO legacy_owner');
    const base = new URL(server.url);
    base.pathname = '/legacy';
    const legacyApp = withUser(base.toString(), 'legacy_app', 'legacy-pw');
    const legacyOwner = withUser(base.toString(), 'legacy_owner', 'legacy-owner-pw');
    const old = await openStore({ databaseUrl: legacyApp, sqlitePath: '/nonexistent/unused.db' });
    expect(old.warnings?.join('\n')).toMatch(/the runtime role "legacy_app" owns the audit table/);
    await old.close();
    await expect(openStore({ databaseUrl: legacyApp, migrateUrl: legacyOwner, sqlitePath: '/nonexistent/unused.db' })).rejects.toThrow(
      /the runtime role "legacy_app" \(the user of WHYSTUCK_DATABASE_URL\) owns .*remediation_audit.*as a superuser: .*ALTER TABLE "remediation_audit" OWNER TO <owner role>;/,
    );
    // Done as it says, the owner migrates and the runtime role is fenced in.
    for (const t of ['incidents', 'kmsg_cursors', 'remediation_audit', 'schema_migrations', 'slack_events', 'threads', 'watch_fences'])
      await server.sql(`ALTER TABLE ${t} OWNER TO legacy_owner`, withUser(legacyApp, 'whystuck', new URL(server.url).password));
    const fixed = await openStore({ databaseUrl: legacyApp, migrateUrl: legacyOwner, sqlitePath: '/nonexistent/unused.db' });
    try {
      expect(fixed.warnings).toEqual([]);
      expect(await refusal(legacyApp, 'DROP TRIGGER remediation_audit_no_delete ON remediation_audit')).toMatch(/must be owner/);
    } finally {
      await fixed.close();
    }
  });

  it('configuration: the migration URL names the same database as another user, and needs WHYSTUCK_DATABASE_URL', () => {
    const url = 'postgres://app:pw@db.example:5432/whystuck?sslmode=verify-full';
    const err = (env: Record<string, string>): string => {
      try {
        loadConfig(env);
        return 'accepted';
      } catch (e) {
        return e instanceof ConfigError ? e.message : String(e);
      }
    };
    expect(err({ WHYSTUCK_DATABASE_MIGRATE_URL: url })).toMatch(/^WHYSTUCK_DATABASE_MIGRATE_URL: is set without WHYSTUCK_DATABASE_URL .*set WHYSTUCK_DATABASE_URL to the runtime role/);
    expect(err({ WHYSTUCK_DATABASE_URL: url, WHYSTUCK_DATABASE_MIGRATE_URL: url.replace('app:pw', 'owner:pw2').replace('5432', '5433') })).toMatch(
      /names db\.example:5433\/whystuck, WHYSTUCK_DATABASE_URL db\.example:5432\/whystuck: both must name the same server and database/,
    );
    expect(err({ WHYSTUCK_DATABASE_URL: url, WHYSTUCK_DATABASE_MIGRATE_URL: url })).toMatch(/must name another user than WHYSTUCK_DATABASE_URL \(both are "app"\)/);
    expect(err({ WHYSTUCK_DATABASE_URL: url, WHYSTUCK_DATABASE_MIGRATE_URL: 'mysql://owner@db.example/whystuck' })).toMatch(/WHYSTUCK_DATABASE_MIGRATE_URL: has scheme "mysql"/);
    expect(loadConfig({ WHYSTUCK_DATABASE_URL: url, WHYSTUCK_DATABASE_MIGRATE_URL: url.replace('app:pw', 'owner:pw2') }).databaseMigrateUrl).toContain('owner:pw2');
  });
});

describe('sslmode: a PostgreSQL URL to another host without it is warned about', () => {
  it('names the key, the host and the fix; loopback, sockets and an explicit sslmode are quiet', () => {
    expect(databaseUrlWarnings('postgres://u:secret@db.example:5432/w', 'WHYSTUCK_DATABASE_URL')).toEqual([
      'WHYSTUCK_DATABASE_URL reaches db.example:5432 without sslmode: the connection, its password and the audit log travel in plaintext. Add ?sslmode=verify-full (with sslrootcert=/path/to/ca.crt for a private CA); sslmode=disable says plaintext on purpose and silences this',
    ]);
    expect(databaseUrlWarnings('postgres://u:p@10.0.3.9/w?application_name=x', 'K')).toHaveLength(1);
    for (const quiet of [
      'postgres://u:p@127.0.0.1:5432/w',
      'postgres://u:p@localhost/w',
      'postgres://u:p@[::1]:5432/w',
      'postgres://u:p@db.example/w?sslmode=verify-full',
      'postgres://u:p@db.example/w?sslmode=disable',
      'postgres:///w?host=/var/run/postgresql',
    ]) {
      expect([quiet, databaseUrlWarnings(quiet, 'K')]).toEqual([quiet, []]);
    }
    expect(databaseUrlWarnings('postgres://u:secret@db.example:5432/w', 'K').join('')).not.toContain('secret');
  });

  (pg.ok ? it : it.skip)(
    '`whystuck config check` and the store at start say it, against a real server reached by a non-local name',
    async () => {
      const server = await startPostgres();
      // db.example.test resolves to the test server on 127.0.0.1, in this process only: no traffic leaves the machine.
      const lookup = dns.lookup;
      const fake = ((host: string, opts: unknown, cb?: unknown) => {
        const callback = (typeof opts === 'function' ? opts : cb) as (...a: unknown[]) => void;
        if (host === 'db.example.test') {
          const all = typeof opts === 'object' && opts !== null && (opts as { all?: boolean }).all;
          return process.nextTick(() => (all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4)));
        }
        return (lookup as (...a: unknown[]) => void)(host, opts, cb);
      }) as typeof dns.lookup;
      dns.lookup = fake;
      try {
        const url = (await server.createDatabase('ssl_warn')).replace('127.0.0.1', 'db.example.test');
        const out: string[] = [];
        const io = { write: (s: string) => out.push(s) };
        await runConfigCheck({ WHYSTUCK_DATABASE_URL: url, SLACK_BOT_TOKEN: 'xoxb-x', SLACK_SIGNING_SECRET: 's' }, io, io);
        expect(out.join('')).toMatch(/store: PostgreSQL whystuck@db\.example\.test:\d+\/ssl_warn \(shared by every replica\), connected in/);
        expect(out.join('')).toMatch(/\nwarning: WHYSTUCK_DATABASE_URL reaches db\.example\.test:\d+ without sslmode: .*sslmode=verify-full/);
        const store = await openStore({ databaseUrl: url, sqlitePath: '/nonexistent/unused.db' });
        try {
          expect(store.warnings?.[0]).toMatch(/^WHYSTUCK_DATABASE_URL reaches db\.example\.test:\d+ without sslmode/);
        } finally {
          await store.close();
        }
      } finally {
        dns.lookup = lookup;
        server.stop();
      }
    },
    120_000,
  );
});

describe('SQLite: recursive_triggers on, so a REPLACE cannot delete an audit row behind the DELETE trigger', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'whystuck-recursive-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const replace = (db: Database.Database): string => {
    try {
      db.prepare(
        `INSERT OR REPLACE INTO remediation_audit (token_id, at, user, node, pid, start_time, comm, signal, finding_id)
        VALUES ('t-1', '2020-01-01T00:00:00.000Z', 'U0MALLORY', 'node-a', 1, 1, 'x', 'SIGKILL', 'forged')`,
      ).run();
      return 'accepted';
    } catch (e) {
      return (e as Error).message;
    }
  };

  it("the store's connection refuses INSERT OR REPLACE over a used token; a connection without the pragma would have replaced the row", async () => {
    const file = join(dir, 'audit.db');
    const store = openSqliteStore(file);
    try {
      const first = await store.recordIntent(intent('t-1'));
      await store.recordResult(first.status === 'new' ? first.id : 0, 'SIGNALLED', 'sent SIGTERM');
      // What the store's own connection does with the pragma on (the same settings, on a second connection).
      const guarded = new Database(file);
      guarded.pragma('recursive_triggers = ON');
      try {
        expect(guarded.pragma('recursive_triggers', { simple: true })).toBe(1);
        expect(replace(guarded)).toMatch(/append-only/);
      } finally {
        guarded.close();
      }
      // Without it, SQLite's REPLACE deletes the conflicting row without firing the DELETE trigger: the hole the pragma closes.
      const plain = new Database(file);
      try {
        plain.exec('BEGIN');
        expect(replace(plain)).toBe('accepted');
        expect(plain.prepare("SELECT user, outcome FROM remediation_audit WHERE token_id = 't-1'").get()).toEqual({ user: 'U0MALLORY', outcome: null });
        plain.exec('ROLLBACK');
      } finally {
        plain.close();
      }
      expect(await store.auditByToken('t-1')).toMatchObject({ user: 'U0SRE', outcome: 'SIGNALLED' });
    } finally {
      await store.close();
    }
  });

  it('the store opens its connection with recursive_triggers on', () => {
    const store = openSqliteStore(join(dir, 'pragma.db'));
    try {
      expect(store.settings()).toEqual({ recursiveTriggers: true, journalMode: 'wal' });
    } finally {
      void store.close();
    }
  });
});
