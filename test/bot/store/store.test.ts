import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitAuditResult } from '../../../bot/src/store/await-audit-result';
import { openStore } from '../../../bot/src/store/open-store';
import type { AuditIntent, Store } from '../../../bot/src/store/store';
import { postgresAvailable, startPostgres, type PostgresServer } from '../../helpers/store/postgres-server';

/**
 * One suite, two databases: SQLite in a temporary file and a real PostgreSQL
 * server started for this file. "Two replicas" are two stores opened on the
 * same database (two SQLite connections, two pg pools).
 */
const pg = postgresAvailable();
if (!pg.ok) process.stderr.write(`store tests on PostgreSQL skipped: ${pg.reason}\n`);

type Backend = { name: string; open(): Promise<Store>; setup(): Promise<void>; teardown(): Promise<void> };

let server: PostgresServer | undefined;
let dbCount = 0;
let tmp = '';
let pgUrl = '';
let sqlitePath = '';

const backends: Backend[] = [
  {
    name: 'SQLite',
    async setup() {
      tmp = mkdtempSync(join(tmpdir(), 'whystuck-store-'));
      sqlitePath = join(tmp, 'store.db');
    },
    open: () => openStore({ sqlitePath }),
    async teardown() {
      rmSync(tmp, { recursive: true, force: true });
    },
  },
  ...(pg.ok
    ? [
        {
          name: 'PostgreSQL',
          async setup() {
            server ??= await startPostgres();
            pgUrl = await server.createDatabase(`store_${++dbCount}`);
          },
          open: () => openStore({ databaseUrl: pgUrl, sqlitePath: '/nonexistent/unused.db' }),
          async teardown() {
            /* the server goes in afterAll */
          },
        },
      ]
    : []),
];

afterAll(() => server?.stop());

const intent = (tokenId: string, over: Partial<AuditIntent> = {}): AuditIntent => ({
  tokenId,
  user: 'U0SRE',
  node: 'node-a',
  pid: 4242,
  startTime: 123456789012,
  comm: 'python3',
  signal: 'SIGTERM',
  podUid: 'pod-uid-1',
  findingId: 'zombie',
  ...over,
});

