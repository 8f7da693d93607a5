import type * as k8s from '@kubernetes/client-node';
import type { CallResult, CollectorClient, TlsFiles } from '../../../collector/src';
import { pickCollectorPod, type CollectorFinder, type CollectorPod } from './find-collector-pods';
import { isNodeName } from '../kube/names';
import { forwardPodPort, type PodPortForward } from '../kube/port-forward';
import { createCollectorPool, type CollectorLookup, type CollectorPool } from './collector-pool';

/** The bot's client certificate, from where the plugin was told to take it; `release` removes any copy written for it. */
export interface ClientTlsSource {
  /** Where the certificate comes from, for messages: "Secret whystuck/whystuck-bot-tls". */
  describe: string;
  load(): Promise<{ ok: true; files: TlsFiles; release(): void } | { ok: false; message: string }>;
}

export interface PortForwardPoolOptions {
  kc: k8s.KubeConfig;
  finder: CollectorFinder;
  /** The collector's port in its pod. */
  port: number;
  /** Name the collector certificate carries ("{node}" = node name). */
  serverName: string;
  tls: ClientTlsSource;
  deadlineMs: number;
}

interface Reached {
  forward: PodPortForward;
  pool: CollectorPool;
  lookup: CollectorLookup;
}

/**
 * The collectors as seen from a user's machine (the kubectl plugin): a node's
 * collector pod is found as the bot finds it (collector namespace, label
 * selector, spec.nodeName), then reached through the API server's
 * port-forward to that pod, with the collector's mutual TLS inside the tunnel.
 *
 * The collector's identity is checked by the bot's own pool: an inner pool
 * whose discovery "finds" the same pod at the tunnel's local address, so
 * which certificate is accepted for node N (N's node identity, or the
 * identity of the collector pod the API places on N) is decided in exactly
 * one place, collector-pool.ts. Read-only: this pool's clients are used for
 * Snapshot only by the plugin; the collector refuses anything from a
 * certificate that is not the bot's anyway.
 */
export function createPortForwardPool(opts: PortForwardPoolOptions): CollectorPool & { /** close, and wait until every tunnel and the local listeners are gone. */ shutdown(): Promise<void> } {
  const reached = new Map<string, Reached>();

  /** An unreachable collector's message names what the tunnel said (RBAC refusal, connection refused in the pod). */
  function explaining(client: CollectorClient, forward: PodPortForward): CollectorClient {
    const say = <T>(res: CallResult<T>): CallResult<T> => {
      const why = forward.lastError();
      return res.status === 'unreachable' && why ? { ...res, message: `${res.message.replace(/\.?\s*Resolution note:\s*\.?$/, '')} (${why})` } : res;
    };
    return {
      snapshot: async (req) => say(await client.snapshot(req)),
      remediate: async (req) => say(await client.remediate(req)),
      health: async () => say(await client.health()),
      watch: (req) => client.watch(req),
      close: () => client.close(),
    };
  }

  async function reach(node: string, pod: CollectorPod): Promise<CollectorLookup> {
    const tls = await opts.tls.load();
    if (!tls.ok) return { status: 'unknown-node', message: tls.message };
    let forward: PodPortForward;
    try {
      forward = await forwardPodPort(opts.kc, pod.namespace, pod.name, opts.port);
    } catch (err) {
      tls.release();
      return { status: 'unknown-node', message: `cannot listen on 127.0.0.1 for the port-forward to pod ${pod.namespace}/${pod.name}: ${(err as Error).message}` };
    }
    const [host, port] = [forward.address.slice(0, forward.address.lastIndexOf(':')), Number(forward.address.slice(forward.address.lastIndexOf(':') + 1))];
    const tunnelled: CollectorPod = { ...pod, podIP: host, phase: 'Running', ready: true };
    const pool = createCollectorPool({
      addresses: new Map(),
      tls: tls.files,
      insecure: false,
      deadlineMs: opts.deadlineMs,
      discovery: { finder: { describe: `pod ${pod.namespace}/${pod.name}`, list: async () => ({ status: 'ok', value: [tunnelled] }) }, port, serverName: opts.serverName },
    });
    let lookup: CollectorLookup;
    try {
      lookup = await pool.forNode(node);
    } finally {
      // The client holds the certificate and key in memory now: a copy written for it goes at once.
      tls.release();
    }
    if (lookup.status === 'ok') {
      lookup = {
        ...lookup,
        client: explaining(lookup.client, forward),
        where: `pod ${pod.namespace}/${pod.name} through the API server's port-forward (port ${opts.port}, local ${forward.address})`,
      };
    }
    reached.set(node, { forward, pool, lookup });
    return lookup;
  }

  return {
    async forNode(node) {
      const known = reached.get(node);
      if (known) return known.lookup;
      if (!isNodeName(node)) return { status: 'unknown-node', message: `"${node.slice(0, 60)}" is not a valid node name` };
      const listed = await opts.finder.list(node);
      if (listed.status !== 'ok') return { status: 'unknown-node', message: listed.message };
      const on = listed.value.filter((p) => p.node === node);
      const pod = pickCollectorPod(on);
      if (!pod) {
        const seen = on.map((p) => `${p.namespace}/${p.name} is ${p.phase}${p.podIP ? '' : ' without an IP'}`).join('; ');
        return {
          status: 'unknown-node',
          message: seen
            ? `the collector pod on node ${node} is not running (${seen}): see \`kubectl -n ${on[0].namespace} describe pod ${on[0].name}\``
            : `there is no collector pod on node ${node} (${opts.finder.describe}): is the DaemonSet scheduled there (taints, nodeSelector)?`,
        };
      }
      return reach(node, pod);
    },
    async nodes() {
      const listed = await opts.finder.list();
      if (listed.status !== 'ok') return { nodes: [], problems: [listed.message] };
      return { nodes: [...new Set(listed.value.map((p) => p.node).filter(Boolean))].sort(), problems: [] };
    },
    close() {
      void shutdown();
    },
    shutdown,
  };

  async function shutdown(): Promise<void> {
    const all = [...reached.values()];
    reached.clear();
    for (const r of all) r.pool.close();
    await Promise.all(all.map((r) => r.forward.close()));
  }
}
