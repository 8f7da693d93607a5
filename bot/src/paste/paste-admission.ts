/**
 * How many pastes the bot reads at once, and how often one person may paste.
 *
 * Every Slack paste (the dialog, text in a thread, uploaded files) is read in
 * a worker thread of the bot's own process: a 2 MB paste can take a few
 * seconds of a core and a hundred MB or more of that thread's heap. So at most
 * `concurrency` analyses run at a time in the process; the next `queue` wait
 * for a free slot (their time budget starts when they start, not while they
 * wait; a file is not even downloaded before then) and past that a paste is
 * refused with a sentence saying so. A per-user rate limit keeps one person
 * (or a script posting as one) from taking every slot: `ratePerMinute` pastes
 * in any 60 s, the next refused with when to try again. Both live in memory in
 * one process: with several replicas each has its own slots and counts.
 *
 * `whystuck analyze` (the CLI) reads outside this: it is its own process.
 */
export interface PasteLimits {
  /** Analyses that run at once (each one a worker thread reading one paste). */
  concurrency: number;
  /** Pastes that may wait for a free slot; past them a paste is refused. */
  queue: number;
  /** Pastes one Slack user may send in any 60 seconds. */
  ratePerMinute: number;
}

/** WHYSTUCK_PASTE_CONCURRENCY and WHYSTUCK_PASTE_RATE_PER_MINUTE's defaults; the queue is fixed. */
export const DEFAULT_PASTE_LIMITS: Readonly<PasteLimits> = { concurrency: 2, queue: 8, ratePerMinute: 6 };

const MINUTE_MS = 60_000;

/** No slot free and the queue full (or the caller could not wait long enough): the sentence says what is going on. */
export class PasteBusy extends Error {
  override readonly name = 'PasteBusy';
  constructor(
    readonly running: number,
    readonly waiting: number,
    readonly limits: Readonly<PasteLimits>,
  ) {
    super(`${running + waiting} paste${running + waiting === 1 ? ' is' : 's are'} being analysed (${limits.concurrency} at a time, WHYSTUCK_PASTE_CONCURRENCY); try again in a minute`);
  }
}

/** One user over the rate: the sentence says when to try again. */
export class PasteRateLimited extends Error {
  override readonly name = 'PasteRateLimited';
  constructor(
    readonly user: string,
    readonly limit: number,
    readonly retryAfterMs: number,
  ) {
    super(
      `you sent ${limit} paste${limit === 1 ? '' : 's'} in the last minute, the most I read from one person (WHYSTUCK_PASTE_RATE_PER_MINUTE); try again in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`,
    );
  }
}

export interface PasteAdmissionStats {
  /** Analyses running now. */
  running: number;
  /** Waiting for a slot now. */
  waiting: number;
  /** The most that ran at once since the last resetPeak(). */
  peakRunning: number;
  /** The most that waited at once since the last resetPeak(). */
  peakWaiting: number;
  /** Slots given since the process started. */
  started: number;
  /** Refused since the process started: no room in the queue, or not started within the caller's wait. */
  refusedBusy: number;
  /** Refused since the process started: a user over the rate. */
  refusedRate: number;
}

interface Waiter {
  grant(): void;
  timer?: NodeJS.Timeout;
}

export class PasteAdmission {
  private limits: PasteLimits;
  private running = 0;
  private readonly waiters: Waiter[] = [];
  private readonly sent = new Map<string, number[]>();
  private lastSweep = 0;
  private counts = { peakRunning: 0, peakWaiting: 0, started: 0, refusedBusy: 0, refusedRate: 0 };

