import pino from 'pino';
import { createCollectorClient } from '../../../collector/src/grpc/client';
import { createCollectorServer } from '../../../collector/src/grpc/server';
import { serverCredentials } from '../../../collector/src/grpc/tls';
import { createMemoryReleaser } from '../../../collector/src/memory/release-memory';
import { snapshotCodec } from '../../../collector/src/proto/snapshot-codec';
import type { Remediator } from '../../../collector/src/remediate/remediator';
import type { Snapshotter } from '../../../collector/src/snapshot/snapshotter';

/**
 * When the collector gives snapshots' memory back: once it has been quiet
 * for quietMs after a snapshot (by default a quarter of a second, so a
 * question a second after another does not find the collection still to
 * do), or before a snapshot when past ones left more than the budget.
 */
describe('memory releaser', () => {
  const g = globalThis as { gc?: () => void };
  const had = g.gc;
  let collections = 0;
  beforeEach(() => {
    collections = 0;
    g.gc = () => {
      collections++;
    };
  });
  afterAll(() => {
    g.gc = had;
  });
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  it('collects once, a quarter of a second after the last snapshot ended, not before', async () => {
    const r = createMemoryReleaser();
    r.schedule();
    await sleep(150);
    r.schedule(); // another snapshot ended: the quiet time starts again
    await sleep(150);
    expect(collections).toBe(0);
    await sleep(200);
    expect(collections).toBe(1);
  });

  it('collects before a snapshot only past its budget, and a snapshot starting cancels the quiet-time collection', async () => {
    const r = createMemoryReleaser({ quietMs: 50, budgetBytes: Number.MAX_SAFE_INTEGER });
    r.schedule();
    r.beforeSnapshot();
    await sleep(100);
    expect(collections).toBe(0);
    createMemoryReleaser({ budgetBytes: 0 }).beforeSnapshot();
    expect(collections).toBe(1);
  });
});

describe("a collector server's memory releaser", () => {
  const g = globalThis as { gc?: () => void };
  const had = g.gc;
  afterAll(() => {
    g.gc = had;
  });

  it.each([
    [undefined, 1],
    [false, 0],
  ] as const)('releaseMemory %s: collections before a snapshot past the budget: %i', async (releaseMemory, expected) => {
    let collections = 0;
    g.gc = () => {
      collections++;
    };
    const held = Buffer.alloc(8 * 1024 * 1024, 1); // past snapshots' buffers, over the 2 MB budget
    const bytes = snapshotCodec().encode({ tasks: [], kmsg: [] });
    const server = createCollectorServer({
      snapshotter: {
        snapshotBytes: async (_req: unknown, _signal: unknown, idle?: () => void) => {
          idle?.();
          return { bytes, taskCount: 0, durationMs: 0, problemCount: 0 };
        },
      } as unknown as Snapshotter,
      remediator: { remediate: async () => ({}) } as unknown as Remediator,
      nodeName: 'node-a',
      logger: pino({ level: 'silent' }),
      ...(releaseMemory === undefined ? {} : { releaseMemory }),
    });
    const port = await server.listen('127.0.0.1:0', serverCredentials('127.0.0.1', undefined, true));
    const client = createCollectorClient({ address: `127.0.0.1:${port}`, deadlineMs: 5000, retries: 0 });
    try {
      const r = await client.snapshot({ whole_node: true });
      expect(r.status).toBe('ok');
      expect(collections).toBe(expected);
      expect(held.length).toBeGreaterThan(0);
    } finally {
      client.close();
      await server.shutdown(0);
    }
  });
});
