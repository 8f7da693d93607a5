import type { Logger } from 'pino';
import type { CollectorPool } from '../nodes/collector-pool';
import type { BotMetrics } from '../metrics/bot-metrics';
import type { Store, WatchFence } from '../store/store';
import type { Backoff } from './backoff';
import type { IncidentAlerter } from './incident-alerter';
import { startNodeWatch, type NodeWatch } from './node-watch';

export interface WatchManagerDeps {
  collectors: Pick<CollectorPool, 'forNode' | 'nodes'>;
  store: Pick<Store, 'kmsgCursor' | 'advanceKmsgCursor'>;
  alerter: IncidentAlerter;
  /** Kernel reports older than this are not alerted when a node's journal is read from its start. */
  maxAgeMs: number;
  /** How often the list of nodes is read again (collector pods come and go); default 60 s. */
  relistMs?: number;
  backoff?: () => Backoff;
  logger: Logger;
  metrics?: BotMetrics;
  now?: () => number;
  /**
   * Several replicas: the fence of the shard a node is in while this replica
   * holds its lease, undefined otherwise. Only owned nodes are watched, and
   * their cursors are written with the fence. Without it every node is watched.
   */
  ownership?: { fenceFor(node: string): WatchFence | undefined };
}

export interface WatchManager {
  start(): Promise<void>;
  /** The nodes watched now. */
  nodes(): string[];
  /** Streams closed, the events being handled and the Slack calls they started finished. */
  stop(): Promise<void>;
  /** The shards held changed: nodes no longer owned are stopped (awaited), newly owned ones started; the alerter's incidents follow. */
  ownershipChanged(): Promise<void>;
}

/**
 * Watch mode in the bot: a Watch stream to every collector it knows
 * (WHYSTUCK_COLLECTORS and, with discovery, every collector pod), nodes
 * added and dropped as the list changes, events handed to the alerter.
 */
export function createWatchManager(deps: WatchManagerDeps): WatchManager {
  const log = deps.logger;
  const watches = new Map<string, NodeWatch>();
  /** Per node, the last kernel report handled while this bot runs: a collector that restarted replays its ring, this much is known handled. */
  const handledKmsg = new Map<string, { seq: number; wallMs: number }>();
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let refreshing: Promise<void> | undefined;

  /** The nodes last listed. */
  let listed: string[] = [];

  function startWatch(node: string, fence: WatchFence | undefined): NodeWatch {
    const store = fence
      ? { kmsgCursor: (n: string) => deps.store.kmsgCursor(n), advanceKmsgCursor: (n: string, c: Parameters<Store['advanceKmsgCursor']>[1]) => deps.store.advanceKmsgCursor(n, c, fence) }
      : deps.store;
    return startNodeWatch({
      node,
      collectors: deps.collectors,
      store,
      onEvent: (ev) => deps.alerter.handle(ev),
      maxAgeMs: deps.maxAgeMs,
      backoff: deps.backoff?.(),
      logger: log,
      metrics: deps.metrics,
      now: deps.now,
      handledKmsg,
    });
  }

  /** Watches exactly the listed nodes this replica owns; stops of the others are awaited. */
  async function reconcile(opts: { dropUnlisted: boolean }): Promise<void> {
    const want = new Set(listed);
    const stops: Promise<void>[] = [];
    for (const [node, w] of watches) {
      const owned = !deps.ownership || deps.ownership.fenceFor(node) !== undefined;
      if (owned && (want.has(node) || !opts.dropUnlisted)) continue;
      watches.delete(node);
      log.info({ node }, owned ? 'node no longer listed: watch stopped' : "node's shard not held here any more: watch stopped");
      stops.push(w.stop());
    }
    await Promise.all(stops);
    if (stopping) return;
    for (const node of listed) {
      if (watches.has(node)) continue;
      const fence = deps.ownership?.fenceFor(node);
      if (deps.ownership && !fence) continue;
      watches.set(node, startWatch(node, fence));
    }
  }

  async function refresh(): Promise<void> {
    const { nodes, problems } = await deps.collectors.nodes();
    for (const p of problems) log.warn({ problem: p }, 'not every collector could be listed');
    if (stopping) return;
    // A node whose collector pod is gone from the list: stop watching it (not when listing failed).
    listed = problems.length ? [...new Set([...listed, ...nodes])] : nodes;
    await reconcile({ dropUnlisted: !problems.length });
  }

  const refreshOnce = (): Promise<void> =>
    (refreshing ??= refresh()
      .catch((err: Error) => log.error({ err }, 'listing the collectors failed'))
      .finally(() => {
        refreshing = undefined;
      }));

  return {
    async start() {
      await deps.alerter.restore();
      await refreshOnce();
      log.info({ nodes: [...watches.keys()] }, 'watch mode started');
      timer = setInterval(() => void refreshOnce(), deps.relistMs ?? 60_000);
      timer.unref();
    },
    nodes: () => [...watches.keys()],
    async ownershipChanged() {
      await reconcile({ dropUnlisted: false });
      // The incidents follow the nodes: those of shards lost are left to their new owner, those of shards taken are picked up.
      await deps.alerter.ownershipChanged();
    },
    async stop() {
      stopping = true;
      clearInterval(timer);
      await refreshing;
      await Promise.all([...watches.values()].map((w) => w.stop()));
      watches.clear();
      await deps.alerter.drain();
      deps.alerter.close();
    },
  };
}
