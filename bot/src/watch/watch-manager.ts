import type { Logger } from 'pino';
import type { CollectorPool } from '../collectors/collector-pool';
import type { BotMetrics } from '../metrics/bot-metrics';
import type { Store } from '../store/store';
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
}

export interface WatchManager {
  start(): Promise<void>;
  /** The nodes watched now. */
  nodes(): string[];
  /** Streams closed, the events being handled and the Slack calls they started finished. */
  stop(): Promise<void>;
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

  async function refresh(): Promise<void> {
    const { nodes, problems } = await deps.collectors.nodes();
    for (const p of problems) log.warn({ problem: p }, 'not every collector could be listed');
    if (stopping) return;
    const want = new Set(nodes);
    for (const node of nodes) {
      if (watches.has(node)) continue;
      watches.set(node, startNodeWatch({
        node, collectors: deps.collectors, store: deps.store, onEvent: (ev) => deps.alerter.handle(ev),
        maxAgeMs: deps.maxAgeMs, backoff: deps.backoff?.(), logger: log, metrics: deps.metrics, now: deps.now, handledKmsg,
      }));
    }
    // A node whose collector pod is gone from the list: stop watching it (not when listing failed).
    if (!problems.length) {
      for (const [node, w] of watches) {
        if (want.has(node)) continue;
        watches.delete(node);
        log.info({ node }, 'node no longer listed: watch stopped');
        void w.stop();
      }
    }
  }

  const refreshOnce = (): Promise<void> => (refreshing ??= refresh().catch((err: Error) => log.error({ err }, 'listing the collectors failed')).finally(() => { refreshing = undefined; }));

  return {
    async start() {
      await deps.alerter.restore();
      await refreshOnce();
      log.info({ nodes: [...watches.keys()] }, 'watch mode started');
      timer = setInterval(() => void refreshOnce(), deps.relistMs ?? 60_000);
      timer.unref();
    },
    nodes: () => [...watches.keys()],
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
