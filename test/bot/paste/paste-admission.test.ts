import { DEFAULT_PASTE_LIMITS, PasteAdmission, PasteBusy, PasteRateLimited } from '../../../bot/src/paste/paste-admission';

/** The bot's paste admission: a few analyses at a time, a bounded queue, a per-user rate — on a clock the test moves. */

const clock = (start = 1_000_000) => {
  const c = { t: start, now: () => c.t };
  return c;
};
const refusal = (f: () => void): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('not refused');
};

describe('per-user rate (WHYSTUCK_PASTE_RATE_PER_MINUTE, default 6)', () => {
  it('a 7th paste within a minute is refused with the wait until the oldest leaves the minute', () => {
    const c = clock();
    const a = new PasteAdmission({}, c.now);
    expect(a.current.ratePerMinute).toBe(6);
    for (let i = 0; i < 6; i++) {
      a.takeRate('U0ONCALL');
      c.t += 9_000;
    } // pastes at 0, 9, …, 45 s
    c.t = 1_000_000 + 52_300; // 52.3 s after the first
    const e = refusal(() => a.takeRate('U0ONCALL'));
    expect(e).toBeInstanceOf(PasteRateLimited);
    expect((e as PasteRateLimited).retryAfterMs).toBe(7_700);
    expect(e.message).toBe('you sent 6 pastes in the last minute, the most I read from one person (WHYSTUCK_PASTE_RATE_PER_MINUTE); try again in 8 s');
    expect(a.stats().refusedRate).toBe(1);
    // Someone else is not held up by it.
    expect(() => a.takeRate('U0SRE')).not.toThrow();
    // The refused paste was not counted: once the first leaves the minute, one more is allowed, then the next wait is the second's.
    c.t = 1_000_000 + 60_000;
    expect(a.overRate('U0ONCALL')).toBeNull();
    a.takeRate('U0ONCALL');
    expect(a.overRate('U0ONCALL')?.retryAfterMs).toBe(9_000);
    expect(a.overRate('U0ONCALL')?.message).toMatch(/try again in 9 s$/);
  });

  it('looking (overRate) counts nothing; countPaste counts; the limit is configurable; a user gone quiet is forgotten', () => {
    const c = clock();
    const a = new PasteAdmission({ ratePerMinute: 2 }, c.now);
    expect(a.overRate('U1')).toBeNull();
    expect(a.overRate('U1')).toBeNull();
    a.countPaste('U1');
    a.countPaste('U1');
    expect(a.overRate('U1')?.message).toMatch(/^you sent 2 pastes in the last minute.*try again in 60 s$/);
    a.configure({ ratePerMinute: 3 });
    expect(a.overRate('U1')).toBeNull();
    // Memory per user stays bounded whatever they send.
    for (let i = 0; i < 1000; i++) a.countPaste('U2');
    expect(a.overRate('U2')?.limit).toBe(3);
    c.t += 61_000;
    expect(a.overRate('U2')).toBeNull();
    expect(a.overRate('U1')).toBeNull();
  });
});

describe('analyses at a time (WHYSTUCK_PASTE_CONCURRENCY, default 2) and the queue (8)', () => {
  /** A job the test finishes by hand. */
  const held = () => {
    let finish!: () => void;
    const done = new Promise<void>((r) => {
      finish = r;
    });
    return {
      finish,
      fn: async (waitedMs: number) => {
        started.push(waitedMs);
        await done;
        return 'ok';
      },
    };
  };
  let started: number[] = [];
  beforeEach(() => {
    started = [];
  });
  const tick = () => new Promise((r) => setImmediate(r));

  it('two run, the next wait in order, past the queue one is refused with a sentence; waiting is not running', async () => {
    expect(DEFAULT_PASTE_LIMITS).toEqual({ concurrency: 2, queue: 8, ratePerMinute: 6 });
    const a = new PasteAdmission();
    const jobs = Array.from({ length: 10 }, held);
    const runs = jobs.map((j) => a.run(j.fn));
    await tick();
    expect(started).toHaveLength(2);
    expect(a.stats()).toMatchObject({ running: 2, waiting: 8, peakRunning: 2, peakWaiting: 8 });
    // The 11th: two running and eight waiting.
    const refused = await a.run(async () => 'ran').catch((e: Error) => e);
    expect(refused).toBeInstanceOf(PasteBusy);
    expect((refused as Error).message).toBe('10 pastes are being analysed (2 at a time, WHYSTUCK_PASTE_CONCURRENCY); try again in a minute');
    expect(a.stats().refusedBusy).toBe(1);
    // First in, first out; never more than two at once.
    jobs[1].finish();
    await tick();
    expect(started).toHaveLength(3);
    expect(a.stats()).toMatchObject({ running: 2, waiting: 7 });
    for (const j of jobs) j.finish();
    await expect(Promise.all(runs)).resolves.toEqual(Array(10).fill('ok'));
    expect(a.stats()).toMatchObject({ running: 0, waiting: 0, peakRunning: 2, started: 10 });
  });

  it('a caller that cannot wait long (the dialog) is refused after maxWaitMs; a slot freed by an error is given on', async () => {
    const a = new PasteAdmission({ concurrency: 1 });
    const first = held();
    const r1 = a.run(first.fn);
    const t0 = Date.now();
    await expect(a.run(async () => 'late', { maxWaitMs: 150 })).rejects.toThrow(/^1 paste is being analysed \(1 at a time/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(a.stats().waiting).toBe(0);
    const failing = a.run(async () => {
      throw new Error('stream failed');
    });
    const next = a.run(async (waitedMs) => waitedMs);
    first.finish();
    await r1;
    await expect(failing).rejects.toThrow('stream failed');
    await expect(next).resolves.toBeGreaterThanOrEqual(0);
    expect(a.stats()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('more slots take waiting pastes at once', async () => {
    const a = new PasteAdmission({ concurrency: 1 });
    const jobs = Array.from({ length: 3 }, held);
    const runs = jobs.map((j) => a.run(j.fn));
    await tick();
    expect(started).toHaveLength(1);
    a.configure({ concurrency: 3 });
    await tick();
    expect(started).toHaveLength(3);
    for (const j of jobs) j.finish();
    await Promise.all(runs);
  });
});
