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
 * them, v1 EventList, v1 Status for errors; coordination.k8s.io/v1 Lease and
 * LeaseList with create, list, get and replace, a resourceVersion per write
 * and 409 Conflict when a replace carries a stale one, 409 AlreadyExists on a
 * second create), and a kubeconfig that points at it.
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
  /** coordination.k8s.io/v1 Leases stored (as the API server returns them), by namespace. */
  leases(namespace: string): KubeLease[];
  /** The Lease API answers 503 while true (an API server outage). */
  leasesDown(down: boolean): void;
  /** Deletes a Lease as `kubectl delete lease` would (a create afterwards starts from scratch: leaseTransitions 0). */
  deleteLease(namespace: string, name: string): boolean;
  close(): Promise<void>;
}

/** A coordination.k8s.io/v1 Lease as JSON. */
export interface KubeLease {
  apiVersion: 'coordination.k8s.io/v1'; kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion: string; uid: string; creationTimestamp: string; labels?: Record<string, string> };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
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
  const leases = new Map<string, KubeLease>();
  let leasesDown = false;
  let resourceVersion = 1000;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (code: number, obj: unknown): void => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
    const status = (code: number, reason: string, message: string, details?: Record<string, unknown>): void => send(code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}) });
    let m = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/.exec(url.pathname);
    if (m) {
      const [, ns, name] = m;
      if (leasesDown) return status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
      if (req.method === 'GET' && !name) {
        const items = [...leases.values()].filter((l) => l.metadata.namespace === ns);
        return send(200, { kind: 'LeaseList', apiVersion: 'coordination.k8s.io/v1', metadata: { resourceVersion: String(resourceVersion) }, items });
      }
      if (req.method === 'GET') {
        const l = leases.get(`${ns}/${name}`);
        return l ? send(200, l) : status(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`, { name, group: 'coordination.k8s.io', kind: 'leases' });
      }
      if (req.method !== 'POST' && req.method !== 'PUT') return status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
      let body = '';
      req.on('data', (d: Buffer) => { body += d.toString('utf8'); });
      req.on('end', () => {
        let obj: KubeLease;
        try { obj = JSON.parse(body) as KubeLease; } catch { return status(400, 'BadRequest', 'invalid JSON'); }
        if (obj.kind !== 'Lease' || obj.apiVersion !== 'coordination.k8s.io/v1') return status(400, 'BadRequest', `expected a coordination.k8s.io/v1 Lease, got ${obj.apiVersion} ${obj.kind}`);
        const key = `${ns}/${req.method === 'PUT' ? name : obj.metadata?.name}`;
        const existing = leases.get(key);
        if (req.method === 'POST') {
          if (existing) return status(409, 'AlreadyExists', `leases.coordination.k8s.io "${obj.metadata.name}" already exists`, { name: obj.metadata.name, group: 'coordination.k8s.io', kind: 'leases' });
        } else {
          if (obj.metadata?.name !== name) return status(400, 'BadRequest', 'the name of the object does not match the name on the URL');
          if (!existing) return status(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`);
          if (obj.metadata.resourceVersion !== existing.metadata.resourceVersion) {
            return status(409, 'Conflict', `Operation cannot be fulfilled on leases.coordination.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: 'coordination.k8s.io', kind: 'leases' });
          }
        }
        const stored: KubeLease = {
          apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
          metadata: { ...obj.metadata, name: key.split('/')[1], namespace: ns, resourceVersion: String(++resourceVersion), uid: existing?.metadata.uid ?? `lease-${resourceVersion}`, creationTimestamp: existing?.metadata.creationTimestamp ?? new Date().toISOString() },
          spec: obj.spec ?? {},
        };
        leases.set(key, stored);
        return send(req.method === 'POST' ? 201 : 200, stored);
      });
      return;
    }
    m = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname);
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
    leases: (ns) => [...leases.values()].filter((l) => l.metadata.namespace === ns),
    leasesDown: (down) => { leasesDown = down; },
    deleteLease: (ns, name) => leases.delete(`${ns}/${name}`),
    close: () => new Promise((r) => (server.closeAllConnections(), server).close(() => { rmSync(dir, { recursive: true, force: true }); r(); })),
  };
}