  constructor(
    limits: Partial<PasteLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_PASTE_LIMITS, ...limits };
  }

  /** New limits; analyses running or waiting keep their places (a lower concurrency takes effect as they finish). */
  configure(limits: Partial<PasteLimits>): void {
    this.limits = { ...this.limits, ...limits };
    this.grantFree();
  }

  get current(): Readonly<PasteLimits> {
    return this.limits;
  }

  stats(): PasteAdmissionStats {
    return { running: this.running, waiting: this.waiters.length, ...this.counts };
  }

  /** Tests and metrics: start counting the peaks again from what runs and waits now. */
  resetPeak(): void {
    this.counts.peakRunning = this.running;
    this.counts.peakWaiting = this.waiters.length;
  }

  /** Null if `user` may paste now, else the refusal (nothing is counted). */
  overRate(user: string): PasteRateLimited | null {
    const times = this.recent(user);
    if (times.length < this.limits.ratePerMinute) return null;
    // The oldest of the last `ratePerMinute` pastes leaves the window first.
    const oldest = times[times.length - this.limits.ratePerMinute];
    return new PasteRateLimited(user, this.limits.ratePerMinute, oldest + MINUTE_MS - this.now());
  }

  /** Counts a paste of `user` (one that was read, or is about to be). */
  countPaste(user: string): void {
    const times = this.recent(user);
    times.push(this.now());
    // Only the newest `ratePerMinute` matter: memory per user stays bounded whatever they send.
    if (times.length > this.limits.ratePerMinute) times.splice(0, times.length - this.limits.ratePerMinute);
    this.sent.set(user, times);
  }

  /** overRate, then countPaste if under it: throws the refusal, counts nothing then. */
  takeRate(user: string): void {
    const over = this.overRate(user);
    if (over) {
      this.counts.refusedRate++;
      throw over;
    }
    this.countPaste(user);
  }

  /** Counts a refusal the caller made with overRate (it looked first, before knowing whether the text was a paste). */
  noteRateRefusal(): void {
    this.counts.refusedRate++;
  }

  /**
   * Runs `fn` in a slot: at once if one is free, else after waiting in the
   * queue. Refused (PasteBusy, `fn` not called) when the queue is full, or
   * when no slot came within `maxWaitMs`. `fn` gets how long it waited.
   */
  async run<T>(fn: (waitedMs: number) => Promise<T>, opts: { maxWaitMs?: number } = {}): Promise<T> {
    const t0 = this.now();
    await this.acquire(opts.maxWaitMs);
    try {
      return await fn(Math.max(0, this.now() - t0));
    } finally {
      this.release();
    }
  }

  private acquire(maxWaitMs: number | undefined): Promise<void> {
    if (this.running < this.limits.concurrency && !this.waiters.length) {
      this.start();
      return Promise.resolve();
    }
    if (this.waiters.length >= this.limits.queue || maxWaitMs === 0) return Promise.reject(this.busy());
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        grant: () => {
          if (w.timer) clearTimeout(w.timer);
          this.start();
          resolve();
        },
      };
      if (maxWaitMs !== undefined) {
        w.timer = setTimeout(() => {
          const i = this.waiters.indexOf(w);
          if (i < 0) return;
          this.waiters.splice(i, 1);
          reject(this.busy());
        }, maxWaitMs);
      }
      this.waiters.push(w);
      this.counts.peakWaiting = Math.max(this.counts.peakWaiting, this.waiters.length);
    });
  }

  private busy(): PasteBusy {
    this.counts.refusedBusy++;
    return new PasteBusy(this.running, this.waiters.length, this.limits);
  }

  private start(): void {
    this.running++;
    this.counts.started++;
    this.counts.peakRunning = Math.max(this.counts.peakRunning, this.running);
  }

  private release(): void {
    this.running--;
    this.grantFree();
  }

  private grantFree(): void {
    while (this.running < this.limits.concurrency && this.waiters.length) this.waiters.shift()!.grant();
  }

  /** `user`'s pastes of the last minute, oldest first; users with none are forgotten (swept once a minute). */
  private recent(user: string): number[] {
    const now = this.now();
    if (now - this.lastSweep >= MINUTE_MS) {
      this.lastSweep = now;
      for (const [u, times] of this.sent) if (!times.length || times[times.length - 1] <= now - MINUTE_MS) this.sent.delete(u);
    }
    const times = (this.sent.get(user) ?? []).filter((t) => t > now - MINUTE_MS);
    if (times.length) this.sent.set(user, times);
    else this.sent.delete(user);
    return times;
  }
}

/**
 * The process's one admission: every Slack paste path goes through it, so the
 * limit holds across the dialog, thread messages and files (and across two
 * Slack apps in one process). Until configurePasteAdmission is called it has
 * the defaults.
 */
export const pasteAdmission = new PasteAdmission();

/** The bot's settings (WHYSTUCK_PASTE_CONCURRENCY, WHYSTUCK_PASTE_RATE_PER_MINUTE) applied to the process's admission. */
export function configurePasteAdmission(config: { pasteConcurrency: number; pasteRatePerMinute: number }): void {
  pasteAdmission.configure({ concurrency: config.pasteConcurrency, ratePerMinute: config.pasteRatePerMinute });
}
