import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakePod { namespace: string; name: string; uid: string; nodeName: string; phase?: string; deleting?: boolean; containers?: { name: string; id: string }[] }

/**
 * A local Kubernetes API server speaking the real paths and JSON (v1 Pod,
 * v1 EventList, v1 Status for 404s), and a kubeconfig that points at it.
 */
export interface FakeKubeApi {
  kubeconfig: string;
  requests: string[];
  addPod(p: FakePod): void;
  close(): Promise<void>;
}

export async function startFakeKubeApi(): Promise<FakeKubeApi> {
  const pods = new Map<string, FakePod>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}`);
    const send = (code: number, obj: unknown): void => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
    let m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const p = pods.get(`${m[1]}/${m[2]}`);
      if (!p) return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `pods "${m[2]}" not found`, reason: 'NotFound', code: 404 });
      return send(200, {
        kind: 'Pod', apiVersion: 'v1',
        metadata: { name: p.name, namespace: p.namespace, uid: p.uid, ...(p.deleting ? { deletionTimestamp: '2026-11-24T03:00:00Z' } : {}) },
        spec: { nodeName: p.nodeName, containers: (p.containers ?? []).map((c) => ({ name: c.name, image: 'example' })) },
        status: { phase: p.phase ?? 'Running', containerStatuses: (p.containers ?? []).map((c) => ({ name: c.name, containerID: `containerd://${c.id}`, ready: false, restartCount: 0, image: 'example', imageID: '', state: { running: { startedAt: '2026-11-24T02:00:00Z' } } })) },
      });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(url.pathname);
    if (m) {
      return send(200, { kind: 'EventList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'e1', namespace: m[1] }, involvedObject: { kind: 'Pod' }, type: 'Normal', reason: 'Killing', message: 'Stopping container app', lastTimestamp: '2026-11-24T03:00:01Z' }] });
    }
    return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 });
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
    close: () => new Promise((r) => (server.closeAllConnections(), server).close(() => { rmSync(dir, { recursive: true, force: true }); r(); })),
  };
}
