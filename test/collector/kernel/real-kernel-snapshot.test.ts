import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import type { SnapshotResponse__Output } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { Task__Output } from '../../../proto/generated/whystuck/v1/Task';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { cleanupAll, trackPid } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { fuseAvailable, startFuse } from '../../helpers/kernel/fuse-mount';
import { spawnUnkillableStat } from '../../helpers/kernel/unkillable-task';
import { spawnFakeZombie, spawnPidNamespace, spawnStopped, spawnZombies, stateOf, waitFor } from '../../helpers/kernel/processes';

const can = cgroupV1Available();
const fuse = fuseAvailable();
const describeKernel = can.ok && fuse.ok ? describe : describe.skip;
if (!can.ok || !fuse.ok) process.stderr.write(`real-kernel scenarios skipped: ${!can.ok ? can.reason : ''} ${!fuse.ok ? fuse.reason : ''}\n`);

const SIGKILL_BIT = 1n << 8n;
const pending = (t: Task__Output): bigint => BigInt(`0x${t.sig_pending || '0'}`) | BigInt(`0x${t.sig_shared_pending || '0'}`);
const frames = (t: Task__Output | undefined): string => (t?.stack ?? []).map((f) => f.function).join(' ');

describeKernel('real kernel states, snapshotted through the gRPC server', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  afterEach(cleanupAll);

  async function snapshotPod(podUid: string): Promise<SnapshotResponse__Output> {
    const res = await h.client('whystuck-bot').snapshot({ pod_uid: podUid, skip_kmsg: true });
    if (res.status !== 'ok') throw new Error(`snapshot failed: ${JSON.stringify(res)}`);
    return res.value;
  }
  const task = (s: SnapshotResponse__Output, tid: number): Task__Output | undefined => s.tasks.find((t) => t.tid === tid);

  it('zombies whose parent never calls wait(): attributed to the pod through their parent, parent stack read', async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(3, pod);
    const snap = await snapshotPod(pod.podUid);
    for (const z of zombiePids) {
      const t = task(snap, z);
      expect(t).toMatchObject({ state: 'Z', ppid: parentPid, pod_uid: pod.podUid, stack_read: true });
      expect(['parent', 'cgroup']).toContain(t?.pod_attribution);
    }
    const parent = task(snap, parentPid);
    expect(parent).toMatchObject({ state: 'S', pod_uid: pod.podUid, container_id: pod.containerId, pod_attribution: 'cgroup', stack_read: true });
    expect(snap.pods).toEqual([expect.objectContaining({ pod_uid: pod.podUid, qos_class: 'burstable', container_ids: [pod.containerId] })]);
  });

  it('a fake zombie: leader Z with a live thread, both in the pod', async () => {
    const pod = createPodCgroup();
    const { pid, threadTid } = await spawnFakeZombie(pod);
    const snap = await snapshotPod(pod.podUid);
    expect(task(snap, pid)).toMatchObject({ state: 'Z', num_threads: 2, pod_uid: pod.podUid });
    expect(task(snap, threadTid)).toMatchObject({ tgid: pid, state: 'S', pod_uid: pod.podUid });
  });

  it('a PID namespace whose PID 1 is not an init: orphans become zombies under it', async () => {
    const pod = createPodCgroup();
    const ns = await spawnPidNamespace({ orphans: 2, cgroup: pod });
    const snap = await snapshotPod(pod.podUid);
    const init = task(snap, ns.initPid);
    expect(init).toMatchObject({ comm: 'sleep', is_pid_ns_init: true, stack_read: true, pod_uid: pod.podUid });
    expect(init?.ns_pid).toEqual([ns.initPid, 1]);
    for (const z of ns.zombiePids) {
      const t = task(snap, z);
      expect(t).toMatchObject({ state: 'Z', ppid: ns.initPid, pod_uid: pod.podUid, pid_ns_inode: init?.pid_ns_inode });
      expect(t?.ns_pid?.length).toBe(2);
    }
  });

  it("a whole-node walk: the host's PID namespace named on every host process (its link read once), a child namespace's on its own", async () => {
    const pod = createPodCgroup();
    const ns = await spawnPidNamespace({ orphans: 1, cgroup: pod });
    const res = await h.client('whystuck-bot').snapshot({ whole_node: true, skip_kmsg: true, skip_runtime: true });
    if (res.status !== 'ok') throw new Error(`snapshot failed: ${JSON.stringify(res)}`);
    const inode = (pid: number | string): number => Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/pid`))?.[1]);
    const host = inode('self');
    const child = inode(ns.initPid);
    expect(child).not.toBe(host);
    const hostTasks = res.value.tasks.filter((t) => (t.ns_pid ?? []).length === 1);
    expect(hostTasks.length).toBeGreaterThan(20);
    expect(new Set(hostTasks.map((t) => Number(t.pid_ns_inode)))).toEqual(new Set([host]));
    const inChild = res.value.tasks.filter((t) => t.tgid === ns.initPid || ns.zombiePids.includes(t.tid));
    expect(inChild.length).toBe(1 + ns.zombiePids.length);
    for (const t of inChild) expect(Number(t.pid_ns_inode)).toBe(child);
  });

  it('an unkillable D task: SIGKILL pending, request_wait_answer on the stack, until the FUSE connection is aborted', async () => {
    const pod = createPodCgroup();
    const { pid, mnt } = await spawnUnkillableStat(pod);
    const snap = await snapshotPod(pod.podUid);
    const t = task(snap, pid);
    expect(t).toMatchObject({ state: 'D', comm: 'stat', pod_uid: pod.podUid, stack_read: true });
    expect(frames(t)).toMatch(/request_wait_answer/);
    expect(pending(t as Task__Output) & SIGKILL_BIT).toBe(SIGKILL_BIT);
    expect(t?.wchan).toMatch(/request_wait_answer|fuse/);
    expect(snap.node?.mounts?.some((m) => m.mount_point === mnt.mountpoint && m.interest === 'fuse')).toBe(true);
    mnt.abort();
    await waitFor(() => stateOf(pid) === undefined, 'the stat to exit after the abort');
  });

  it('a blocked PID-namespace teardown (seed 000): init in zap_pid_ns_processes behind a task in D', async () => {
    const pod = createPodCgroup();
    const mnt = await startFuse({ hang: '*' });
    const ns = await spawnPidNamespace({ orphans: 0, cgroup: pod, extra: `(stat ${mnt.mountpoint}/vol/x >/dev/null 2>&1 &)` });
    const [hung] = await mnt.waitHung(1);
    process.kill(ns.initPid, 'SIGKILL');
    await waitFor(() => /zap_pid_ns_processes/.test(readFileSync(`/proc/${ns.initPid}/stack`, 'latin1')), 'the init to wait in zap_pid_ns_processes');
    const snap = await snapshotPod(pod.podUid);
    const init = task(snap, ns.initPid);
    expect(init?.is_pid_ns_init).toBe(true);
    expect(frames(init)).toMatch(/zap_pid_ns_processes/);
    expect(frames(init)).toMatch(/do_exit/);
    expect((init?.flags ?? 0) & 0x4).toBe(0x4); // PF_EXITING
    expect(init?.cmdline).toBe(''); // ps shows it as [sleep]
    const blocked = snap.tasks.find((t) => t.comm === 'stat' && t.state === 'D');
    expect(blocked?.pid_ns_inode).toBe(init?.pid_ns_inode);
    expect(blocked?.pod_uid).toBe(pod.podUid);
    expect(frames(blocked)).toMatch(/request_wait_answer/);
    expect(hung.pid).toBeGreaterThan(0);
    mnt.abort();
    await waitFor(() => stateOf(ns.initPid) === undefined || stateOf(ns.initPid) === 'Z', 'the namespace to finish tearing down');
  });

  it('a frozen cgroup and a stopped task', async () => {
    const pod = createPodCgroup();
    const stopped = await spawnStopped(pod);
    const frozenPod = createPodCgroup();
    const sleeper = spawn('sh', ['-c', 'read go; exec sleep 100000'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const sleeperPid = trackPid(sleeper.pid);
    frozenPod.addPid(sleeperPid);
    sleeper.stdin?.end('go\n');
    await waitFor(() => readFileSync(`/proc/${sleeperPid}/comm`, 'latin1').trim() === 'sleep', 'sleep to start');
    await frozenPod.freeze();
    const stoppedSnap = await snapshotPod(pod.podUid);
    expect(task(stoppedSnap, stopped)).toMatchObject({ state: 'T', stack_read: true });
    const frozenSnap = await snapshotPod(frozenPod.podUid);
    const t = task(frozenSnap, sleeperPid);
    expect(t?.freezer_state).toBe('FROZEN');
    expect(frozenSnap.node?.freezers).toEqual(expect.arrayContaining([expect.objectContaining({ pod_uid: frozenPod.podUid, container_id: frozenPod.containerId, state: 'FROZEN' })]));
    // Since 6.1 a task frozen while asleep keeps its ordinary wait (here nanosleep) and reads as D:
    // only the freezer state tells it apart from I/O.
    expect(t?.state).toBe('D');
    expect(t?.stack_read).toBe(true);
    expect(t?.wchan).toMatch(/nanosleep|refrigerator/);
    frozenPod.thaw();
  });

  it('a memcg OOM kill of a process in a pod cgroup: kernel log names the pod memcg, OOM counters set', async () => {
    const pod = createPodCgroup({ memoryLimitBytes: 32 * 1024 * 1024 });
    const before = await h.client('whystuck-bot').snapshot({ pids: [process.pid].length ? { pids: [process.pid] } : undefined });
    if (before.status !== 'ok') throw new Error('snapshot failed');
    const child = spawn('sh', ['-c', 'read go; exec python3 -c "x = bytearray(256 * 1024 * 1024)"'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const pid = trackPid(child.pid);
    pod.addPid(pid);
    child.stdin?.end('go\n');
    const exit = await new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, sig) => r(sig)));
    expect(exit).toBe('SIGKILL');
    const res = await h.client('whystuck-bot').snapshot({ pids: { pids: [process.pid] }, kmsg_since_seq: before.value.kmsg_next_seq });
    if (res.status !== 'ok') throw new Error('snapshot failed');
    const texts = res.value.kmsg.map((r) => r.text);
    expect(texts.some((t) => /Memory cgroup out of memory: Killed process \d+ \(python3\)/.test(t) && t.includes(String(pid)))).toBe(true);
    expect(texts.some((t) => t.includes(`oom_memcg=${pod.path}`) || t.includes(`task_memcg=${pod.path}`))).toBe(true);
    expect(res.value.node?.memcg_oom).toEqual(expect.arrayContaining([expect.objectContaining({ pod_uid: pod.podUid, oom_kill: 1 })]));
  });
});
