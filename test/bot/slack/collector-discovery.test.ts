import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { slashCommandBody } from '../../helpers/bot/signed-request';
import { allText, blocksOf, startTestBot, type TestBot } from '../../helpers/bot/test-bot';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnZombies } from '../../helpers/kernel/processes';

const can = cgroupV1Available();
const describeKernel = can.ok ? describe : describe.skip;
if (!can.ok) process.stderr.write(`collector discovery e2e skipped: ${can.reason}\n`);

describeKernel('Slack: a node without a WHYSTUCK_COLLECTORS entry is reached through its collector pod', () => {
  let harness: Harness;
  let kube: FakeKubeApi;
  let t: TestBot;

  beforeAll(async () => {
    // The collector's certificate names the service, not an address: pod IPs change.
    harness = await startHarness({ nodeName: 'node-d', serverNames: { dnsNames: ['whystuck-collector'] } });
    kube = await startFakeKubeApi();
    kube.addPod({ namespace: 'whystuck', name: 'whystuck-collector-x7k2p', uid: 'u-col', nodeName: 'node-d', labels: { 'app.kubernetes.io/name': 'whystuck-collector' }, podIP: '127.0.0.1' });
    const tls = harness.clientTls('whystuck-bot');
    t = await startTestBot({
      env: {
        KUBECONFIG: kube.kubeconfig,
        WHYSTUCK_COLLECTOR_PORT: harness.address.split(':')[1],
        WHYSTUCK_COLLECTOR_TLS_CERT: tls.cert,
        WHYSTUCK_COLLECTOR_TLS_KEY: tls.key,
        WHYSTUCK_COLLECTOR_TLS_CA: tls.ca,
      },
      kube: createKubeLookup({ kubeconfig: kube.kubeconfig }),
    });
  });
  afterAll(async () => {
    await t?.close();
    await kube?.close();
    await harness?.close();
  });
  afterEach(cleanupAll);

  it("/whystuck pod on a discovered node: the pod's zombies diagnosed through the collector pod found by selectors", async () => {
    const pod = createPodCgroup();
    const { zombiePids } = await spawnZombies(2, pod);
    kube.addPod({ namespace: 'shop', name: 'web-0', uid: pod.podUid, nodeName: 'node-d' });
    await t.send(slashCommandBody('pod web-0 -n shop'));
    const reply = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts !== undefined);
    expect(blocksOf(reply)[0].text?.text).toMatch(/zombie/);
    expect(allText(reply)).toContain(`pod shop/web-0 · uid ${pod.podUid} · node node-d`);
    for (const z of zombiePids) expect(allText(reply)).toContain(String(z));
    expect(kube.requests.map(decodeURIComponent)).toContain('GET /api/v1/namespaces/whystuck/pods?fieldSelector=spec.nodeName=node-d&labelSelector=app.kubernetes.io/name=whystuck-collector');
  });

  it('a node without a collector pod: the thread says what was searched and what to check', async () => {
    await t.send(slashCommandBody('node node-z'));
    const root = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.text === 'Looking into node node-z…');
    const said = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === root.reply?.ts);
    expect(said.args.text).toBe(
      ':warning: no collector is configured for node node-z in WHYSTUCK_COLLECTORS and there is no collector pod on it (pods in namespace whystuck with labels app.kubernetes.io/name=whystuck-collector): is the DaemonSet scheduled there (taints, nodeSelector)?' +
        '\nTo read such nodes over SSH instead, set WHYSTUCK_SSH_KEY_FILE (a private key the nodes authorise for WHYSTUCK_SSH_USER: root, or better a user a forced command holds to the whystuck scripts (bot/docs/ssh.md); in Kubernetes a mounted Secret) and WHYSTUCK_SSH_KNOWN_HOSTS or WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS (host keys are always checked).',
    );
  });

  it('a collector pod that does not answer: the thread names the pod, its address and the error', async () => {
    kube.addPod({ namespace: 'whystuck', name: 'whystuck-collector-u9q4r', uid: 'u-col-u', nodeName: 'node-u', labels: { 'app.kubernetes.io/name': 'whystuck-collector' }, podIP: '127.0.0.2' });
    await t.send(slashCommandBody('node node-u'));
    const root = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.text === 'Looking into node node-u…');
    const said = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === root.reply?.ts);
    expect(said.args.text).toMatch(
      new RegExp(
        `^:warning: the collector on node-u \\(pod whystuck/whystuck-collector-u9q4r at 127\\.0\\.0\\.2:${harness.address.split(':')[1]}, certificate name whystuck-collector\\) is unreachable: .*ECONNREFUSED`,
      ),
    );
  });

  it('sweep covers the nodes that have a collector pod', async () => {
    await t.send(slashCommandBody('sweep'));
    const sweep = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && /^\*Sweep of/.test(String(c.args.text)));
    expect(sweep.args.text).toMatch(/^\*Sweep of 2 nodes\*/);
    expect(sweep.args.text).toMatch(/:warning: \*node-u\*: the collector on node-u \(pod whystuck\/whystuck-collector-u9q4r/);
    expect(sweep.args.text).not.toMatch(/node-d\*: the collector/);
  });
});
