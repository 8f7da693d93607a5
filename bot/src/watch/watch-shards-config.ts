import { hostname } from 'node:os';
import { botNamespace, kubeLeaseApi } from '../kube/lease-api';
import type { WatchShards } from './start-watch-mode';

export const LEASE_PREFIX = 'whystuck-watch';

/**
 * Whether watch mode is split across replicas with Kubernetes Leases, from the
 * environment: WHYSTUCK_WATCH_LEASES `auto` (default: on with the PostgreSQL
 * store and a Kubernetes API, i.e. KUBECONFIG or in a pod), `on` or `off`;
 * WHYSTUCK_WATCH_SHARDS (default 8); WHYSTUCK_WATCH_LEASE_SECONDS (default 10,
 * renewed every fifth of it); the replica is POD_NAME (or hostname-pid), the
 * namespace POD_NAMESPACE (or the service account's). A bad value throws.
 */
export function watchShardsFromEnv(env: NodeJS.ProcessEnv, ctx: { storeKind: 'sqlite' | 'postgres'; kubeconfig?: string }): WatchShards | undefined {
  const mode = (env.WHYSTUCK_WATCH_LEASES ?? 'auto').toLowerCase();
  if (!['auto', 'on', 'off'].includes(mode)) throw new Error(`WHYSTUCK_WATCH_LEASES=${env.WHYSTUCK_WATCH_LEASES}: expected auto, on or off`);
  const kube = !!ctx.kubeconfig || !!env.KUBERNETES_SERVICE_HOST;
  if (mode === 'off' || (mode === 'auto' && !(kube && ctx.storeKind === 'postgres'))) return undefined;
  const int = (name: string, dflt: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return dflt;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name}=${raw}: expected a number from ${min} to ${max}`);
    return n;
  };
  const shards = Math.floor(int('WHYSTUCK_WATCH_SHARDS', 8, 1, 1024));
  const leaseDurationMs = Math.round(int('WHYSTUCK_WATCH_LEASE_SECONDS', 10, 1, 300) * 1000);
  const namespace = botNamespace(env);
  return {
    api: kubeLeaseApi({ kubeconfig: ctx.kubeconfig, namespace, prefix: LEASE_PREFIX }),
    identity: env.POD_NAME || `${hostname()}-${process.pid}`,
    shards, leaseDurationMs, prefix: LEASE_PREFIX,
  };
}
