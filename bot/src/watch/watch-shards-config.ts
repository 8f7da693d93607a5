import { hostname } from 'node:os';
import type { BotConfig } from '../config';
import { botNamespace, kubeLeaseApi } from '../kube/lease-api';
import type { WatchShards } from './start-watch-mode';

export const LEASE_PREFIX = 'whystuck-watch';

/**
 * Whether watch mode is split across replicas with Kubernetes Leases, from the
 * configuration (config/shards.ts): WHYSTUCK_WATCH_LEASES `auto` (on with the
 * PostgreSQL store and a Kubernetes API, i.e. KUBECONFIG or in a pod), `on` or
 * `off`; the shards and the lease duration; the replica is POD_NAME (or
 * hostname-pid), the namespace POD_NAMESPACE (or the service account's).
 */
export function watchShardsFrom(config: Pick<BotConfig, 'shards' | 'kube' | 'kubeconfig'>, ctx: { storeKind: 'sqlite' | 'postgres' }): WatchShards | undefined {
  const { leases, shards, leaseDurationMs } = config.shards;
  const kube = !!config.kubeconfig || config.kube.inCluster;
  if (leases === 'off' || (leases === 'auto' && !(kube && ctx.storeKind === 'postgres'))) return undefined;
  const namespace = botNamespace(config.kube.podNamespace);
  return {
    api: kubeLeaseApi({ kubeconfig: config.kubeconfig, namespace, prefix: LEASE_PREFIX }),
    identity: config.kube.podName || `${hostname()}-${process.pid}`,
    shards,
    leaseDurationMs,
    prefix: LEASE_PREFIX,
  };
}
