import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createCollectorClient, type CollectorClient } from '../../../collector/src/grpc/client';
import { createCollectorServer, type CollectorServer } from '../../../collector/src/grpc/server';
import { serverCredentials } from '../../../collector/src/grpc/tls';
import type { Remediator } from '../../../collector/src/remediate/remediator';
import type { Snapshotter } from '../../../collector/src/snapshot/snapshotter';
import { createWatchJournal, type WatchJournal } from '../../../collector/src/watch/journal';
import type { CollectorLookup } from '../../../bot/src/nodes/collector-pool';
import { openSqliteStore } from '../../../bot/src/store/sqlite-store';
import type { Store } from '../../../bot/src/store/store';
import type { AlertEvent } from '../../../bot/src/watch/alert-event';
import { createBackoff } from '../../../bot/src/watch/backoff';
import { startNodeWatch, type NodeWatch } from '../../../bot/src/watch/node-watch';
import { waitFor } from '../../helpers/kernel/processes';

/** Retries an assertion for up to 5 s. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const end = Date.now() + 5000;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > end) throw err;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * One node's Watch stream against a real gRPC collector server (plaintext on
 * loopback) serving a journal the test writes, or one that never speaks:
 * reconnecting, the cursor, a cursor the collector refuses.
 */
describe("a node's watch stream", () => {
  let dir: string;
  let store: Store;
  const servers: CollectorServer[] = [];
  const clients: CollectorClient[] = [];
  const watches: NodeWatch[] = [];
  const logger = pino({ level: 'silent' });

  async function serve(journal: WatchJournal): Promise<CollectorClient> {
    const server = createCollectorServer({ snapshotter: {} as Snapshotter, remediator: {} as Remediator, nodeName: 'node-a', logger, journal });
    const port = await server.listen('127.0.0.1:0', serverCredentials('127.0.0.1', undefined, true));
    servers.push(server);
    const client = createCollectorClient({ address: `127.0.0.1:${port}`, deadlineMs: 5000, retries: 0 });
    clients.push(client);
    return client;
  }
  const ok = (client: CollectorClient): CollectorLookup => ({ status: 'ok', client, address: 'test', where: 'test' });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'whystuck-node-watch-'));
    store = openSqliteStore(join(dir, 'store.db'));
  });
  afterEach(async () => {
    for (const w of watches.splice(0)) await w.stop();
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) await s.shutdown(0);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries a node whose collector cannot be found, with backoff, then reads its events in order and stores the cursor after each', async () => {
    const journal = createWatchJournal({ hostname: 'n' });
    journal.append({ condition: { kind: 'zombie-growth', state: 'RAISED', pod_uid: 'u1', count: 6, since_unix_ms: Date.now(), pids: [7], detail: '6 zombie processes, and growing' } });
    const client = await serve(journal);
    let lookups = 0;
    const seen: AlertEvent[] = [];
    watches.push(
      startNodeWatch({
        node: 'node-a',
        store,
        maxAgeMs: 300_000,
        logger,
        backoff: createBackoff({ initialMs: 20, maxMs: 40 }),
        collectors: { forNode: async () => (++lookups < 3 ? { status: 'unknown-node', message: 'no collector pod yet' } : ok(client)) },
        onEvent: async (ev) => {
          seen.push(ev);
        },
      }),
    );
    await waitFor(() => seen.length === 1, 'the raised condition');
    expect(lookups).toBe(3);
    expect(seen[0]).toMatchObject({ node: 'node-a', kind: 'zombie-growth', action: 'raise', key: 'node-a|zombie-growth|u1' });
    journal.append({ condition: { kind: 'zombie-growth', state: 'CLEARED', pod_uid: 'u1', count: 6, since_unix_ms: Date.now(), pids: [7], detail: '6 zombie processes, and growing' } });
    await waitFor(() => seen.length === 2, 'the clear');
    expect(seen.map((e) => e.action)).toEqual(['raise', 'clear']);
    await eventually(async () => expect(await store.kmsgCursor('node-a')).toEqual({ journalId: journal.id, seq: 2 }));
  });

  it('a stream on which nothing comes, not even heartbeats, is closed and opened again', async () => {
    let streams = 0;
    const silentJournal: WatchJournal = {
      id: 'silent',
      lastSeq: 0,
      oldestSeq: 1,
      append: () => {
        throw new Error('not used');
      },
      after: () => {
        streams++;
        return [];
      },
      next: () => new Promise<boolean>(() => undefined),
    };
    const client = await serve(silentJournal);
    watches.push(
      startNodeWatch({
        node: 'node-b',
        store,
        maxAgeMs: 300_000,
        logger,
        silenceMs: 200,
        backoff: createBackoff({ initialMs: 20, maxMs: 40 }),
        collectors: { forNode: async () => ok(client) },
        onEvent: async () => undefined,
      }),
    );
    await waitFor(() => streams >= 3, 'three streams opened', 5000);
  });

  it('a cursor the collector refuses (beyond its journal) is dropped and the journal read from its start', async () => {
    const journal = createWatchJournal({ hostname: 'n' });
    journal.append({
      kernel_report: { kind: 'hung-task', kmsg_seq: 5, wall_time_unix_ms: Date.now(), headline: 'INFO: task stat:9 blocked for more than 120 seconds.', pid: 9, comm: 'stat', pod_uid: 'u2' },
    });
    await store.advanceKmsgCursor('node-c', { journalId: journal.id, seq: 99 });
    const client = await serve(journal);
    const seen: AlertEvent[] = [];
    watches.push(
      startNodeWatch({
        node: 'node-c',
        store,
        maxAgeMs: 300_000,
        logger,
        backoff: createBackoff({ initialMs: 20, maxMs: 40 }),
        collectors: { forNode: async () => ok(client) },
        onEvent: async (ev) => {
          seen.push(ev);
        },
      }),
    );
    await waitFor(() => seen.length === 1, 'the report after the cursor was dropped');
    expect(seen[0]).toMatchObject({ kind: 'hung-task', pid: 9, podUid: 'u2', kmsgSeq: 5 });
    await eventually(async () => expect(await store.kmsgCursor('node-c')).toEqual({ journalId: journal.id, seq: 1 }));
  });
});
