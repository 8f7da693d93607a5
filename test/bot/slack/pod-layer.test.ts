import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { mentionEventBody, slashCommandBody } from '../../helpers/bot/signed-request';
import { allText, blocksOf, startTestBot, type TestBot } from '../../helpers/bot/test-bot';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnZombies } from '../../helpers/kernel/processes';

/**
 * "Why is pod X terminating" through the real Bolt app (signed requests, a
 * fake Slack Web API), a real collector for node-a on this machine, an
 * unreachable one for node-gone, and a fake Kubernetes API that serves the
 * pod's layer as real JSON: the answer leads with the layer that holds the
 * pod, API reads that fail are named, and the thread answers "events",
 * "finalizers", "runtime" and "mounts".
 */
const can = cgroupV1Available();
const itKernel = can.ok ? it : it.skip;
if (!can.ok) process.stderr.write(`pod layer kernel scenario skipped: ${can.reason}\n`);

const FINALIZER_PATCH = `kubectl patch pod db-0 -n shop --type=json -p '[{"op":"test","path":"/metadata/finalizers/0","value":"example.com/backup-guard"},{"op":"remove","path":"/metadata/finalizers/0"}]'`;

describe("Slack: a pod question reads the pod's Kubernetes layer beside the node snapshot", () => {
  let harness: Harness;
  let kube: FakeKubeApi;
  let t: TestBot;

  beforeAll(async () => {
    harness = await startHarness({ remediator: { allowHostProcesses: false } });
    kube = await startFakeKubeApi();
    const tls = harness.clientTls('whystuck-bot');
    t = await startTestBot({
      env: {
        WHYSTUCK_COLLECTORS: `node-a=${harness.address},node-gone=127.0.0.1:9`,
        WHYSTUCK_COLLECTOR_TLS_CERT: tls.cert,
        WHYSTUCK_COLLECTOR_TLS_KEY: tls.key,
        WHYSTUCK_COLLECTOR_TLS_CA: tls.ca,
        KUBECONFIG: kube.kubeconfig,
        WHYSTUCK_COLLECTOR_DEADLINE_MS: '5000',
      },
      kube: createKubeLookup({ kubeconfig: kube.kubeconfig }),
    });
    kube.addNode({ name: 'node-a' });
  });
  afterAll(async () => {
    await t?.close();
    await kube?.close();
    await harness?.close();
  });
  afterEach(cleanupAll);

  /** The slash command; the diagnosis posted in its thread. */
  async function ask(command: string, pod: string) {
    const mark = t.slack.calls.length;
    expect((await t.send(slashCommandBody(command))).status).toBe(200);
    const root = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === undefined && String(c.args.text).includes(pod));
    const threadTs = String(root.reply?.ts);
    const reply = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === threadTs, 20_000);
    return { reply, threadTs, text: allText(reply), headline: blocksOf(reply)[0].text?.text ?? '' };
  }

  /** A follow-up typed in the thread (a mention); the answer's text. */
  async function followUp(threadTs: string, text: string, want: RegExp): Promise<string> {
    const mark = t.slack.calls.length;
    expect((await t.send(mentionEventBody({ text: `<@UBOT> ${text}`, threadTs }))).status).toBe(200);
    const c = await t.slack.waitFor((x) => t.slack.calls.indexOf(x) >= mark && x.method === 'chat.postMessage' && x.args.thread_ts === threadTs && want.test(String(x.args.text)));
    return String(c.args.text);
  }

  it('a finalizer nobody removes: finalizer-blocked leads, with the exact kubectl patch; "finalizers" and "events" in the thread', async () => {
    kube.addPod({
      namespace: 'shop',
      name: 'db-0',
      uid: '0b7f3a1c-2d4e-4f60-8a9b-1c2d3e4f5a6b',
      nodeName: 'node-a',
      deletionTimestamp: '2026-11-24T03:00:30Z',
      deletionGracePeriodSeconds: 30,
      finalizers: ['example.com/backup-guard'],
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'ss-0', controller: true }],
      containers: [{ name: 'db', id: 'f00d', state: 'terminated', exitCode: 0 }],
    });
    kube.addEvent({ namespace: 'shop', involved: { kind: 'Pod', name: 'db-0', uid: '0b7f3a1c-2d4e-4f60-8a9b-1c2d3e4f5a6b' }, type: 'Normal', reason: 'Killing', message: 'Stopping container db' });
    const { headline, text, threadTs } = await ask('pod db-0 -n shop', 'shop/db-0');
    expect(headline).toBe('*Pod shop/db-0 is held by finalizer example.com/backup-guard (the controller that owns the example.com domain removes it). No process of the pod is left on node-a.*');
    expect(text).toContain(FINALIZER_PATCH);
    expect(text).toMatch(/No container is running any more: the finalizer alone keeps the object/);
    expect(text).not.toMatch(/Not read:/);
    // Read beside the snapshot: the pod, then its node and events (no claims: no storage reads).
    expect(kube.requests.map(decodeURIComponent)).toEqual(
      expect.arrayContaining([
        'GET /api/v1/namespaces/shop/pods/db-0',
        'GET /api/v1/nodes/node-a',
        'GET /api/v1/namespaces/shop/events?fieldSelector=involvedObject.uid=0b7f3a1c-2d4e-4f60-8a9b-1c2d3e4f5a6b&limit=200',
      ]),
    );

    const fin = await followUp(threadTs, 'finalizers', /finalizer/);
    expect(fin).toContain('Pod shop/db-0 has 1 finalizer');
    expect(fin).toContain(FINALIZER_PATCH);
    expect(fin).toContain('Owners: StatefulSet db (controller)');
    const ev = await followUp(threadTs, 'events', /Events about|No events/);
    expect(ev).toContain('Normal Killing');
    expect(ev).toContain('Stopping container db');
    const rt = await followUp(threadTs, 'runtime', /runtime/);
    expect(rt).toMatch(/reports nothing for pod shop\/db-0|What the container runtime reports for pod shop\/db-0/);
    expect(await followUp(threadTs, 'mounts', /volumes|Volumes/)).toContain('No volumes of pod shop/db-0');
  });

  it("a node whose kubelet stopped posting status: node-unreachable leads with the heartbeat's age, even when its collector cannot be reached", async () => {
    kube.addNode({ name: 'node-gone', ready: 'Unknown', lastHeartbeat: new Date(Date.now() - 3 * 3600_000).toISOString(), taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] });
    kube.addPod({
      namespace: 'shop',
      name: 'web-1',
      uid: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b',
      nodeName: 'node-gone',
      deletionTimestamp: new Date(Date.now() - 2 * 3600_000).toISOString(),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'ss-1', controller: true }],
      containers: [{ name: 'web', id: 'beef' }],
    });
    const { headline, text } = await ask('pod web-1 -n shop', 'shop/web-1');
    expect(headline).toBe('*Node node-gone is not ready: pod shop/web-1 stays Terminating until its kubelet returns.*');
    expect(text).toMatch(/Its last heartbeat was \S+, 3 h before this evidence was taken/);
    expect(text).toContain('Taints: node.kubernetes.io/unreachable:NoExecute');
    expect(text).toMatch(/This is a StatefulSet pod: its replacement with the same identity/);
    expect(text).toContain('kubectl taint nodes node-gone node.kubernetes.io/out-of-service=nodeshutdown:NoExecute');
    // What could not be read is said: the node itself, through its collector.
    expect(text).toMatch(/:warning: Not read: node node-gone: processes, kernel and container runtime \(the collector on node-gone \(127\.0\.0\.1:9\) is unreachable/);
  });

  it('a node NotReady whose collector answers: node-unreachable leads over a quiet kernel', async () => {
    kube.addNode({ name: 'node-a', ready: 'Unknown', lastHeartbeat: new Date(Date.now() - 40 * 60_000).toISOString(), taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] });
    try {
      kube.addPod({
        namespace: 'shop',
        name: 'web-2',
        uid: '6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d',
        nodeName: 'node-a',
        deletionTimestamp: new Date(Date.now() - 30 * 60_000).toISOString(),
        containers: [{ name: 'web', id: 'cafe' }],
      });
      const { headline, text } = await ask('pod web-2 -n shop', 'shop/web-2');
      expect(headline).toMatch(/^\*Node node-a is not ready: pod shop\/web-2 stays Terminating until its kubelet returns\./);
      expect(text).toMatch(/Its last heartbeat was \S+, (?:40|39|41) min before this evidence was taken/);
      expect(text).not.toMatch(/Not read:/);
    } finally {
      kube.addNode({ name: 'node-a' });
    }
  });

  itKernel('an API read that fails or hangs is named unread; the kernel answer is still given', async () => {
    const pod = createPodCgroup();
    const { parentPid } = await spawnZombies(2, pod);
    kube.addPod({ namespace: 'shop', name: 'web-3', uid: pod.podUid, nodeName: 'node-a', containers: [{ name: 'app', id: pod.containerId }] });
    kube.fault(/\/events$/, { hang: true });
    kube.fault(/^\/api\/v1\/nodes\//, { status: 403, message: 'nodes "node-a" is forbidden: User "system:serviceaccount:whystuck:whystuck-bot" cannot get resource "nodes"' });
    try {
      const started = Date.now();
      const { headline, text } = await ask('pod web-3 -n shop', 'shop/web-3');
      expect(Date.now() - started).toBeLessThan(2900); // not held up to the reads' own 3 s deadline
      expect(headline).toMatch(/zombie/);
      expect(text).toContain(`python3 (pid ${parentPid})`);
      expect(text).toMatch(/:warning: Not read: [^\n]*events of shop\/web-3 \(no answer within \d+ ms \(the answer did not wait for it\)\)/);
      expect(text).toContain('node node-a (the bot may not get nodes in the cluster (RBAC: grant "get" on nodes to the bot\'s service account))');
    } finally {
      kube.fault(/\/events$/, null);
      kube.fault(/^\/api\/v1\/nodes\//, null);
    }
  });
});
