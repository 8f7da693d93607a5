import type { BotConfig } from '../config';
import { createCollectorFinder } from './find-collector-pods';
import { createCollectorPool, type CollectorPool } from './collector-pool';

/** The bot's collector pool: WHYSTUCK_COLLECTORS first, then the collector pod found through the Kubernetes API. */
export function collectorPoolFromConfig(config: BotConfig): CollectorPool {
  const d = config.collectorDiscovery;
  return createCollectorPool({
    addresses: config.collectors,
    tls: config.collectorTls,
    insecure: config.collectorInsecure,
    deadlineMs: config.collectorDeadlineMs,
    discovery: { finder: createCollectorFinder({ kubeconfig: config.kubeconfig, namespace: d.namespace, selector: d.selector }), port: d.port, serverName: d.serverName },
  });
}
