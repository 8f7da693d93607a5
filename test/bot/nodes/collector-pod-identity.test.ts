import { createCollectorPool, type CollectorPool, type CollectorPoolOptions } from '../../../bot/src/nodes/collector-pool';
import { createCollectorFinder, type CollectorFinder } from '../../../bot/src/nodes/find-collector-pods';
import { checkIdentity, nodeIdentity, podIdentity, podOfIdentity } from '../../../collector/src/tls/identity';
import { startHarness, testCa, type Harness } from '../../helpers/collector-harness';
import { startFakeKubeApi, type FakeKubeApi, type FakePod } from '../../helpers/bot/fake-kube-api';

const LABELS = { 'app.kubernetes.io/name': 'whystuck-collector' };
const SELECTOR = 'app.kubernetes.io/name=whystuck-collector';
const POD_A = 'spiffe://whystuck/ns/whystuck/pod/whystuck-collector-aaaaa';

/**
 * Production identities: cert-manager's csi-driver gives each collector pod a
 * certificate whose one URI SAN is the pod's identity
 * (spiffe://whystuck/ns/NS/pod/POD). The bot takes it for node N only when its
 * Kubernetes discovery found that very pod running on N (spec.nodeName, from
 * the API). Real collectors over loopback mutual TLS, their certificates issued
 * here by the repository's development CA (dev-certs.ts, through the harness);
 * a fake Kubernetes API serving the collector pods.
 */
