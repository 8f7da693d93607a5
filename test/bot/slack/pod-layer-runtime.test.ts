import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { mentionEventBody, slashCommandBody } from '../../helpers/bot/signed-request';
import { allText, blocksOf, startTestBot, type TestBot } from '../../helpers/bot/test-bot';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { fuseAvailable, startFuse } from '../../helpers/kernel/fuse-mount';
import { stateOf, waitFor } from '../../helpers/kernel/processes';
import { containerdAvailable, startContainerd, type TestContainerd } from '../../helpers/runtime/containerd';
import { createCriPod, waitForState, type CriPod } from '../../helpers/runtime/cri-pod';

/**
 * The runtime layer of a pod question, live: a real containerd (pods made
 * through the CRI as the kubelet does), the collector reading it on this
 * machine, and the fake Kubernetes API serving the same pods (by their uid)
 * as being deleted. Through the Bolt app: a container the runtime still
 * reports running whose process is in D on an unanswered FUSE read is
 * runtime-kill-failed tied to the kernel's finding; a sandbox left after its
 * containers is what holds the pod.
 */
const can = containerdAvailable();
const describeContainerd = can.ok ? describe : describe.skip;
if (!can.ok) process.stderr.write(`pod layer runtime scenarios skipped: ${can.reason}\n`);
const fuse = fuseAvailable();
const itFuse = fuse.ok ? it : it.skip;

describeContainerd('Slack: a pod being deleted, its runtime and its kernel', () => {
  let ctrd: TestContainerd;
  let harness: Harness;
  let kube: FakeKubeApi;
  let t: TestBot;
  beforeAll(async () => {
    ctrd = await startContainerd();
    harness = await startHarness({ snapshotter: { runtime: { endpoint: ctrd.endpoint } } });
    kube = await startFakeKubeApi();
    kube.addNode({ name: 'node-a' });
    const tls = harness.clientTls('whystuck-bot');
    t = await startTestBot({
      env: {
        WHYSTUCK_COLLECTORS: `node-a=${harness.address}`,
        WHYSTUCK_COLLECTOR_TLS_CERT: tls.cert,
        WHYSTUCK_COLLECTOR_TLS_KEY: tls.key,
        WHYSTUCK_COLLECTOR_TLS_CA: tls.ca,
        KUBECONFIG: kube.kubeconfig,
      },
      kube: createKubeLookup({ kubeconfig: kube.kubeconfig }),
    });
  }, 120000);
  // The bot, the collector, then (cleanupAll) pods, FUSE mounts and containerd, even after a failure.
  afterAll(async () => {
    await t?.close();
    await kube?.close();
    await harness?.close();
    await cleanupAll();
  }, 60000);

  /** The pod in the API as the kubelet and the API server see it: deleted a minute ago, grace period over. */
  function deleted(pod: CriPod, container: { name: string; id: string }): void {
    kube.addPod({
      namespace: pod.namespace,
      name: pod.name,
      uid: pod.uid,
      nodeName: 'node-a',
      deletionTimestamp: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      deletionGracePeriodSeconds: 30,
      containers: [{ name: container.name, id: container.id }],
    });
  }

  async function ask(pod: CriPod) {
    const mark = t.slack.calls.length;
    expect((await t.send(slashCommandBody(`pod ${pod.name} -n ${pod.namespace}`))).status).toBe(200);
    const root = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === undefined && String(c.args.text).includes(pod.name));
    const threadTs = String(root.reply?.ts);
    const reply = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === threadTs, 30_000);
    return { threadTs, text: allText(reply), headline: blocksOf(reply)[0].text?.text ?? '' };
  }

  itFuse("a container the runtime reports running, its process in D on an unanswered FUSE read: runtime-kill-failed, tied to the kernel's finding", async () => {
    const mnt = await startFuse({ files: { 'data/file': 'hello\n' }, hang: 'data/file' });
    const pod = await createCriPod(ctrd, { name: 'reader-0', namespace: 'shop' });
    const { id } = await pod.runContainer('reader', ['/bin/cat', '/fuse/data/file'], { mounts: [{ container_path: '/fuse', host_path: mnt.mountpoint, readonly: true }] });
    const info = await ctrd.cri.call('ContainerStatus', { container_id: id, verbose: true }, 5000);
    const pid = Number(JSON.parse(info.info.info ?? '{}').pid ?? 0);
    await mnt.waitHung(1);
    // The kubelet's stop, which fails: the process cannot act on the signals.
    await expect(ctrd.cri.call('StopContainer', { container_id: id, timeout: 1 }, 4000)).rejects.toThrow(/DEADLINE_EXCEEDED|deadline/i);
    await waitFor(() => stateOf(pid) === 'D', 'the killed cat to sit in D');
    deleted(pod, { name: 'reader', id });

    const { text, threadTs } = await ask(pod);
    expect(text).toContain(`Runtime cannot stop the pod shop/reader-0: container reader still running, cat (pid ${pid}) in D in request_wait_answer`);
    expect(text).toMatch(
      new RegExp(
        `The runtime still reports container reader of pod shop/reader-0 running \\(pid ${pid}\\) although the pod is being deleted \\(deletionTimestamp [^)]+\\): cat \\(pid ${pid}\\) is in D in request_wait_answer`,
      ),
    );
    expect(text).toContain(`the kernel finding about pid ${pid} says what it waits for and what ends it`);
    // The kernel's own finding about the same task is in the answer too.
    expect(text).toMatch(/FUSE daemon does not answer|uninterruptible sleep \(D\) on fuse/);

    const mark = t.slack.calls.length;
    expect((await t.send(mentionEventBody({ text: '<@UBOT> runtime', threadTs }))).status).toBe(200);
    const rt = await t.slack.waitFor(
      (c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs && /container runtime reports/.test(String(c.args.text)),
    );
    expect(String(rt.args.text)).toContain(`container reader ${id.slice(0, 13)} CONTAINER_RUNNING pid ${pid}`);
    expect(String(rt.args.text)).toMatch(/sandbox [0-9a-f]{13} shop\/reader-0 SANDBOX_READY/);
  });

  it("a sandbox left after its containers are gone, past the grace period: what holds the pod is the sandbox's teardown", async () => {
    const pod = await createCriPod(ctrd, { name: 'job-1', namespace: 'batch' });
    const { id } = await pod.runContainer('once', ['/bin/sh', '-c', 'exit 3']).catch(async (err: Error) => {
      if (!/CONTAINER_EXITED/.test(err.message)) throw err;
      return { id: (await ctrd.cri.call('ListContainers', { filter: { pod_sandbox_id: pod.sandboxId } })).containers[0].id };
    });
    await waitForState(pod.status, id, 'CONTAINER_EXITED');
    await ctrd.cri.call('RemoveContainer', { container_id: id });
    deleted(pod, { name: 'once', id });

    const { headline, text } = await ask(pod);
    expect(headline).toContain(`Runtime cannot stop the pod batch/job-1: its containers are gone, sandbox ${pod.sandboxId.slice(0, 13)} still ready`);
    expect(text).toContain(`Pod batch/job-1's sandbox ${pod.sandboxId.slice(0, 13)} is still SANDBOX_READY although it has no container left and the grace period is over`);
    expect(text).toContain(`crictl inspectp ${pod.sandboxId}`);
  });
});
