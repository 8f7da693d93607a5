import { createMemoryReleaser } from '../../../collector/src/memory/release-memory';

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
