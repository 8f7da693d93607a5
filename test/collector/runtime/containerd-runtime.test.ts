import type { SnapshotResponse__Output } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { RuntimeView__Output } from '../../../proto/generated/whystuck/v1/RuntimeView';
import { diagnose } from '../../../bot/src/diagnosis/engine';
import { evidenceFromSnapshot } from '../../../bot/src/evidence/from-snapshot';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { fuseAvailable, startFuse } from '../../helpers/kernel/fuse-mount';
import { stateOf, waitFor } from '../../helpers/kernel/processes';
import { containerdAvailable, startContainerd, type TestContainerd } from '../../helpers/runtime/containerd';
import { createCriPod, waitForState } from '../../helpers/runtime/cri-pod';

const can = containerdAvailable();
const describeContainerd = can.ok ? describe : describe.skip;
if (!can.ok) process.stderr.write(`containerd scenarios skipped: ${can.reason}\n`);
const fuse = fuseAvailable();
const itFuse = fuse.ok ? it : it.skip;

/** The host pid of a container's process as containerd itself reports it (verbose status: `info`). */
async function runtimePid(ctrd: TestContainerd, containerId: string): Promise<number> {
  const r = await ctrd.cri.call('ContainerStatus', { container_id: containerId, verbose: true }, 5000);
  return Number(JSON.parse(r.info.info ?? '{}').pid ?? 0);
}