describe("collector pool: a discovered collector pod's own identity, for its node only", () => {
  let onA: Harness; // node-a's collector; certificate: pod whystuck/whystuck-collector-aaaaa only
  let devC: Harness; // node-c's collector with a development certificate (spiffe://whystuck/node/node-c)
  let kube: FakeKubeApi;
  const pools: CollectorPool[] = [];
  let podA: FakePod;

  beforeAll(async () => {
    [onA, devC] = await Promise.all([startHarness({ nodeName: 'node-a', serverIdentity: POD_A, serverNames: { dnsNames: [] } }), startHarness({ nodeName: 'node-c' })]);
    kube = await startFakeKubeApi();
    podA = { namespace: 'whystuck', name: 'whystuck-collector-aaaaa', uid: 'u-a', nodeName: 'node-a', labels: LABELS, podIP: '127.0.0.1' };
    kube.addPod(podA);
    // node-b's collector pod, at the same (loopback) address: what answers there is whoever holds the port.
    kube.addPod({ namespace: 'whystuck', name: 'whystuck-collector-bbbbb', uid: 'u-b', nodeName: 'node-b', labels: LABELS, podIP: '127.0.0.1' });
    kube.addPod({ namespace: 'whystuck', name: 'whystuck-collector-ccccc', uid: 'u-c', nodeName: 'node-c', labels: LABELS, podIP: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const p of pools) p.close();
    await kube?.close();
    await Promise.all([onA, devC].map((h) => h?.close()));
  });

  const port = (h: Harness): number => Number(h.address.split(':').pop());
  function pool(h: Harness, opts: Partial<CollectorPoolOptions> & { finder?: CollectorFinder; ttlMs?: number } = {}): CollectorPool {
    const p = createCollectorPool({
      addresses: new Map(),
      tls: onA.clientTls('whystuck-bot'),
      insecure: false,
      deadlineMs: 5000,
      discovery: {
        finder: opts.finder ?? createCollectorFinder({ kubeconfig: kube.kubeconfig, namespace: 'whystuck', selector: SELECTOR }),
        port: port(h),
        serverName: 'whystuck-collector',
        ttlMs: opts.ttlMs,
      },
      ...opts,
    });
    pools.push(p);
    return p;
  }

  it("node-a: the collector pod the API places on node-a, presenting that pod's identity, is node-a's collector", async () => {
    const found = await pool(onA).forNode('node-a');
    if (found.status !== 'ok') throw new Error(found.message);
    expect(found.where).toBe(`pod whystuck/whystuck-collector-aaaaa at 127.0.0.1:${port(onA)}, certificate name whystuck-collector`);
    const health = await found.client.health();
    expect(health).toMatchObject({ status: 'ok', value: { node_name: 'node-a', status: 'SERVING' } });
    const snap = await found.client.snapshot({ pids: { pids: [process.pid] } });
    expect(snap.status === 'ok' && snap.value.tasks.map((t) => t.pid)).toContain(process.pid);
  });

  it("node-b: the same certificate at node-b's collector address is refused — it names a pod the API places on node-a (root on node-a posing as node-b's collector)", async () => {
    const found = await pool(onA).forNode('node-b');
    if (found.status !== 'ok') throw new Error(found.message);
    expect(found.where).toMatch(/^pod whystuck\/whystuck-collector-bbbbb at /);
    for (const res of [await found.client.snapshot({ pids: { pids: [process.pid] } }), await found.client.health()]) {
      expect(res.status).toBe('unreachable');
      expect(res.status === 'unreachable' && res.message).toContain(`its certificate is ${POD_A}, not spiffe://whystuck/node/node-b or spiffe://whystuck/ns/whystuck/pod/whystuck-collector-bbbbb`);
    }
    // And Remediate never reaches it (the handshake fails before the request leaves).
    const rem = await found.client.remediate({ pid: process.pid, start_time_ticks: 1, expected_comm: 'node', signal: 'SIGTERM', requester: 'test', reason: 'test', node: 'node-b' });
    expect(rem.status).toBe('unreachable');
  });

  it('configured collectors (WHYSTUCK_COLLECTORS) keep the node identity: a pod certificate is refused there', async () => {
    const p = pool(onA, { addresses: new Map([['node-a', onA.address]]) });
    const found = await p.forNode('node-a');
    if (found.status !== 'ok') throw new Error(found.message);
    const res = await found.client.health();
    expect(res.status === 'unreachable' && res.message).toContain(`its certificate is ${POD_A}, not spiffe://whystuck/node/node-a`);
  });

  it("a discovered collector with a development certificate (the node's identity) is still taken for its node", async () => {
    const found = await pool(devC).forNode('node-c');
    if (found.status !== 'ok') throw new Error(found.message);
    expect(await found.client.health()).toMatchObject({ status: 'ok', value: { node_name: 'node-c' } });
  });

  it("the pod replaced on node-a at the same address: the new pod's identity is expected, so the old pod's certificate is refused", async () => {
    const p = pool(onA, { ttlMs: 0 });
    const before = await p.forNode('node-a');
    if (before.status !== 'ok') throw new Error(before.message);
    expect((await before.client.health()).status).toBe('ok');
    // The DaemonSet replaced the pod; the new one got the same IP. Whatever still answers with the old pod's key is not it.
    const replacement: FakePod = { namespace: 'whystuck', name: 'whystuck-collector-a2222', uid: 'u-a2', nodeName: 'node-a', labels: LABELS, podIP: '127.0.0.1' };
    podA.phase = 'Failed';
    kube.addPod(replacement);
    try {
      const after = await p.forNode('node-a');
      if (after.status !== 'ok') throw new Error(after.message);
      expect(after.where).toMatch(/^pod whystuck\/whystuck-collector-a2222 at /);
      const res = await after.client.health();
      expect(res.status === 'unreachable' && res.message).toContain(`its certificate is ${POD_A}, not spiffe://whystuck/node/node-a or spiffe://whystuck/ns/whystuck/pod/whystuck-collector-a2222`);
    } finally {
      podA.phase = 'Running';
      replacement.phase = 'Failed';
    }
  });

  it('a pod the API lists on another node is never taken for this one (the field selector, checked again)', async () => {
    // A finder that (wrongly) answers node-a's question with node-b's pod.
    const finder: CollectorFinder = {
      describe: 'a finder that ignores the node',
      list: async () => ({ status: 'ok', value: [{ namespace: 'whystuck', name: 'whystuck-collector-aaaaa', node: 'node-b', podIP: '127.0.0.1', phase: 'Running', ready: true }] }),
    };
    const res = await pool(onA, { finder }).forNode('node-a');
    expect(res.status).toBe('unknown-node');
  });
});

describe('identities: one exact URI SAN, one of the accepted ones', () => {
  const cert = (uris: string[]): { subjectaltname: string } => ({ subjectaltname: uris.map((u) => `URI:${u}`).join(', ') });

  it('pod identities are built and read back only from valid names', () => {
    expect(podIdentity('whystuck', 'whystuck-collector-x7k2p')).toBe('spiffe://whystuck/ns/whystuck/pod/whystuck-collector-x7k2p');
    expect(podOfIdentity('spiffe://whystuck/ns/whystuck/pod/whystuck-collector-x7k2p')).toEqual({ namespace: 'whystuck', pod: 'whystuck-collector-x7k2p' });
    for (const bad of [
      'spiffe://whystuck/ns/whystuck/pod/',
      'spiffe://whystuck/ns/Whystuck/pod/a',
      'spiffe://whystuck/ns/whystuck/pod/a/b',
      'spiffe://whystuck/node/node-a',
      'spiffe://other/ns/whystuck/pod/a',
    ])
      expect(podOfIdentity(bad)).toBeUndefined();
    expect(() => podIdentity('whystuck', 'a/b')).toThrow(/not a Kubernetes pod name/);
    expect(() => podIdentity('a.b', 'pod')).toThrow(/not a Kubernetes namespace name/);
  });

  it('a list accepts exactly one of its entries: no prefix, no second URI SAN, no DNS name', () => {
    const accepted = [nodeIdentity('node-a'), podIdentity('whystuck', 'whystuck-collector-aaaaa')];
    expect(checkIdentity(cert([POD_A]), accepted)).toEqual({ ok: true, identity: POD_A });
    expect(checkIdentity(cert(['spiffe://whystuck/node/node-a']), accepted)).toEqual({ ok: true, identity: 'spiffe://whystuck/node/node-a' });
    expect(checkIdentity(cert([`${POD_A}x`]), accepted).ok).toBe(false);
    expect(checkIdentity(cert([POD_A, 'spiffe://whystuck/node/node-a']), accepted)).toMatchObject({ ok: false, reason: expect.stringMatching(/2 URI SANs/) });
    expect(checkIdentity({ subjectaltname: `DNS:${POD_A}` }, accepted)).toMatchObject({ ok: false, reason: expect.stringMatching(/no URI SAN/) });
    expect(checkIdentity(cert([POD_A]), [])).toMatchObject({ ok: false, reason: expect.stringMatching(/not an accepted identity/) });
  });

  it('the development CA issues a pod identity certificate the TLS stack reads back as that one URI SAN', async () => {
    const { X509Certificate } = await import('node:crypto');
    const issued = testCa().issue({ commonName: 'x', uris: [POD_A] });
    expect(new X509Certificate(issued.cert).subjectAltName).toBe(`URI:${POD_A}`);
  });
});
