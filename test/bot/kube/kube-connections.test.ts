import { createServer as createHttpsServer, type Server } from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertAuthority } from '../../../collector/src/tls/dev-certs';
import { kubeApis } from '../../../bot/src/kube/kube-client';
import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';

/**
 * The Kubernetes client keeps its connections: client-node alone made a new
 * agent per request, so every API read (seven per pod question) opened a
 * connection — against a real API server a TLS handshake each.
 */
describe('Kubernetes API connections are kept alive', () => {
  let kube: FakeKubeApi;
  beforeAll(async () => {
    kube = await startFakeKubeApi();
    kube.addNode({ name: 'node-a' });
    for (let i = 0; i < 6; i++) kube.addPod({ namespace: 'shop', name: `web-${i}`, uid: `uid-${i}`, nodeName: 'node-a' });
  });
  afterAll(async () => {
    await kube.close();
  });

  it('six pod questions with their API layer: a few connections for all their reads (plain HTTP)', async () => {
    const lookup = createKubeLookup({ kubeconfig: kube.kubeconfig });
    const before = { requests: kube.requests.length, connections: kube.connections() };
    for (let i = 0; i < 6; i++) {
      const got = await lookup.getPod('shop', `web-${i}`);
      if (got.status !== 'ok') throw new Error(got.message);
      const layer = lookup.readLayer?.(got.value);
      if (!layer) throw new Error('no API layer read');
      await layer.settle(5000);
    }
    const requests = kube.requests.length - before.requests;
    const connections = kube.connections() - before.connections;
    expect(requests).toBeGreaterThanOrEqual(18);
    // The layer's reads go out together (a connection each at most), then every later read reuses them.
    expect(connections).toBeLessThanOrEqual(8);
    expect(connections).toBeLessThan(requests / 2);
  });

  describe('over TLS, as against a real API server', () => {
    let server: Server;
    let dir: string;
    let handshakes = 0;
    let kubeconfig: string;
    beforeAll(async () => {
      const ca = createCertAuthority('test kube CA');
      const cert = ca.issue({ commonName: 'kube-apiserver', ipAddresses: ['127.0.0.1'], server: true, client: false });
      server = createHttpsServer({ cert: cert.cert, key: cert.key }, (req, res) => {
        const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/?]+)/.exec(req.url ?? '');
        res.writeHead(m ? 200 : 404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            m
              ? { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: m[1], name: m[2], uid: `uid-${m[2]}` }, spec: { nodeName: 'node-a' }, status: { phase: 'Running' } }
              : { kind: 'Status', code: 404 },
          ),
        );
      });
      server.on('secureConnection', () => handshakes++);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      dir = mkdtempSync(join(tmpdir(), 'whystuck-kube-tls-'));
      kubeconfig = join(dir, 'config');
      const b64 = (pem: string): string => Buffer.from(pem).toString('base64');
      writeFileSync(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          'current-context: t',
          'clusters:',
          '- name: t',
          '  cluster:',
          `    server: https://127.0.0.1:${(server.address() as { port: number }).port}`,
          `    certificate-authority-data: ${b64(ca.cert)}`,
          'users:',
          '- name: t',
          '  user:',
          '    token: test-token',
          'contexts:',
          '- name: t',
          '  context: { cluster: t, user: t }',
        ].join('\n'),
      );
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    });

    it('twenty reads one after another: one TLS handshake, the CA still checked', async () => {
      const { core } = kubeApis(kubeconfig);
      for (let i = 0; i < 20; i++) expect((await core.readNamespacedPod({ namespace: 'shop', name: `web-${i}` })).metadata?.uid).toBe(`uid-web-${i}`);
      expect(handshakes).toBe(1);
      // Another CA: the handshake fails, keep-alive or not.
      const other = join(dir, 'other');
      writeFileSync(
        other,
        readFileSync(kubeconfig, 'utf8').replace(/certificate-authority-data: \S+/, `certificate-authority-data: ${Buffer.from(createCertAuthority('another CA').cert).toString('base64')}`),
      );
      await expect(kubeApis(other).core.readNamespacedPod({ namespace: 'shop', name: 'web-0' })).rejects.toThrow(/certificate|self.signed|unable to verify/i);
    });
  });
});
