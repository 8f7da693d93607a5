import { randomUUID } from 'node:crypto';
import type { WatchEvent } from '../../../proto/generated/whystuck/v1/WatchEvent';

/** An event as the journal keeps it: what WatchEvent carries besides its place. */
export type JournalBody = Pick<WatchEvent, 'kernel_report' | 'condition' | 'lost' | 'heartbeat'>;
export interface JournalEvent extends JournalBody {
  journal_id: string;
  seq: number;
  at_unix_ms: number;
  hostname: string;
}

/**
 * The collector's watch journal: every event gets the next sequence number;
 * the last `capacity` events are kept so that a consumer that reconnects (or
 * a bot that restarted and stored the last sequence it handled) resumes
 * without a gap. `id` names this process's journal: after a collector
 * restart, sequence numbers start again under a new id.
 */
export interface WatchJournal {
  readonly id: string;
  readonly lastSeq: number;
  /** Oldest sequence still held (lastSeq + 1 when empty). */
  readonly oldestSeq: number;
  append(body: JournalBody): JournalEvent;
  /** Events with seq > `after`, at most `max`. */
  after(after: number, max: number): JournalEvent[];
  /** Resolves at the next append, or after `ms` with false. */
  next(ms: number): Promise<boolean>;
}

export function createWatchJournal(opts: { capacity?: number; hostname: string; now?: () => number }): WatchJournal {
  const capacity = opts.capacity ?? 10000;
  const now = opts.now ?? Date.now;
  const id = randomUUID();
  const ring: JournalEvent[] = [];
  let lastSeq = 0;
  let waiters: Array<(appended: boolean) => void> = [];

  return {
    id,
    get lastSeq() {
      return lastSeq;
    },
    get oldestSeq() {
      return ring.length > 0 ? ring[0].seq : lastSeq + 1;
    },
    append(body) {
      const ev: JournalEvent = { ...body, journal_id: id, seq: ++lastSeq, at_unix_ms: now(), hostname: opts.hostname };
      ring.push(ev);
      if (ring.length > capacity) ring.shift();
      const w = waiters;
      waiters = [];
      for (const f of w) f(true);
      return ev;
    },
    after(after, max) {
      if (ring.length === 0 || after >= lastSeq) return [];
      const start = Math.max(0, after + 1 - ring[0].seq);
      return ring.slice(start, start + max);
    },
    next(ms) {
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== done);
          resolve(false);
        }, ms);
        timer.unref();
        const done = (appended: boolean): void => {
          clearTimeout(timer);
          resolve(appended);
        };
        waiters.push(done);
      });
    },
  };
}
