import { readFileSync, readlinkSync } from 'node:fs';
import type { Diagnosis, Finding } from '../../../bot/src/diagnosis/finding';
import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { investigatePod, type PodInvestigation } from '../../../bot/src/conversation/investigate-pod';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { cleanupAll, onCleanup } from '../../helpers/kernel/cleanup';
import { waitFor } from '../../helpers/kernel/processes';
import { fakeKubeletRoot, holdInOwnMountNs, mountPodVolume } from '../../helpers/kernel/pod-volume';
import { containerdAvailable, startContainerd, type TestContainerd } from '../../helpers/runtime/containerd';
import { createCriPod, waitForState, type CriPod } from '../../helpers/runtime/cri-pod';

const can = containerdAvailable();
const describeContainerd = can.ok ? describe : describe.skip;
if (!can.ok) process.stderr.write(`containerd pod-termination scenarios skipped: ${can.reason}\n`);

const NODE = 'node-a';
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The processes in a container's cgroup (cgroup v1 memory controller, or v2), by the pod's cgroup parent and the container id. */
function pidsOfContainer(pod: CriPod, containerId: string): number[] {
  for (const root of ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/pids', '/sys/fs/cgroup']) {
    try {
      return readFileSync(`${root}${pod.cgroupParent}/${containerId}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      /* not this hierarchy */
    }
  }
  return [];
}

const commOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

/**
 * A pod being deleted, asked about as the bot asks (investigatePod: the pod
 * from the fake Kubernetes API, tied to the real CRI pod by its uid, the
 * snapshot from the collector over mTLS, the API layer beside it), on a real
 * containerd: PID 1 that ignores SIGTERM inside its grace period with a
 * preStop hook still running; a volume held busy from another mount
 * namespace; a sandbox left after its containers are gone. Everything is torn
 * down by cleanupAll(), the runtime included, even after a failure.
 */
describeContainerd('why a pod is still terminating, on a real containerd, through the bot', () => {
  let ctrd: TestContainerd;
  let h: Harness;
  let kube: FakeKubeApi;
  let kubeletRoot: string;
  beforeAll(async () => {
    ctrd = await startContainerd();
    kubeletRoot = fakeKubeletRoot();
    h = await startHarness({ nodeName: NODE, snapshotter: { runtime: { endpoint: ctrd.endpoint }, kubeletRoot } });
    kube = await startFakeKubeApi();
    onCleanup('fake Kubernetes API', () => kube.close());
    kube.addNode({ name: NODE, ready: 'True' });
  }, 120000);
  afterAll(async () => {
    await h?.close();
    await cleanupAll();
  }, 60000);

  async function ask(pod: CriPod): Promise<{ inv: Extract<PodInvestigation, { status: 'ok' }>; d: Diagnosis }> {
    const lookup = createKubeLookup({ kubeconfig: kube.kubeconfig, deadlineMs: 3000 });
    const client = h.client('whystuck-bot');
    const inv = await investigatePod(
      {
        kube: lookup,
        collectors: { forNode: async () => ({ status: 'ok', client, address: 'test', where: 'test' }), nodes: async () => ({ nodes: [NODE], problems: [] }), close: () => undefined },
      },
      pod.namespace,
      pod.name,
    );
    if (inv.status !== 'ok') throw new Error(`investigation failed: ${JSON.stringify(inv)}`);
    return { inv, d: inv.diagnosis };
  }
  const find = (d: Diagnosis, id: string): Finding => {
    const f = d.findings.find((x) => x.id === id);
    if (!f) throw new Error(`no ${id} finding; found ${d.findings.map((x) => `${x.id}: ${x.title}`).join(' | ')}`);
    return f;
  };

  it("PID 1 ignores SIGTERM inside its grace period, a preStop hook exec'd after the deletion still runs: graceful-termination with the disposition, the time left and the hook", async () => {
    const pod = await createCriPod(ctrd, { name: 'ingest-0', namespace: 'stream' });
    const { id } = await pod.runContainer('app', ['/bin/sh', '-c', 'trap "" TERM; while :; do sleep 1; done']);
    const startedAt = Date.now();
    const init = pidsOfContainer(pod, id).find((p) => commOf(p) === 'sh');
    expect(init).toBeDefined();
    // The deletion began 1.2 s after the container started; grace 30 s.
    await new Promise((r) => setTimeout(r, 2500));
    const began = startedAt + 1200;
    const end = began + 30_000;
    kube.addPod({
      namespace: pod.namespace,
      name: pod.name,
      uid: pod.uid,
      nodeName: NODE,
      deletionTimestamp: iso(end),
      deletionGracePeriodSeconds: 30,
      terminationGracePeriodSeconds: 30,
      containers: [{ name: 'app', id: `containerd://${id}` }],
    });
    // The kubelet's preStop exec hook, as it runs it: ExecSync in the container, still at work.
    const hook = ctrd.cri.call('ExecSync', { container_id: id, cmd: ['/bin/sleep', '27'], timeout: 40 }, 45000).catch(() => undefined);
    void hook;
    await waitFor(() => pidsOfContainer(pod, id).some((p) => commOf(p) === 'sleep' && readFileSync(`/proc/${p}/cmdline`, 'latin1').includes('27')), "the preStop hook's sleep");
    const hookPid = pidsOfContainer(pod, id).find((p) => commOf(p) === 'sleep' && readFileSync(`/proc/${p}/cmdline`, 'latin1').includes('27'))!;

    const { inv, d } = await ask(pod);
    // The evidence: PID 1's dispositions, the hook marked exec'd after the deletion began.
    const initTask = inv.evidence.tasks.find((t) => t.tid === init);
    expect(initTask).toMatchObject({ isPidNsInit: true, comm: 'sh' });
    expect(BigInt(`0x${initTask!.sigIgnored}`) & (1n << 14n)).not.toBe(0n);
    const hookTask = inv.evidence.tasks.find((t) => t.tid === hookPid);
    expect(hookTask?.startedAfterDeletion).toMatchObject({ exec: true, podUid: pod.uid });
    expect(hookTask!.startedAfterDeletion!.afterSeconds).toBeGreaterThan(0);
    expect(initTask?.startedAfterDeletion).toBeUndefined();

    const f = find(d, 'graceful-termination');
    expect(d.findings[0].id).toBe('graceful-termination');
    expect(f.title).toMatch(
      new RegExp(`^Pod stream/ingest-0 is inside its grace period \\(30 s\\): \\d+ s left before SIGKILL; PID 1 sh ignores SIGTERM; sleep exec'd after the deletion still runs$`),
    );
    const left = Number(/: (\d+) s left/.exec(f.title)![1]);
    expect(left).toBeGreaterThan(5);
    expect(left).toBeLessThanOrEqual(30);
    expect(f.explanation).toContain(`sh (pid ${init}) is its PID namespace's init and ignores SIGTERM (SigIgn bit 15 set): the kernel drops SIGTERM`);
    expect(f.explanation).toContain(`waits out the whole grace period — SIGKILL at ${iso(end)}`);
    expect(f.explanation).toMatch(new RegExp(`Exec'd into the container after the deletion began, and still running: sleep \\(pid ${hookPid}\\), \\d+ s after it began`));
    expect(f.tasks).toEqual(expect.arrayContaining([expect.objectContaining({ pid: init, role: 'init' }), expect.objectContaining({ pid: hookPid })]));
    // Nothing to signal: the kubelet's SIGKILL comes on its own.
    expect(f.remediations.filter((r) => r.action === 'signal')).toEqual([]);
  }, 90000);

  it('a volume held busy from another mount namespace after the containers are gone: volume-teardown-blocked names the mount, the holder and its namespace, the backend', async () => {
    const pod = await createCriPod(ctrd, { name: 'cache-0', namespace: 'shop' });
    const vol = mountPodVolume(kubeletRoot, pod.uid, { volume: 'scratch' });
    const { id } = await pod.runContainer('app', ['/bin/sleep', '3600'], { mounts: [{ container_path: '/scratch', host_path: vol }] });
    // A process of the host in a mount namespace of its own (a private copy of every mount: the pod's volume too).
    const holder = await holdInOwnMountNs();
    const holderNs = /\[(\d+)\]/.exec(readlinkSync(`/proc/${holder}/ns/mnt`))![1];
    // The kubelet's teardown: StopContainer (SIGTERM is dropped for sleep as PID 1; SIGKILL after 1 s), RemoveContainer.
    await ctrd.cri.call('StopContainer', { container_id: id, timeout: 1 }, 15000);
    await waitForState(pod.status, id, 'CONTAINER_EXITED');
    await ctrd.cri.call('RemoveContainer', { container_id: id }, 15000);
    kube.addPod({
      namespace: pod.namespace,
      name: pod.name,
      uid: pod.uid,
      nodeName: NODE,
      deletionTimestamp: iso(Date.now() - 60_000),
      deletionGracePeriodSeconds: 30,
      containers: [{ name: 'app', id: `containerd://${id}`, state: 'terminated', exitCode: 137, reason: 'Error' }],
      volumes: [{ name: 'scratch' }],
    });

    const { inv, d } = await ask(pod);
    expect(inv.evidence.kube?.podMounts).toEqual([expect.objectContaining({ volume: 'scratch', mountPoint: vol, fsType: 'tmpfs', backend: expect.objectContaining({ status: 'ok' }) })]);
    expect(inv.evidence.kube?.mountHolders).toEqual(expect.arrayContaining([expect.objectContaining({ pid: holder, how: 'mount', mountNs: holderNs, volume: 'scratch', podUid: pod.uid })]));
    const f = find(d, 'volume-teardown-blocked');
    expect(f.title).toBe(`Volume "scratch" of pod shop/cache-0 is held: sleep (pid ${holder}) keeps it in mount namespace ${holderNs}`);
    expect(f.explanation).toContain(`is mounted at ${vol}`);
    expect(f.explanation).toContain(`sleep (pid ${holder}, mount namespace ${holderNs}, S), which keeps a copy of it in its own mount namespace`);
    expect(f.explanation).toMatch(/Its filesystem answers \(statfs of .* returned in \d+ ms\): the backend is not what holds it\./);
    expect(f.tasks).toEqual([expect.objectContaining({ pid: holder, role: 'blocker' })]);
    // The only process of its namespace, sleeping: the kill verdict says SIGKILL ends the hold.
    const kill = f.remediations.find((r) => r.action === 'signal');
    expect(kill).toMatchObject({ pid: holder, signal: 'SIGKILL', effective: 'yes' });
    expect(f.remediations.find((r) => r.command?.startsWith('grep -l -F'))?.command).toBe(`grep -l -F ${pod.uid} /proc/[0-9]*/mountinfo`);

    // The kubelet's own error for the same volume joins the live holders: the same holder, named with its namespace.
    kube.addEvent({
      namespace: pod.namespace,
      involved: { kind: 'Pod', name: pod.name, uid: pod.uid },
      type: 'Warning',
      reason: 'FailedUnmount',
      count: 4,
      message: `UnmountVolume.TearDown failed for volume "scratch" (UniqueName: "kubernetes.io/empty-dir/${pod.uid}-scratch") pod "${pod.uid}" (UID: "${pod.uid}") : unlinkat ${vol}: device or resource busy`,
    });
    const joined = find((await ask(pod)).d, 'volume-teardown-blocked');
    expect(joined.title).toMatch(new RegExp(`^Volume "scratch" of pod shop/cache-0 .*cannot be torn down: EBUSY, held by sleep$`));
    expect(joined.explanation).toContain(`sleep (pid ${holder}), which has it mounted at ${vol} (tmpfs) in its own mount namespace (${holderNs})`);
    expect(joined.explanation).toMatch(/Its filesystem answers/);
    expect(joined.remediations.find((r) => r.action === 'signal')).toMatchObject({ pid: holder, effective: 'yes' });
  }, 90000);

  it('a sandbox left after its containers are gone: the leftover sandbox is named', async () => {
    const pod = await createCriPod(ctrd, { name: 'job-7', namespace: 'batch' });
    const { id } = await pod.runContainer('once', ['/bin/sleep', '3600']);
    await ctrd.cri.call('StopContainer', { container_id: id, timeout: 0 }, 15000);
    await waitForState(pod.status, id, 'CONTAINER_EXITED');
    await ctrd.cri.call('RemoveContainer', { container_id: id }, 15000);
    kube.addPod({
      namespace: pod.namespace,
      name: pod.name,
      uid: pod.uid,
      nodeName: NODE,
      deletionTimestamp: iso(Date.now() - 120_000),
      deletionGracePeriodSeconds: 30,
      containers: [{ name: 'once', id: `containerd://${id}`, state: 'terminated', exitCode: 137, reason: 'Error' }],
    });
    const { inv, d } = await ask(pod);
    expect(inv.evidence.kube?.runtime.sandboxes).toEqual([expect.objectContaining({ id: pod.sandboxId, podUid: pod.uid, state: 'SANDBOX_READY' })]);
    expect(inv.evidence.kube?.runtime.containers).toEqual([]);
    const f = find(d, 'runtime-kill-failed');
    expect(d.findings[0].id).toBe('runtime-kill-failed');
    expect(f.explanation).toContain(`Pod batch/job-7's sandbox ${pod.sandboxId.slice(0, 13)} is still SANDBOX_READY although it has no container left and the grace period is over`);
    expect(f.remediations.find((r) => r.command?.startsWith('crictl inspectp'))?.command).toContain(pod.sandboxId);
  }, 90000);
});