describeContainerd('the container runtime (a real containerd, pods made through the CRI as the kubelet does)', () => {
  let ctrd: TestContainerd;
  let h: Harness;
  beforeAll(async () => {
    ctrd = await startContainerd();
    h = await startHarness({ snapshotter: { runtime: { endpoint: ctrd.endpoint } } });
  }, 120000);
  // Everything (pods, FUSE mounts, containerd itself) is torn down here, newest first, even after a failure.
  afterAll(async () => {
    await h?.close();
    await cleanupAll();
  }, 60000);

  async function snapshot(req: { pod_uid?: string; whole_node?: boolean }): Promise<SnapshotResponse__Output> {
    const res = await h.client('whystuck-bot').snapshot({ ...req, skip_kmsg: true });
    if (res.status !== 'ok') throw new Error(`snapshot failed: ${JSON.stringify(res)}`);
    return res.value;
  }
  const runtimeOf = (s: SnapshotResponse__Output): RuntimeView__Output => {
    if (!s.runtime) throw new Error('the snapshot has no runtime section');
    return s.runtime;
  };

  it('a running container: listed with its sandbox, its host pid and pod uid, and the shim that runs it', async () => {
    const pod = await createCriPod(ctrd, { name: 'web-0', namespace: 'shop' });
    const { id } = await pod.runContainer('app', ['/bin/sleep', '3600']);
    const pid = await runtimePid(ctrd, id);
    expect(pid).toBeGreaterThan(0);

    const snap = await snapshot({ pod_uid: pod.uid });
    const rt = runtimeOf(snap);
    expect(rt).toMatchObject({ status: 'ok', endpoint: ctrd.endpoint, endpoint_source: 'configured', runtime_name: 'containerd', runtime_api_version: 'v1', error: '' });
    expect(rt.runtime_version).toMatch(/^1\./);
    expect(rt.sandboxes).toEqual([
      expect.objectContaining({
        id: pod.sandboxId,
        pod_name: 'web-0',
        pod_namespace: 'shop',
        pod_uid: pod.uid,
        state: 'SANDBOX_READY',
        network_mode: 'NODE',
        status_error: '',
      }),
    ]);
    expect(rt.sandboxes[0].pid).toBeGreaterThan(0);
    expect(rt.sandboxes[0].created_unix_ms).toBeGreaterThan(Date.now() - 120000);
    expect(rt.containers).toEqual([
      expect.objectContaining({
        id,
        sandbox_id: pod.sandboxId,
        name: 'app',
        state: 'CONTAINER_RUNNING',
        pid,
        pod_uid: pod.uid,
        exit_code: 0,
        finished_unix_ms: 0,
        status_error: '',
      }),
    ]);
    expect(rt.containers[0].started_unix_ms).toBeGreaterThanOrEqual(rt.containers[0].created_unix_ms);
    // The same process among the snapshot's tasks, attributed to the pod and the container by its cgroup.
    expect(snap.tasks.find((t) => t.tid === pid)).toMatchObject({ comm: 'sleep', pod_uid: pod.uid, container_id: id, is_pid_ns_init: true });
    // containerd-shim-runc-v2 serves the sandbox and is the parent of the sandbox's and the container's processes.
    const shim = rt.shims.find((s) => s.serves_id === pod.sandboxId);
    expect(shim).toMatchObject({ comm: 'containerd-shim', state: 'S' });
    expect(shim?.child_pids).toEqual([rt.sandboxes[0].pid, pid].sort((a, b) => a - b));
    expect(shim?.wchan).not.toBe('');
    expect(snap.read_problems.filter((p) => /CRI/.test(p.path))).toEqual([]);

    // A whole-node snapshot lists this pod among the others.
    const node = runtimeOf(await snapshot({ whole_node: true }));
    expect(node.status).toBe('ok');
    expect(node.containers.find((c) => c.id === id)).toMatchObject({ pid, pod_uid: pod.uid, state: 'CONTAINER_RUNNING' });
    expect(node.shims.map((s) => s.serves_id)).toContain(pod.sandboxId);
  });

  it('a sandbox left after its containers are gone: the sandbox alone, still ready, its pause process running', async () => {
    const pod = await createCriPod(ctrd, { name: 'job-1', namespace: 'batch' });
    const { id } = await pod.runContainer('once', ['/bin/sh', '-c', 'exit 3']).catch(async (err: Error) => {
      // It may exit before the runtime was seen RUNNING: fine, it is the exit that matters.
      if (!/CONTAINER_EXITED/.test(err.message)) throw err;
      return { id: (await ctrd.cri.call('ListContainers', { filter: { pod_sandbox_id: pod.sandboxId } })).containers[0].id };
    });
    await waitForState(pod.status, id, 'CONTAINER_EXITED');
    // Exited: the runtime's exit code, reason and times.
    const exited = runtimeOf(await snapshot({ pod_uid: pod.uid }));
    expect(exited.containers).toEqual([expect.objectContaining({ id, state: 'CONTAINER_EXITED', exit_code: 3, reason: 'Error', pid: 0 })]);
    // (containerd stamps started_at when StartContainer returns: a process that exits at once may finish "before" it.)
    expect(Math.abs(exited.containers[0].finished_unix_ms - exited.containers[0].started_unix_ms)).toBeLessThan(5000);
    expect(exited.containers[0].finished_unix_ms).toBeGreaterThan(Date.now() - 120000);

    await ctrd.cri.call('RemoveContainer', { container_id: id });
    const rt = runtimeOf(await snapshot({ pod_uid: pod.uid }));
    expect(rt.containers).toEqual([]);
    expect(rt.sandboxes).toEqual([expect.objectContaining({ id: pod.sandboxId, pod_name: 'job-1', pod_uid: pod.uid, state: 'SANDBOX_READY' })]);
    expect(rt.sandboxes[0].pid).toBeGreaterThan(0);
    expect(rt.shims.find((s) => s.serves_id === pod.sandboxId)?.child_pids).toEqual([rt.sandboxes[0].pid]);

    // Stopped but not removed: NOTREADY, no process left.
    await ctrd.cri.call('StopPodSandbox', { pod_sandbox_id: pod.sandboxId }, 10000);
    const stopped = runtimeOf(await snapshot({ pod_uid: pod.uid }));
    expect(stopped.sandboxes).toEqual([expect.objectContaining({ id: pod.sandboxId, state: 'SANDBOX_NOTREADY', pid: 0 })]);
    expect(stopped.shims.filter((s) => s.serves_id === pod.sandboxId)).toEqual([]);
  });

  itFuse('a container stuck in D on an unanswered FUSE read: StopContainer fails, the runtime still says RUNNING, the pid is in D', async () => {
    const mnt = await startFuse({ files: { 'data/file': 'hello\n' }, hang: 'data/file' });
    const pod = await createCriPod(ctrd, { name: 'reader-0', namespace: 'shop' });
    const { id } = await pod.runContainer('reader', ['/bin/cat', '/fuse/data/file'], {
      mounts: [{ container_path: '/fuse', host_path: mnt.mountpoint, readonly: true }],
    });
    const pid = await runtimePid(ctrd, id);
    await mnt.waitHung(1);
    // The kubelet's stop: SIGTERM (ignored: PID 1 of its namespace, no handler), then SIGKILL after the timeout.
    await expect(ctrd.cri.call('StopContainer', { container_id: id, timeout: 1 }, 4000)).rejects.toThrow(/DEADLINE_EXCEEDED|deadline/i);
    await waitFor(() => stateOf(pid) === 'D', 'the killed cat to sit in D');
    expect((await pod.status(id)).state).toBe('CONTAINER_RUNNING');

    const snap = await snapshot({ pod_uid: pod.uid });
    const rt = runtimeOf(snap);
    expect(rt.status).toBe('ok');
    expect(rt.containers).toEqual([expect.objectContaining({ id, name: 'reader', state: 'CONTAINER_RUNNING', pid, finished_unix_ms: 0 })]);
    const task = snap.tasks.find((t) => t.tid === pid);
    expect(task).toMatchObject({ comm: 'cat', state: 'D', container_id: id, pod_uid: pod.uid, stack_read: true });
    expect(task?.stack.map((f) => f.function)).toContain('request_wait_answer');
    expect(BigInt(`0x${task?.sig_pending || '0'}`) | BigInt(`0x${task?.sig_shared_pending || '0'}`)).not.toBe(0n);
    expect(rt.shims.find((s) => s.serves_id === pod.sandboxId)?.child_pids).toContain(pid);

    // The bot's evidence: the runtime's container, running, whose pid is the task in D; the diagnosis names that task.
    const ev = evidenceFromSnapshot(snap);
    expect(ev.kube?.runtime.containers).toEqual([expect.objectContaining({ id, name: 'reader', state: 'CONTAINER_RUNNING', pid, podUid: pod.uid, podSandboxId: pod.sandboxId, pod: 'reader-0' })]);
    expect(ev.kube?.runtime.unanswered).toBeUndefined();
    expect(ev.tasks.find((t) => t.tid === pid)).toMatchObject({ state: 'D', containerId: id });
    const d = diagnose(ev);
    expect(d.findings.find((f) => f.id === 'uninterruptible-io')?.tasks.map((t) => t.pid)).toContain(pid);
  });
});
