import { createGuardedReader, type GuardedReader } from '../../../collector/src/procfs/guarded-reader';
import { createTaskScanner } from '../../../collector/src/procfs/task-scanner';

/**
 * A scan shared by several callers (coalesced while it waits for its turn)
 * is aborted only when every one of them has given up; one that all gave up
 * on before its turn never walks /proc. (Stopping a walk mid-way:
 * test/collector/snapshot/cancelled-snapshot-scan.test.ts.) Real /proc.
 */
const REQ = { procRoot: '/proc', pids: [], podUid: '', fullStates: 'DZTtXxWP', allThreadDetails: false };
/** Another request: a scan of its own, ahead of the shared one. */
const FIRST = { ...REQ, allThreadDetails: true };

describe('task scanner: aborting a shared scan', () => {
  let reader: GuardedReader;
  beforeAll(() => {
    reader = createGuardedReader({ poolSize: 1 });
  });
  afterAll(async () => {
    await reader.close();
  });

  it('runs a shared scan to its end while one of its callers still wants it', async () => {
    const scanner = createTaskScanner(reader);
    const a = new AbortController();
    const b = new AbortController();
    const first = scanner.scan(FIRST, 20000);
    // Both wait behind the first scan: they share one.
    const ra = scanner.scan(REQ, 20000, a.signal);
    const rb = scanner.scan(REQ, 20000, b.signal);
    a.abort();
    const [, x, y] = await Promise.all([first, ra, rb]);
    expect(x).toBe(y);
    expect(x.aborted).toBeUndefined();
    expect(Array.from(x.tasks.tgid)).toContain(process.pid);
    expect(scanner.stats()).toMatchObject({ scans: 2, coalesced: 1, aborted: 0 });
  });

  it('never starts a waiting scan every caller gave up on, and no later caller joins it', async () => {
    const scanner = createTaskScanner(reader);
    const a = new AbortController();
    const b = new AbortController();
    const first = scanner.scan(FIRST, 20000);
    const ra = scanner.scan(REQ, 20000, a.signal);
    const rb = scanner.scan(REQ, 20000, b.signal);
    a.abort();
    b.abort();
    // Arrives after both left: a scan of its own (the abandoned one takes no one).
    const rc = scanner.scan(REQ, 20000);
    const [, x, y, z] = await Promise.all([first, ra, rb, rc]);
    expect(x).toBe(y);
    expect(x.aborted).toBe(true);
    expect(x.tasks.count).toBe(0);
    expect(z.aborted).toBeUndefined();
    expect(Array.from(z.tasks.tgid)).toContain(process.pid);
    // The first scan and the late caller's: the abandoned one never walked /proc.
    expect(scanner.stats()).toMatchObject({ scans: 2, coalesced: 1, aborted: 1 });
  });

  it('a caller without a signal always wants its scan', async () => {
    const scanner = createTaskScanner(reader);
    const a = new AbortController();
    const first = scanner.scan(FIRST, 20000);
    const ra = scanner.scan(REQ, 20000, a.signal);
    const rb = scanner.scan(REQ, 20000);
    a.abort();
    const [, x] = await Promise.all([first, ra, rb]);
    expect(x.aborted).toBeUndefined();
    expect(scanner.stats()).toMatchObject({ scans: 2, aborted: 0 });
  });

  it("a signal that fired before the call: that caller's scan is not run", async () => {
    const scanner = createTaskScanner(reader);
    const r = await scanner.scan(REQ, 20000, AbortSignal.abort());
    expect(r.aborted).toBe(true);
    expect(scanner.stats()).toMatchObject({ scans: 0, aborted: 1, tasksRead: 0 });
  });
});
