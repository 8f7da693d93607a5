import type { Logger } from 'pino';
import type { WatchEvent__Output } from '../../../proto/generated/whystuck/v1/WatchEvent';
import type { WatchStream } from '../../../collector/src';
import type { CollectorPool } from '../nodes/collector-pool';
import type { BotMetrics } from '../metrics/bot-metrics';
import type { KmsgCursor, Store } from '../store/store';
import { alertEventFrom, type AlertEvent } from './alert-event';
import { createBackoff, type Backoff } from './backoff';

export interface NodeWatchDeps {
  node: string;
  collectors: Pick<CollectorPool, 'forNode'>;
  /** Where the node's stream was read up to: resumed from after a reconnect or a restart. */
  store: Pick<Store, 'kmsgCursor' | 'advanceKmsgCursor'>;
  /** Acts on one event; the cursor moves past an event only once this resolved. */
  onEvent(ev: AlertEvent): Promise<void>;
  /** Reading a journal from its start (first connection, collector restarted): older kernel reports are not alerted. */
  maxAgeMs: number;
  backoff?: Backoff;
  logger: Logger;
  metrics?: BotMetrics;
  now?: () => number;
  /** A replay that pauses this long has caught up: conditions it left raised are alerted (default 1 s). */
  catchUpMs?: number;
  /** No event, not even a heartbeat (the collector sends one every 15 s), for this long: the stream is dead; reconnect (default 45 s). */
  silenceMs?: number;
  /** The last kernel report handled per node, kept by the manager: a replay after a collector restart skips it and what came before. */
  handledKmsg?: Map<string, { seq: number; wallMs: number }>;
}

export interface NodeWatch {
  readonly node: string;
  readonly connected: boolean;
  /** Closes the stream and waits until the event being handled is done. */
  stop(): Promise<void>;
}

/**
 * One node's Watch stream, for as long as the bot runs: resumed from the
 * cursor in the store (journal id and sequence), events handled one at a time
 * in order and the cursor advanced after each, reconnected with capped,
 * jittered backoff when the collector goes away. A journal read from its start
 * (nothing stored, or the collector restarted) replays the kernel's whole ring
 * and every condition of the collector's life: kernel reports older than
 * `maxAgeMs` are skipped, and conditions raised long ago are alerted only if
 * the replay does not clear them.
 */