describe.each(backends)('store on $name', (backend) => {
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    await backend.setup();
    a = await backend.open();
    b = await backend.open();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await backend.teardown();
  });

  it('audit: the intent before, the result after, once; newest first; a used token is found', async () => {
    const first = await a.recordIntent(intent('tok-1'));
    expect(first.status).toBe('new');
    const id = (first as { id: number }).id;
    expect(await a.auditByToken('tok-1')).toMatchObject({ id, user: 'U0SRE', pid: 4242, startTime: 123456789012, podUid: 'pod-uid-1', path: 'collector' });
    expect((await a.auditByToken('tok-1'))?.outcome).toBeUndefined();
    await a.recordResult(id, 'SIGNALLED', 'sent SIGTERM');
    await b.recordResult(id, 'FAILED', 'a second result is ignored');
    const row = await b.auditByToken('tok-1');
    expect(row).toMatchObject({ outcome: 'SIGNALLED', message: 'sent SIGTERM' });
    expect(Date.parse(row!.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(row!.at));
    await a.recordIntent(intent('tok-2', { path: 'ssh', podUid: undefined }));
    const list = await b.listAudit(10);
    expect(list.map((e) => e.tokenId)).toEqual(['tok-2', 'tok-1']);
    expect(list[0]).toMatchObject({ path: 'ssh', podUid: undefined });
    expect(await a.auditByToken('never-used')).toBeUndefined();
  });

  it('audit: a replayed token gets the first row, from either replica', async () => {
    const first = await a.recordIntent(intent('tok-replay'));
    const again = await b.recordIntent(intent('tok-replay', { user: 'U0OTHER', pid: 1 }));
    expect(again.status).toBe('duplicate');
    expect(again.status === 'duplicate' && again.previous).toMatchObject({ id: (first as { id: number }).id, user: 'U0SRE', pid: 4242 });
  });

  it('audit: the same click on two replicas at once makes exactly one intent', async () => {
    for (let round = 0; round < 10; round++) {
      const token = `tok-race-${round}`;
      const results = await Promise.all([a, b, a, b].map((s) => s.recordIntent(intent(token))));
      expect(results.filter((r) => r.status === 'new')).toHaveLength(1);
      const ids = new Set(results.map((r) => (r.status === 'new' ? r.id : r.previous.id)));
      expect(ids.size).toBe(1);
    }
  });

  it('audit: append-only — rows cannot be deleted and an intent cannot be rewritten', async () => {
    const done = await a.recordIntent(intent('tok-ro-1'));
    if (done.status !== 'new') throw new Error('expected a new intent');
    await a.recordResult(done.id, 'SIGNALLED', 'sent');
    await a.recordIntent(intent('tok-ro-2'));
    const raw = await rawSql(backend);
    // The refusal's message, not toThrow: better-sqlite3's error class may come from another test file's realm.
    const refusal = (sql: string): Promise<string> =>
      raw(sql).then(
        () => 'accepted',
        (e: { message?: string }) => String(e?.message),
      );
    expect(await refusal("DELETE FROM remediation_audit WHERE token_id = 'tok-ro-1'")).toMatch(/append-only/);
    expect(await refusal("UPDATE remediation_audit SET pid = 1 WHERE token_id = 'tok-ro-2'")).toMatch(/append-only/);
    expect(await refusal("UPDATE remediation_audit SET outcome = 'FAILED' WHERE token_id = 'tok-ro-1'")).toMatch(/append-only/);
    expect(await a.auditByToken('tok-ro-1')).toMatchObject({ outcome: 'SIGNALLED' });
    expect(await a.auditByToken('tok-ro-2')).toMatchObject({ pid: 4242 });
  });

  it("the second caller waits for the first one's result, or says it is still in flight", async () => {
    const first = await a.recordIntent(intent('tok-wait'));
    const dup = await b.recordIntent(intent('tok-wait'));
    if (first.status !== 'new' || dup.status !== 'duplicate') throw new Error('expected new then duplicate');
    setTimeout(() => {
      void a.recordResult(first.id, 'SIGNALLED', 'done by the first');
    }, 300);
    const waited = await awaitAuditResult(b, dup.previous, { timeoutMs: 5000, intervalMs: 50 });
    expect(waited).toMatchObject({ status: 'done', entry: { outcome: 'SIGNALLED', message: 'done by the first' } });

    await a.recordIntent(intent('tok-stuck'));
    const dup2 = await b.recordIntent(intent('tok-stuck'));
    if (dup2.status !== 'duplicate') throw new Error('expected a duplicate');
    const t0 = Date.now();
    const stuck = await awaitAuditResult(b, dup2.previous, { timeoutMs: 300, intervalMs: 50 });
    expect(stuck.status).toBe('in-flight');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it('Slack event ids: the first delivery anywhere is handled, retries and copies are not, until the claim expires', async () => {
    expect(await a.claimEvent('Ev1', 60_000)).toBe(true);
    expect(await a.claimEvent('Ev1', 60_000)).toBe(false);
    expect(await b.claimEvent('Ev1', 60_000)).toBe(false);
    for (let round = 0; round < 10; round++) {
      const got = await Promise.all([a, b, a, b].map((s) => s.claimEvent(`EvRace${round}`, 60_000)));
      expect(got.filter(Boolean)).toHaveLength(1);
    }
    expect(await a.claimEvent('EvShort', 50)).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    expect(await b.claimEvent('EvShort', 60_000)).toBe(true);
    expect(await a.claimEvent('EvShort', 60_000)).toBe(false);
  });

  it('thread context: saved by one replica, read by the other, replaced on update', async () => {
    expect(await b.loadThread('C0INCIDENT', '1700000001.000100')).toBeUndefined();
    await a.saveThread({ channel: 'C0INCIDENT', ts: '1700000001.000100', data: '{"v":1}' });
    expect(await b.loadThread('C0INCIDENT', '1700000001.000100')).toEqual({ channel: 'C0INCIDENT', ts: '1700000001.000100', data: '{"v":1}' });
    const big = JSON.stringify({ v: 2, text: 'é☃'.repeat(200_000) });
    await b.saveThread({ channel: 'C0INCIDENT', ts: '1700000001.000100', data: big });
    expect((await a.loadThread('C0INCIDENT', '1700000001.000100'))?.data).toBe(big);
    expect(await a.loadThread('C0OTHER', '1700000001.000100')).toBeUndefined();
  });

  it('incidents: one open per key across replicas, its Slack message set once, resolving frees the key', async () => {
    const base = { key: 'node-b/-/hung-task', node: 'node-b', findingId: 'hung-task', summary: 'hung task' };
    const raced = await Promise.all([a, b, a, b].map((s) => s.openIncident(base)));
    expect(raced.filter((r) => r.status === 'new')).toHaveLength(1);
    const inc = raced.find((r) => r.status === 'new')!.incident;
    expect(new Set(raced.map((r) => r.incident.id))).toEqual(new Set([inc.id]));
    expect(inc).toMatchObject({ state: 'open', node: 'node-b', podUid: undefined, slackTs: undefined });
    expect(await a.setIncidentMessage(inc.id, 'C0ALERTS', '1700000002.000200')).toBe(true);
    expect(await b.setIncidentMessage(inc.id, 'C0ALERTS', '1700000009.000900')).toBe(false);
    await b.setIncidentDedupKey(inc.id, 'whystuck/node-b/-/hung-task');
    await a.setIncidentState(inc.id, 'acknowledged');
    await a.openIncident({ ...base, key: 'node-c/-/zombie', node: 'node-c', findingId: 'zombie', podUid: 'uid-c' });
    expect(await b.openIncidents('node-b')).toEqual([
      expect.objectContaining({ id: inc.id, state: 'acknowledged', slackChannel: 'C0ALERTS', slackTs: '1700000002.000200', pagerdutyDedupKey: 'whystuck/node-b/-/hung-task' }),
    ]);
    expect((await b.openIncidents()).map((i) => i.node).sort()).toEqual(['node-b', 'node-c']);
    await b.setIncidentState(inc.id, 'resolved');
    await a.setIncidentState(inc.id, 'open'); // a resolved incident stays resolved
    expect(await a.openIncidents('node-b')).toEqual([]);
    const again = await b.openIncident(base);
    expect(again.status).toBe('new');
    expect(again.incident.id).not.toBe(inc.id);
  });

  it('kernel-log cursor per node: only moves forward within a journal, a new journal replaces it, concurrent writers keep the highest', async () => {
    expect(await a.kmsgCursor('node-k')).toBeUndefined();
    expect(await a.advanceKmsgCursor('node-k', { journalId: 'j1', seq: 100 })).toBe(true);
    expect(await b.advanceKmsgCursor('node-k', { journalId: 'j1', seq: 99 })).toBe(false);
    expect(await b.advanceKmsgCursor('node-k', { journalId: 'j1', seq: 100 })).toBe(false);
    expect(await b.kmsgCursor('node-k')).toEqual({ journalId: 'j1', seq: 100 });
    await Promise.all([150, 9_007_199_254, 120, 4000].map((n, i) => (i % 2 ? a : b).advanceKmsgCursor('node-k', { journalId: 'j1', seq: n })));
    expect(await a.kmsgCursor('node-k')).toEqual({ journalId: 'j1', seq: 9_007_199_254 });
    // The collector restarted: a new journal starts from its own sequence numbers.
    expect(await b.advanceKmsgCursor('node-k', { journalId: 'j2', seq: 3 })).toBe(true);
    expect(await a.kmsgCursor('node-k')).toEqual({ journalId: 'j2', seq: 3 });
    expect(await a.kmsgCursor('node-other')).toBeUndefined();
  });

  it('fenced cursor writes: only the newest holder of a watch shard moves a cursor; the replica that lost the lease is refused', async () => {
    expect(await a.fenceWatchShard({ shard: 'whystuck-watch-shard-2', token: 3, holder: 'bot-a' })).toBe(true);
    expect(await a.advanceKmsgCursor('node-f', { journalId: 'j1', seq: 10 }, { shard: 'whystuck-watch-shard-2', token: 3 })).toBe(true);
    // b takes the shard over (lease transition 4); a, not yet aware, keeps writing.
    expect(await b.fenceWatchShard({ shard: 'whystuck-watch-shard-2', token: 4, holder: 'bot-b' })).toBe(true);
    expect(await a.advanceKmsgCursor('node-f', { journalId: 'j1', seq: 20 }, { shard: 'whystuck-watch-shard-2', token: 3 })).toBe(false);
    expect(await b.kmsgCursor('node-f')).toEqual({ journalId: 'j1', seq: 10 });
    expect(await b.advanceKmsgCursor('node-f', { journalId: 'j1', seq: 15 }, { shard: 'whystuck-watch-shard-2', token: 4 })).toBe(true);
    // An older token never replaces a newer one; a shard never fenced refuses fenced writes.
    expect(await a.fenceWatchShard({ shard: 'whystuck-watch-shard-2', token: 3, holder: 'bot-a' })).toBe(false);
    expect(await a.advanceKmsgCursor('node-g', { journalId: 'j1', seq: 1 }, { shard: 'whystuck-watch-shard-5', token: 1 })).toBe(false);
    // Racing: the old holder's writes and the new holder's fence, concurrently; afterwards the old one is refused.
    const racing = await Promise.all([
      ...[16, 17, 18].map((n) => a.advanceKmsgCursor('node-f', { journalId: 'j1', seq: n }, { shard: 'whystuck-watch-shard-2', token: 4 })),
      b.fenceWatchShard({ shard: 'whystuck-watch-shard-2', token: 5, holder: 'bot-b' }),
    ]);
    expect(racing[3]).toBe(true);
    expect(await a.advanceKmsgCursor('node-f', { journalId: 'j1', seq: 30 }, { shard: 'whystuck-watch-shard-2', token: 4 })).toBe(false);
    expect((await b.kmsgCursor('node-f'))!.seq).toBeLessThan(30);
    // Two holders never share a token: the same token is accepted again only from its holder.
    expect(await a.fenceWatchShard({ shard: 'whystuck-watch-shard-2', token: 5, holder: 'bot-a' })).toBe(false);
    expect(await b.fenceWatchShard({ shard: 'whystuck-watch-shard-2', token: 5, holder: 'bot-b' })).toBe(true);
    expect(await a.watchFence('whystuck-watch-shard-2')).toEqual({ shard: 'whystuck-watch-shard-2', token: 5, holder: 'bot-b' });
    expect(await a.watchFence('whystuck-watch-shard-9')).toBeUndefined();
  });

  it('ping answers while open and says what is wrong once closed; reopening migrates nothing and keeps the data', async () => {
    expect(await a.ping()).toMatchObject({ status: 'ok' });
    const c = await backend.open();
    expect((c as unknown as { migrated: number[] }).migrated).toEqual([]);
    expect(await c.auditByToken('tok-1')).toMatchObject({ outcome: 'SIGNALLED' });
    await c.close();
    const health = await c.ping();
    expect(health.status).toBe('unavailable');
    expect(c.location).toMatch(backend.name === 'SQLite' ? /^SQLite .*store\.db$/ : /^PostgreSQL whystuck@127\.0\.0\.1:\d+\/store_\d+$/);
    expect(c.location).not.toMatch(/:[0-9a-f]{24}@/);
  });
});

/** Statements outside the Store interface, to prove what the database itself refuses. */
async function rawSql(backend: Backend): Promise<(sql: string) => Promise<unknown>> {
  if (backend.name === 'SQLite') {
    return async (sql) => {
      const db = new Database(sqlitePath);
      try {
        return db.prepare(sql).run();
      } finally {
        db.close();
      }
    };
  }
  return (sql) => server!.sql(sql, pgUrl);
}
