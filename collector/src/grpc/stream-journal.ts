import { once } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import type { WatchEvent } from '../../../proto/generated/whystuck/v1/WatchEvent';
import type { WatchJournal } from '../watch/journal';

const BATCH = 256;
const HEARTBEAT_MS = 15000;

/**
 * Serves one Watch stream from the journal: events after `after`, then live
 * ones as they are appended, a heartbeat when nothing happened for a while.
 * Backpressure: a consumer that reads slowly is written to only as fast as
 * it drains; meanwhile the journal keeps its events, and if they fall out of
 * the journal before it gets them, it is told how many (a `lost` event).
 */
export async function streamJournal(call: grpc.ServerWritableStream<unknown, WatchEvent>, journal: WatchJournal, after: number): Promise<void> {
  let open = true;
  let wake: () => void = () => undefined;
  const gone = new Promise<false>((resolve) => {
    wake = () => resolve(false);
  });
  const closed = (): void => {
    open = false;
    wake();
  };
  call.on('cancelled', closed);
  call.on('close', closed);
  call.on('error', closed);
  let cursor = after;
  const base = (): Pick<WatchEvent, 'journal_id' | 'at_unix_ms'> => ({ journal_id: journal.id, at_unix_ms: Date.now() });
  const write = async (ev: WatchEvent): Promise<void> => {
    if (!call.write(ev)) await Promise.race([once(call, 'drain'), gone]);
  };
  try {
    while (open) {
      if (cursor + 1 < journal.oldestSeq) {
        const count = journal.oldestSeq - cursor - 1;
        await write({ ...base(), seq: journal.oldestSeq - 1, lost: { from_seq: cursor + 1, count } });
        cursor = journal.oldestSeq - 1;
      }
      const batch = journal.after(cursor, BATCH);
      for (const ev of batch) {
        if (!open) return;
        await write(ev);
        cursor = ev.seq;
      }
      if (batch.length > 0 || !open) continue;
      const appended = await Promise.race([journal.next(HEARTBEAT_MS), gone]);
      if (!appended && open) await write({ ...base(), seq: cursor, heartbeat: { last_seq: cursor } });
    }
  } finally {
    if (open) call.end();
  }
}