export function startNodeWatch(deps: NodeWatchDeps): NodeWatch {
  const { node } = deps;
  const log = deps.logger.child({ node });
  const backoff = deps.backoff ?? createBackoff();
  const now = deps.now ?? Date.now;
  const handledKmsg = deps.handledKmsg ?? new Map<string, { seq: number; wallMs: number }>();
  let stopped = false;
  let connected = false;
  let stream: WatchStream | undefined;
  let wake: () => void = () => undefined;
  /** Events (and the catch-up flush) one at a time. */
  let chain: Promise<void> = Promise.resolve();
  const serial = (fn: () => Promise<void>): Promise<void> => (chain = chain.then(fn, fn));

  /** What the store has (or will have at the next save), and the last event read. */
  let cursor: KmsgCursor | undefined;
  let lastSeen: KmsgCursor | undefined;
  let unsaved = 0;
  const oldRaised = new Map<string, AlertEvent>();
  let catchUp: NodeJS.Timeout | undefined;

  async function saveCursor(): Promise<void> {
    if (!cursor || !unsaved) return;
    unsaved = 0;
    try {
      await deps.store.advanceKmsgCursor(node, cursor);
    } catch (err) {
      log.error({ err }, 'saving the watch cursor failed: after a restart some events may be handled again');
    }
  }

  async function flushOldRaised(): Promise<void> {
    clearTimeout(catchUp);
    catchUp = undefined;
    if (stopped) return;
    const still = [...oldRaised.values()];
    oldRaised.clear();
    for (const ev of still) await deps.onEvent(ev);
    if (lastSeen) {
      cursor = lastSeen;
      unsaved++;
    }
    await saveCursor();
  }

  const isReplayedKmsg = (ev: AlertEvent): boolean => {
    const h = handledKmsg.get(node);
    return h !== undefined && ev.kmsgSeq !== undefined && ev.kmsgSeq <= h.seq && ev.atMs <= h.wallMs + 1000;
  };

  /**
   * A condition raised more than `maxAgeMs` before the bot sees it is a
   * replay: held until the replay has caught up, and alerted only if the
   * replay did not clear it meanwhile. The cursor stays before held events,
   * so a stop or a reconnect replays them again rather than losing them.
   */
  async function handle(raw: WatchEvent__Output, fromStart: boolean): Promise<void> {
    const type = raw.event ?? 'unknown';
    const ev = alertEventFrom(node, raw);
    deps.metrics?.watchEvents.inc({ type, kind: ev?.kind ?? (type === 'condition' ? (raw.condition?.kind ?? '') : type === 'kernel_report' ? (raw.kernel_report?.kind ?? '') : '') });
    if (type === 'heartbeat') {
      await flushOldRaised();
      return;
    }
    if (type === 'lost') log.warn({ from: Number(raw.lost?.from_seq), count: Number(raw.lost?.count) }, 'watch events were dropped from the collector journal before the bot read them');
    const recent = now() - Number(raw.at_unix_ms) <= deps.maxAgeMs;
    if (ev) {
      let act = true;
      if (fromStart && ev.action === 'report') {
        act = now() - ev.atMs <= deps.maxAgeMs && !isReplayedKmsg(ev);
        if (!act) deps.metrics?.alerts.inc({ outcome: 'replayed-old' });
      } else if (ev.action === 'raise' && !recent) {
        oldRaised.set(ev.key, ev);
        act = false;
      } else if (ev.action === 'clear') {
        oldRaised.delete(ev.key); // still acted on: it resolves an incident an earlier journal opened
      }
      if (act) {
        if (oldRaised.size && recent) await flushOldRaised();
        await deps.onEvent(ev);
        if (ev.kmsgSeq !== undefined) handledKmsg.set(node, { seq: ev.kmsgSeq, wallMs: ev.atMs });
      }
    }
    lastSeen = { journalId: raw.journal_id, seq: Number(raw.seq) };
    if (oldRaised.size) {
      clearTimeout(catchUp);
      catchUp = setTimeout(() => void serial(flushOldRaised), deps.catchUpMs ?? 1000);
      return;
    }
    cursor = lastSeen;
    unsaved++;
    if (ev || unsaved >= 200) await saveCursor();
  }

  async function connectOnce(): Promise<void> {
    const lookup = await deps.collectors.forNode(node);
    if (lookup.status !== 'ok') {
      log.warn({ why: lookup.message }, 'no collector to watch');
      return;
    }
    let stored: KmsgCursor | undefined;
    try {
      stored = await deps.store.kmsgCursor(node);
    } catch (err) {
      log.error({ err }, "reading the watch cursor failed; retrying before reading the node's journal from its start");
      return;
    }
    cursor = stored;
    lastSeen = undefined;
    const s = lookup.client.watch(stored ? { journal_id: stored.journalId, since_seq: stored.seq } : {});
    stream = s;
    if (stopped) {
      s.close();
      return;
    }
    log.info({ where: lookup.where, journal: stored?.journalId, since: stored?.seq }, 'watching');
    connected = true;
    deps.metrics?.watchStreams.inc();
    // A collector that vanished without closing the connection (node down, partition) sends nothing,
    // not even heartbeats: after `silenceMs` the stream is closed and opened again.
    let silent: NodeJS.Timeout | undefined;
    const listen = (): void => {
      clearTimeout(silent);
      silent = setTimeout(() => {
        log.warn({ silenceMs: deps.silenceMs ?? 45_000 }, 'no event nor heartbeat from the collector: reconnecting');
        s.close();
      }, deps.silenceMs ?? 45_000);
    };
    listen();
    try {
      for await (const raw of s.events) {
        if (stopped) break;
        clearTimeout(silent); // silence is counted while waiting for the collector, not while handling
        backoff.reset();
        const fromStart = raw.journal_id !== stored?.journalId;
        await serial(() => handle(raw, fromStart));
        listen();
      }
      if (!stopped) log.warn('the collector ended the watch stream');
    } catch (err) {
      if (!stopped) log.warn({ err: { code: (err as { code?: number }).code, message: (err as Error).message } }, 'watch stream broke');
      if ((err as { code?: number }).code === 3 && stored) {
        // INVALID_ARGUMENT: the collector does not know where the cursor points; read its journal from the start.
        await deps.store.advanceKmsgCursor(node, { journalId: '', seq: 0 }).catch(() => undefined);
      }
    } finally {
      clearTimeout(silent);
      connected = false;
      deps.metrics?.watchStreams.dec();
      s.close();
      // Held replayed conditions are read again after the reconnect (the cursor stayed before them).
      await serial(async () => {
        clearTimeout(catchUp);
        oldRaised.clear();
        await saveCursor();
      });
    }
  }

  const loop = (async () => {
    while (!stopped) {
      await connectOnce().catch((err: Error) => log.error({ err }, 'watching failed'));
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, backoff.next());
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  })();

  return {
    node,
    get connected() {
      return connected;
    },
    async stop() {
      stopped = true;
      stream?.close();
      wake();
      await loop;
      clearTimeout(catchUp);
      await chain.catch(() => undefined);
    },
  };
}
