import { isIP } from 'node:net';
import { z } from 'zod';
import { isNamespaceName, isNodeName } from '../kube/names';
import { numberWhere, pairsWhere, portNumber, textWhere, type SettingTable, type Sources } from './sources';

export interface CollectorDiscoveryConfig {
  namespace: string;
  /** Label selector of the collector pods (equality terms, comma-separated). */
  selector: string;
  /** Port the collector listens on in its pod. */
  port: number;
  /**
   * Name the collector's certificate must carry: pod IPs change and are not in
   * the certificate, so the bot verifies this fixed DNS name instead. "{node}"
   * is replaced by the node name, for per-node certificates.
   */
  serverName: string;
}

export interface CollectorsConfig {
  /** node name -> collector host:port, from WHYSTUCK_COLLECTORS. */
  collectors: Map<string, string>;
  collectorInsecure: boolean;
  collectorTls?: { cert: string; key: string; ca: string };
  collectorDeadlineMs: number;
  /** Finding the collector DaemonSet pod of a node not in WHYSTUCK_COLLECTORS through the Kubernetes API. */
  collectorDiscovery: CollectorDiscoveryConfig;
}

export const COLLECTORS_FILE_KEYS = {
  collectors: z.record(z.string(), z.string()).optional(),
  collectorInsecure: z.boolean().optional(),
  collectorTls: z.object({ cert: z.string(), key: z.string(), ca: z.string() }).strict().optional(),
  collectorDeadlineMs: z.number().optional(),
  collectorNamespace: z.string().optional(),
  collectorSelector: z.string().optional(),
  collectorPort: z.number().optional(),
  collectorServerName: z.string().optional(),
};

export const COLLECTORS_SETTINGS = {
  collectors: { env: 'WHYSTUCK_COLLECTORS', file: 'collectors', type: 'pairs' },
  insecure: { env: 'WHYSTUCK_COLLECTOR_INSECURE', file: 'collectorInsecure', type: 'flag' },
  tlsCert: { env: 'WHYSTUCK_COLLECTOR_TLS_CERT', file: 'collectorTls.cert', blankIsUnset: true },
  tlsKey: { env: 'WHYSTUCK_COLLECTOR_TLS_KEY', file: 'collectorTls.key', blankIsUnset: true },
  tlsCa: { env: 'WHYSTUCK_COLLECTOR_TLS_CA', file: 'collectorTls.ca', blankIsUnset: true },
  deadlineMs: { env: 'WHYSTUCK_COLLECTOR_DEADLINE_MS', file: 'collectorDeadlineMs', type: 'number' },
  namespace: { env: 'WHYSTUCK_COLLECTOR_NAMESPACE', file: 'collectorNamespace' },
  selector: { env: 'WHYSTUCK_COLLECTOR_SELECTOR', file: 'collectorSelector' },
  port: { env: 'WHYSTUCK_COLLECTOR_PORT', file: 'collectorPort', type: 'number' },
  serverName: { env: 'WHYSTUCK_COLLECTOR_SERVER_NAME', file: 'collectorServerName' },
} satisfies SettingTable;

const HOST_PORT = /^(\[[0-9a-f:]+\]|[\w.-]+):(\d{1,5})$/i;
const DNS_NAME = /^(\{node\}|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.(\{node\}|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?))*$/;
/** One equality-based label selector term: key, key=value, key==value, key!=value or !key. */
const SELECTOR_TERM = /^(!?([a-z0-9]([a-z0-9.-]*[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?)(\s*(==|=|!=)\s*([A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?)?)?$/;

export function isLoopbackAddress(addr: string): boolean {
  const host = (HOST_PORT.exec(addr)?.[1] ?? addr).replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

const CollectorsSchema = z.object({
  collectors: pairsWhere((node, addr) => isNodeName(node) && HOST_PORT.test(addr), 'node=host:port (e.g. "host22055=10.0.3.17:7443,node-7=node-7.example:7443")').default(() => new Map()),
  insecure: z.boolean().default(false),
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  tlsCa: z.string().optional(),
  deadlineMs: numberWhere((n) => Number.isInteger(n) && n >= 100, 'must be an integer number of milliseconds >= 100').default(15000),
  namespace: textWhere(isNamespaceName, 'is not a Kubernetes namespace name (lowercase letters, digits and "-", at most 63)').default('whystuck'),
  selector: z
    .string()
    .transform((selector, ctx) => {
      const bad = selector
        .split(',')
        .map((t) => t.trim())
        .find((t) => !SELECTOR_TERM.test(t));
      if (bad !== undefined)
        ctx.addIssue({
          code: 'custom',
          message: 'is not a label selector term: use key=value, key!=value, key or !key, comma-separated (e.g. "app.kubernetes.io/name=whystuck-collector")',
          params: { value: bad },
        });
      return selector;
    })
    .default('app.kubernetes.io/name=whystuck-collector'),
  port: portNumber(1).default(7443),
  serverName: textWhere((s) => DNS_NAME.test(s) && s.length <= 253, 'is not a DNS name (the name in the collectors\' certificate; "{node}" stands for the node name)').default('whystuck-collector'),
});

/** Collectors: known addresses, mutual TLS (or plaintext to loopback), the call deadline, discovery through Kubernetes. */
export function collectorsSection(src: Sources): CollectorsConfig {
  const v = src.section('collectors', COLLECTORS_SETTINGS, CollectorsSchema);
  if (v.insecure) {
    for (const [node, addr] of v.collectors) {
      if (!isLoopbackAddress(addr))
        throw src.bad(COLLECTORS_SETTINGS.insecure, `plaintext is only allowed to loopback collectors; ${node}=${addr} is not loopback. Configure WHYSTUCK_COLLECTOR_TLS_CERT/KEY/CA instead.`);
    }
  }
  const tls = [v.tlsCert, v.tlsKey, v.tlsCa];
  if (tls.some(Boolean) && !tls.every(Boolean))
    throw src.bad(COLLECTORS_SETTINGS.tlsCert, 'set all three of WHYSTUCK_COLLECTOR_TLS_CERT, WHYSTUCK_COLLECTOR_TLS_KEY and WHYSTUCK_COLLECTOR_TLS_CA (mutual TLS)');
  return {
    collectors: v.collectors,
    collectorInsecure: v.insecure,
    collectorTls: v.tlsCert && v.tlsKey && v.tlsCa ? { cert: v.tlsCert, key: v.tlsKey, ca: v.tlsCa } : undefined,
    collectorDeadlineMs: v.deadlineMs,
    collectorDiscovery: { namespace: v.namespace, selector: v.selector, port: v.port, serverName: v.serverName },
  };
}
