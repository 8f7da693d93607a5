import { createCollectorClient, nodeIdentity, podIdentity, type CallResult, type CollectorClient, type TlsFiles } from '../../../collector/src';
import { pickCollectorPod, type CollectorFinder } from './find-collector-pods';
import { isNodeName } from '../kube/names';

export type CollectorLookup =
  | { status: 'ok'; client: CollectorClient; address: string; /** How it was found, for messages: "10.0.3.17:7443" or "pod whystuck/whystuck-collector-x2 at 10.1.4.7:7443". */ where: string }
  | { status: 'unknown-node'; message: string };

/** One collector client per node, created on first use and reused. */
export interface CollectorPool {
  forNode(node: string): Promise<CollectorLookup>;
  /** Every node with a collector: configured ones and, with discovery, those with a collector pod; and what could not be listed. */
  nodes(): Promise<{ nodes: string[]; problems: string[] }>;
  close(): void;
}

export interface CollectorDiscovery {
  finder: CollectorFinder;
  port: number;
  /** Name the collector certificate carries ("{node}" = node name); pod IPs are not in it. */
  serverName: string;
  /** How long a found pod address is reused before asking the API again (default 30 s). */
  ttlMs?: number;
}

export interface CollectorPoolOptions {
  addresses: Map<string, string>;
  tls?: TlsFiles;
  insecure: boolean;
  deadlineMs: number;
  /** Nodes missing from `addresses` are looked up through the Kubernetes API. */
  discovery?: CollectorDiscovery;
}

interface Found {
  at: number;
  address: string;
  /** The pod reached (namespace/name): its identity is the one accepted besides the node's. */ pod: string;
  where: string;
  client: CollectorClient;
}

export function createCollectorPool(opts: CollectorPoolOptions): CollectorPool {
  const clients = new Map<string, CollectorClient>();
  const found = new Map<string, Found>();

  /** A discovered client whose collector is unreachable makes the next call ask the API again (the pod may have moved). */
  function forgetting(node: string, client: CollectorClient): CollectorClient {
    const watch = <T>(res: CallResult<T>): CallResult<T> => {
      const entry = found.get(node);
      if (res.status === 'unreachable' && entry?.client === wrapped) entry.at = 0;
      return res;
    };
    const wrapped: CollectorClient = {
      snapshot: async (req) => watch(await client.snapshot(req)),
      remediate: async (req) => watch(await client.remediate(req)),
      health: async () => watch(await client.health()),
      watch: (req) => client.watch(req),
      close: () => client.close(),
    };
    return wrapped;
  }

  async function discover(node: string, d: CollectorDiscovery): Promise<CollectorLookup> {
    const cached = found.get(node);
    if (cached && Date.now() - cached.at < (d.ttlMs ?? 30_000)) return { status: 'ok', client: cached.client, address: cached.address, where: cached.where };
    if (!opts.tls) {
      return {
        status: 'unknown-node',
        message: `no collector is configured for node ${node} in WHYSTUCK_COLLECTORS, and collectors found through Kubernetes need mutual TLS: set WHYSTUCK_COLLECTOR_TLS_CERT/KEY/CA`,
      };
    }
    const listed = await d.finder.list(node);
    if (listed.status !== 'ok') return { status: 'unknown-node', message: `no collector is configured for node ${node} in WHYSTUCK_COLLECTORS, and ${listed.message}` };
    // The API server filtered on spec.nodeName; a pod it places elsewhere is never this node's collector.
    const pod = pickCollectorPod(listed.value.filter((p) => p.node === node));
    if (!pod) {
      const seen = listed.value.map((p) => `${p.namespace}/${p.name} is ${p.phase}${p.podIP ? '' : ' without an IP'}`).join('; ');
      return {
        status: 'unknown-node',
        message: seen
          ? `the collector pod on node ${node} is not running (${seen}): see \`kubectl -n ${listed.value[0].namespace} describe pod ${listed.value[0].name}\``
          : `no collector is configured for node ${node} in WHYSTUCK_COLLECTORS and there is no collector pod on it (${d.finder.describe}): is the DaemonSet scheduled there (taints, nodeSelector)?`,
      };
    }
    const address = `${pod.podIP!.includes(':') ? `[${pod.podIP}]` : pod.podIP}:${d.port}`;
    const serverName = d.serverName.replace(/\{node\}/g, node);
    const podName = `${pod.namespace}/${pod.name}`;
    if (cached?.address === address && cached.pod === podName) {
      cached.at = Date.now();
      return { status: 'ok', client: cached.client, address, where: cached.where };
    }
    cached?.client.close();
    // The certificate must be this node's collector's, not any collector's: its one URI SAN is exactly
    // the node's identity (spiffe://whystuck/node/NODE, `whystuck certs`) or the identity of the pod the
    // API just placed on this node (spiffe://whystuck/ns/NS/pod/POD, cert-manager's csi-driver). A
    // collector on another node presents its own pod's identity, which the API places on its own node.
    const accepted = [nodeIdentity(node), podIdentity(pod.namespace, pod.name)];
    const client = forgetting(node, createCollectorClient({ address, tls: opts.tls, serverName, expectedIdentity: accepted, deadlineMs: opts.deadlineMs, retries: 2 }));
    const entry: Found = { at: Date.now(), address, pod: podName, where: `pod ${podName} at ${address}, certificate name ${serverName}`, client };
    found.set(node, entry);
    return { status: 'ok', client, address, where: entry.where };
  }

  return {
    async forNode(node) {
      const address = opts.addresses.get(node);
      if (!address) {
        if (opts.discovery && isNodeName(node)) return discover(node, opts.discovery);
        return { status: 'unknown-node', message: `no collector is configured for node ${node} (WHYSTUCK_COLLECTORS knows: ${[...opts.addresses.keys()].join(', ') || 'none'})` };
      }
      let client = clients.get(node);
      if (!client) {
        client = createCollectorClient({
          address,
          tls: opts.insecure ? undefined : opts.tls,
          expectedIdentity: opts.insecure ? undefined : nodeIdentity(node),
          deadlineMs: opts.deadlineMs,
          retries: 2,
        });
        clients.set(node, client);
      }
      return { status: 'ok', client, address, where: address };
    },
    async nodes() {
      const configured = [...opts.addresses.keys()];
      if (!opts.discovery) return { nodes: configured, problems: [] };
      const listed = await opts.discovery.finder.list();
      if (listed.status !== 'ok') return { nodes: configured, problems: [listed.message] };
      const extra = [...new Set(listed.value.filter((p) => p.node && !opts.addresses.has(p.node)).map((p) => p.node))].sort();
      return { nodes: [...configured, ...extra], problems: [] };
    },
    close() {
      for (const c of clients.values()) c.close();
      for (const f of found.values()) f.client.close();
      clients.clear();
      found.clear();
    },
  };
}
