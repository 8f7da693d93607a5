import { createCollectorPool, type CollectorPool, type CollectorPoolOptions } from '../../../bot/src/nodes/collector-pool';
import { createCollectorFinder } from '../../../bot/src/nodes/find-collector-pods';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';

const LABELS = { 'app.kubernetes.io/name': 'whystuck-collector' };
const SELECTOR = 'app.kubernetes.io/name=whystuck-collector';

/**
 * Nodes missing from WHYSTUCK_COLLECTORS: the collector DaemonSet pod on the
 * node, found through the (fake) Kubernetes API with label and field
 * selectors, reached at its pod IP with mutual TLS checked against the fixed
 * certificate name — real collectors whose certificates do or do not carry it.
 */
describe('collector pool: finding the collector pod of a node through Kubernetes', () => {
  let named: Harness; // node-d's certificate (URI SAN spiffe://whystuck/node/node-d), DNS whystuck-collector only (no IP: the pod IP is never in it)
  let plain: Harness; // node-a's certificate, localhost and 127.0.0.1
  let perNode: Harness; // node-c's certificate, DNS node-c.collectors.whystuck
  let kube: FakeKubeApi;
  const pools: CollectorPool[] = [];

  beforeAll(async () => {
    [named, plain, perNode] = await Promise.all([
      startHarness({ nodeName: 'node-d', serverNames: { dnsNames: ['whystuck-collector'] } }),
      startHarness({ nodeName: 'node-a' }),
      startHarness({ nodeName: 'node-c', serverNames: { dnsNames: ['node-c.collectors.whystuck'] } }),
    ]);
    kube = await startFakeKubeApi();
    // Decoys first: were a selector not sent, the list would start with one of them (an unroutable TEST-NET address).
    kube.addPod({ namespace: 'whystuck', name: 'whystuck-collector-eeeee', uid: 'u-e', nodeName: 'node-e', labels: LABELS, podIP: '192.0.2.10' });
    kube.addPod({ namespace: 'whystuck', name: 'node-exporter-ddddd', uid: 'u-x', nodeName: 'node-d', labels: { 'app.kubernetes.io/name': 'node-exporter' }, podIP: '192.0.2.11' });
    kube.addPod({ namespace: 'kube-system', name: 'whystuck-collector-kkkkk', uid: 'u-k', nodeName: 'node-d', labels: LABELS, podIP: '192.0.2.12' });
    kube.addPod({ namespace: 'whystuck', name: 'whystuck-collector-ddddd', uid: 'u-d', nodeName: 'node-d', labels: LABELS, podIP: '127.0.0.1' });
    kube.addPod({ namespace: 'whystuck', name: 'whystuck-collector-ppppp', uid: 'u-p', nodeName: 'node-p', labels: LABELS, phase: 'Pending' });
    kube.addPod({ namespace: 'whystuck', name: 'whystuck-collector-ccccc', uid: 'u-c', nodeName: 'node-c', labels: LABELS, podIP: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const p of pools) p.close();
    await kube?.close();
    await Promise.all([named, plain, perNode].map((h) => h?.close()));
  });

  function pool(port: number, opts: Partial<CollectorPoolOptions> & { serverName?: string; namespace?: string } = {}): CollectorPool {
    const p = createCollectorPool({
      addresses: new Map([['node-a', '127.0.0.1:9']]),
      tls: named.clientTls('whystuck-bot'),
      insecure: false,
      deadlineMs: 5000,
      discovery: {
        finder: createCollectorFinder({ kubeconfig: kube.kubeconfig, namespace: opts.namespace ?? 'whystuck', selector: SELECTOR }),
        port,
        serverName: opts.serverName ?? 'whystuck-collector',
      },
      ...opts,
    });
    pools.push(p);
    return p;
  }
  const port = (h: Harness): number => Number(h.address.split(':').pop());

  it('lists pods in the collector namespace with the label selector and spec.nodeName, and reaches the one on the node by its IP and the certificate name', async () => {
    const p = pool(port(named));
    const mark = kube.requests.length;
    const found = await p.forNode('node-d');
    expect(found).toMatchObject({ status: 'ok', address: `127.0.0.1:${port(named)}`, where: `pod whystuck/whystuck-collector-ddddd at 127.0.0.1:${port(named)}, certificate name whystuck-collector` });
    expect(kube.requests.slice(mark).map(decodeURIComponent)).toEqual([`GET /api/v1/namespaces/whystuck/pods?fieldSelector=spec.nodeName=node-d&labelSelector=${SELECTOR}`]);
    if (found.status !== 'ok') throw new Error(found.message);
    const health = await found.client.health();
    expect(health.status).toBe('ok');
    // Reused while fresh: no second list.
    expect((await p.forNode('node-d')).status).toBe('ok');
    expect(kube.requests.length).toBe(mark + 1);
  });

  it("a collector whose certificate is another node's (same CA, its IP in it) is refused; the next call asks Kubernetes again", async () => {
    const p = pool(port(plain));
    const found = await p.forNode('node-d');
    if (found.status !== 'ok') throw new Error(found.message);
    const snap = await found.client.snapshot({ pids: { pids: [1] } });
    expect(snap.status).toBe('unreachable');
    expect(snap.status === 'unreachable' && snap.message).toMatch(/not spiffe:\/\/whystuck\/node\/node-d|spiffe:\/\/whystuck\/node\/node-a, not spiffe:\/\/whystuck\/node\/node-d/);
    const mark = kube.requests.length;
    await p.forNode('node-d');
    expect(kube.requests.length).toBe(mark + 1);
  });

  it('"{node}" in the certificate name is the node (the name asked for; the identity checked is node-c\'s URI SAN)', async () => {
    const p = pool(port(perNode), { serverName: '{node}.collectors.whystuck' });
    const found = await p.forNode('node-c');
    if (found.status !== 'ok') throw new Error(found.message);
    expect(found.where).toMatch(/certificate name node-c\.collectors\.whystuck$/);
    expect((await found.client.health()).status).toBe('ok');
  });

  it('says exactly what is missing: no pod, a pod not running, RBAC, no TLS', async () => {
    const p = pool(port(named));
    expect(await p.forNode('node-z')).toEqual({
      status: 'unknown-node',
      message:
        'no collector is configured for node node-z in WHYSTUCK_COLLECTORS and there is no collector pod on it (pods in namespace whystuck with labels app.kubernetes.io/name=whystuck-collector): is the DaemonSet scheduled there (taints, nodeSelector)?',
    });
    expect(await p.forNode('node-p')).toEqual({
      status: 'unknown-node',
      message: 'the collector pod on node node-p is not running (whystuck/whystuck-collector-ppppp is Pending without an IP): see `kubectl -n whystuck describe pod whystuck-collector-ppppp`',
    });
    kube.forbidList('locked');
    const locked = pool(port(named), { namespace: 'locked' });
    const denied = await locked.forNode('node-d');
    expect(denied.status === 'unknown-node' && denied.message).toMatch(
      /cannot find the collector pods: the bot may not list pods in locked \(RBAC: grant "list" on pods to the bot's service account\)/,
    );
    const noTls = pool(port(named), { tls: undefined });
    const refused = await noTls.forNode('node-d');
    expect(refused.status === 'unknown-node' && refused.message).toMatch(/collectors found through Kubernetes need mutual TLS: set WHYSTUCK_COLLECTOR_TLS_CERT\/KEY\/CA/);
    // A node name that is not one never reaches a selector.
    const mark = kube.requests.length;
    expect((await p.forNode('node-d,spec.nodeName!=x')).status).toBe('unknown-node');
    expect(kube.requests.length).toBe(mark);
  });

  it('every node for a sweep: configured ones, then those with a collector pod', async () => {
    expect(await pool(port(named)).nodes()).toEqual({ nodes: ['node-a', 'node-c', 'node-d', 'node-e', 'node-p'], problems: [] });
    const denied = await pool(port(named), { namespace: 'locked' }).nodes();
    expect(denied.nodes).toEqual(['node-a']);
    expect(denied.problems[0]).toMatch(/may not list pods in locked/);
  });
});
