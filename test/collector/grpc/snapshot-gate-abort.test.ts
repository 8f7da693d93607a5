import { createSnapshotGate, type GateCaller } from '../../../collector/src/grpc/snapshot-gate';

/**
 * The snapshot gate aborts a started job (its run's signal fires) when the
 * last caller still waiting for it leaves, and only then. Pure: jobs are
 * promises the test settles.
 */
interface Run {
  req: string;
  signal: AbortSignal;
  finish(v: string): void;
  fail(e: Error): void;
}

function setup(maxRunning = 1) {
  const runs: Run[] = [];
  const gate = createSnapshotGate<string, string>({
    maxRunning,
    run: (req, signal) =>
      new Promise<string>((resolve, reject) => {
        runs.push({ req, signal, finish: resolve, fail: reject });
        // As the snapshotter does: an aborted snapshot rejects.
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      }),
  });
  return { gate, runs };
}

/** A caller as the server makes one: cancelled once `leave`d, answered into `got`. */
function caller() {
  const c = { cancelled: false, got: [] as Array<{ ok: boolean }> };
  const g: GateCaller<string> = {
    state: () => (c.cancelled ? 'cancelled' : 'ok'),
    answer: (r) => c.got.push({ ok: r.ok }),
  };
  return { c, g };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('snapshot gate: a started snapshot nobody waits for is aborted', () => {
  it('aborts a job started at once when its one caller leaves', async () => {
    const { gate, runs } = setup();
    const a = caller();
    const t = gate.submit('node', 'node', a.g);
    if ('ok' in t) throw new Error('refused');
    expect(runs).toHaveLength(1);
    expect(runs[0].signal.aborted).toBe(false);
    a.c.cancelled = true;
    t.leave();
    expect(runs[0].signal.aborted).toBe(true);
    await flush();
    expect(gate.stats()).toMatchObject({ started: 1, aborted: 1, running: 0 });
    expect(a.c.got).toEqual([]);
  });

  it('keeps a job that another caller still waits for, and aborts it when that one leaves too', async () => {
    const { gate, runs } = setup(1);
    const first = caller();
    const t0 = gate.submit('pod', 'pod', first.g);
    // Two identical calls wait behind the running one and share one job.
    const a = caller();
    const b = caller();
    const ta = gate.submit('node', 'node', a.g);
    const tb = gate.submit('node', 'node', b.g);
    if ('ok' in t0 || 'ok' in ta || 'ok' in tb) throw new Error('refused');
    expect(gate.stats()).toMatchObject({ coalesced: 1, queuedJobs: 1 });
    runs[0].finish('pod snapshot');
    await flush();
    expect(runs.map((r) => r.req)).toEqual(['pod', 'node']);
    const shared = runs[1];
    a.c.cancelled = true;
    ta.leave();
    expect(shared.signal.aborted).toBe(false);
    expect(gate.stats().aborted).toBe(0);
    b.c.cancelled = true;
    tb.leave();
    expect(shared.signal.aborted).toBe(true);
    await flush();
    expect(gate.stats()).toMatchObject({ started: 2, aborted: 1, running: 0 });
    expect(first.c.got).toEqual([{ ok: true }]);
  });

  it('answers the caller that stayed when the other left', async () => {
    const { gate, runs } = setup(1);
    const t0 = gate.submit('pod', 'pod', caller().g);
    const a = caller();
    const b = caller();
    const ta = gate.submit('node', 'node', a.g);
    gate.submit('node', 'node', b.g);
    if ('ok' in t0 || 'ok' in ta) throw new Error('refused');
    runs[0].finish('x');
    await flush();
    a.c.cancelled = true;
    ta.leave();
    runs[1].finish('node snapshot');
    await flush();
    expect(runs[1].signal.aborted).toBe(false);
    expect(b.c.got).toEqual([{ ok: true }]);
    expect(a.c.got).toEqual([]);
    expect(gate.stats().aborted).toBe(0);
  });

  it('a caller leaving a job that has not started drops it without running it (as before), aborting nothing', async () => {
    const { gate, runs } = setup(1);
    const t0 = gate.submit('pod', 'pod', caller().g);
    const a = caller();
    const ta = gate.submit('node', 'node', a.g);
    if ('ok' in t0 || 'ok' in ta) throw new Error('refused');
    a.c.cancelled = true;
    ta.leave();
    runs[0].finish('x');
    await flush();
    expect(runs).toHaveLength(1);
    expect(gate.stats()).toMatchObject({ jobsDropped: 1, aborted: 0, started: 1 });
  });
});
