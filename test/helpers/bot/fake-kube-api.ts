import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakePod {
  namespace: string; name: string; uid: string; nodeName: string; phase?: string; deleting?: boolean;
  containers?: { name: string; id: string }[];
  labels?: Record<string, string>;
  podIP?: string;
  /** Ready condition (default: true when Running). */
  ready?: boolean;
}

/**
 * A local Kubernetes API server speaking the real paths and JSON (v1 Pod,
 * v1 PodList with label and field selectors applied as the API server applies
 * them, v1 EventList, v1 Status for errors), and a kubeconfig that points at it.
 */
export interface FakeKubeApi {
  kubeconfig: string;
  /** "GET /api/v1/namespaces/shop/pods/web-0", with the query string when there is one. */
  requests: string[];
  addPod(p: FakePod): void;
  /** A node with its addresses (GET /api/v1/nodes/NAME), e.g. for the SSH fallback's InternalIP. */
  addNode(n: { name: string; internalIP?: string; hostname?: string }): void;
  /** Lists of pods in this namespace are answered 403 Forbidden (RBAC). */
  forbidList(namespace: string): void;
  close(): Promise<void>;
}

type Selector = (fields: Record<string, string | undefined>) => boolean;

/** Equality-based selectors as the API server reads them: k=v, k==v, k!=v, k, !k, ANDed by commas. */
function parseSelector(text: string, known?: Set<string>): Selector | string {
  const terms: Selector[] = [];
  for (const raw of text.split(',').map((t) => t.trim()).filter(Boolean)) {
    const m = /^(!?)([^!=\s]+)\s*(?:(==|=|!=)\s*(\S*))?$/.exec(raw);
    if (!m) return `unable to parse requirement: ${raw}`;
    const [, not, key, op, value] = m;
    if (known && !known.has(key)) return `field label not supported: ${key}`;
    if (!op) terms.push((f) => (not ? f[key] === undefined : f[key] !== undefined));
    else terms.push((f) => (op === '!=' ? f[key] !== value : f[key] === value));
  }
  return (f) => terms.every((t) => t(f));
}

const POD_FIELDS = new Set(['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase', 'status.podIP']);

function podJson(p: FakePod): Record<string, unknown> {
  const phase = p.phase ?? 'Running';
  return {
    kind: 'Pod', apiVersion: 'v1',
    metadata: { name: p.name, namespace: p.namespace, uid: p.uid, labels: p.labels ?? {}, ...(p.deleting ? { deletionTimestamp: '2026-11-24T03:00:00Z' } : {}) },
    spec: { nodeName: p.nodeName, containers: (p.containers ?? []).map((c) => ({ name: c.name, image: 'example' })) },
    status: {
      phase,
      ...(p.podIP ? { podIP: p.podIP, podIPs: [{ ip: p.podIP }] } : {}),
      conditions: [{ type: 'Ready', status: (p.ready ?? phase === 'Running') ? 'True' : 'False' }],
      containerStatuses: (p.containers ?? []).map((c) => ({ name: c.name, containerID: `containerd://${c.id}`, ready: false, restartCount: 0, image: 'example', imageID: '', state: { running: { startedAt: '2026-11-24T02:00:00Z' } } })),
    },
  };
}

export async function startFakeKubeApi(): Promise<FakeKubeApi> {
  const pods = new Map<string, FakePod>();
  const nodes = new Map<string, { name: string; internalIP?: string; hostname?: string }>();
  const forbidden = new Set<string>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (code: number, obj: unknown): void => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
    const status = (code: number, reason: string, message: string): void => send(code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
    let m = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const n = nodes.get(m[1]);
      if (!n) return status(404, 'NotFound', `nodes "${m[1]}" not found`);
      const addresses = [...(n.internalIP ? [{ type: 'InternalIP', address: n.internalIP }] : []), { type: 'Hostname', address: n.hostname ?? n.name }];
      return send(200, { kind: 'Node', apiVersion: 'v1', metadata: { name: n.name }, spec: {}, status: { addresses, conditions: [{ type: 'Ready', status: 'True' }] } });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const p = pods.get(`${m[1]}/${m[2]}`);
      if (!p) return status(404, 'NotFound', `pods "${m[2]}" not found`);
      return send(200, podJson(p));
    }
    m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?pods$/.exec(url.pathname);
    if (m) {
      const ns = m[1];
      if (forbidden.has(ns)) return status(403, 'Forbidden', `pods is forbidden: User "system:serviceaccount:whystuck:whystuck-bot" cannot list resource "pods" in API group "" in the namespace "${ns}"`);
      const labels = parseSelector(url.searchParams.get('labelSelector') ?? '');
      const fields = parseSelector(url.searchParams.get('fieldSelector') ?? '', POD_FIELDS);
      if (typeof labels === 'string') return status(400, 'BadRequest', labels);
      if (typeof fields === 'string') return status(400, 'BadRequest', fields);
      const items = [...pods.values()]
        .filter((p) => (ns === undefined || p.namespace === ns) && labels(p.labels ?? {}))
        .filter((p) => fields({ 'metadata.name': p.name, 'metadata.namespace': p.namespace, 'spec.nodeName': p.nodeName, 'status.phase': p.phase ?? 'Running', 'status.podIP': p.podIP }))
        .map(podJson);
      return send(200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(url.pathname);
    if (m) {
      return send(200, { kind: 'EventList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'e1', namespace: m[1] }, involvedObject: { kind: 'Pod' }, type: 'Normal', reason: 'Killing', message: 'Stopping container app', lastTimestamp: '2026-11-24T03:00:01Z' }] });
    }
    return status(404, 'NotFound', 'not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-kube-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(kubeconfig, [
    'apiVersion: v1', 'kind: Config', 'current-context: test',
    // Plain HTTP on loopback: the client only allows it with skip-TLS-verify set.
    'clusters:', '- name: test', '  cluster:', `    server: http://127.0.0.1:${port}`, '    insecure-skip-tls-verify: true',
    'users:', '- name: test', '  user:', '    token: test-token',
    'contexts:', '- name: test', '  context:', '    cluster: test', '    user: test',
  ].join('\n'));
  return {
    kubeconfig, requests,
    addPod: (p) => pods.set(`${p.namespace}/${p.name}`, p),
    addNode: (n) => { nodes.set(n.name, n); },
    forbidList: (ns) => { forbidden.add(ns); },
    close: () => new Promise((r) => (server.closeAllConnections(), server).close(() => { rmSync(dir, { recursive: true, force: true }); r(); })),
  };
}
