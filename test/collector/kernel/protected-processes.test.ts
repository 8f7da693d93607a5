import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStat } from '../../../collector/src/procfs/parse-stat';
import { createRemediator } from '../../../collector/src/remediate/remediator';
import { kubeletPodUid } from '../../../collector/src/remediate/protected';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { cleanupAll, onCleanup, trackPid } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { stateOf, waitFor } from '../../helpers/kernel/processes';

const can = cgroupV1Available();
const describeKernel = can.ok ? describe : describe.skip;
if (!can.ok) process.stderr.write(`protected-process tests skipped: ${can.reason}\n`);

const identity = (pid: number): { start: number; comm: string } => {
  const s = parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  if (!s) throw new Error(`no stat for ${pid}`);
  return { start: s.startTime, comm: s.comm };
};

/**
 * Remediate's hard deny list on real processes: /bin/sleep copied under the
 * daemon's name (so the kernel's comm and the executable are that name), put
 * in a Kubernetes pod cgroup — a place Remediate would otherwise signal — and
 * the collector started with --allow-host-processes, which must not matter.
 */
describeKernel('Remediate never signals protected processes', () => {
  let h: Harness;
  let bin: string;
  beforeAll(async () => {
    h = await startHarness({ nodeName: 'node-a', remediator: { allowHostProcesses: true } });
    bin = mkdtempSync(join(tmpdir(), 'whystuck-protected-'));
  });
  afterAll(async () => {
    await cleanupAll();
    await h?.close();
    rmSync(bin, { recursive: true, force: true });
  });
  afterEach(cleanupAll);

  /** `name` running (a copy of sleep) in a fresh pod cgroup. */
  async function podProcess(name: string): Promise<number> {
    const exe = join(bin, name);
    if (!existsSync(exe)) copyFileSync('/bin/sleep', exe);
    spawnSync('chmod', ['755', exe]);
    const pod = createPodCgroup();
    const child = spawn(exe, ['100000'], { stdio: 'ignore' });
    const pid = trackPid(child.pid);
    pod.addPid(pid);
    await waitFor(() => stateOf(pid) === 'S', `${name} to sleep`);
    return pid;
  }

  const remediate = async (pid: number) => {
    const { start, comm } = identity(pid);
    const res = await h.client('whystuck-bot').remediate({ pid, start_time_ticks: start, expected_comm: comm, signal: 'SIGKILL', requester: 'slack:U123', reason: 'test', node: 'node-a' });
    if (res.status !== 'ok') throw new Error(`remediate failed: ${JSON.stringify(res)}`);
    return res.value;
  };

  it.each([
    ['kubelet', /the kubelet/],
    ['containerd', /container runtime \(containerd\)/],
    ['containerd-shim-runc-v2', /containerd shim/],
    ['runc', /OCI runtime/],
    ['crun', /OCI runtime/],
    ['conmon', /conmon/],
    ['crio', /CRI-O/],
    ['dockerd', /Docker daemon/],
    ['sshd', /sshd/],
    ['systemd', /systemd/],
    ['systemd-journald', /a systemd daemon/],
    ['systemd-logind', /a systemd daemon/],
    ['pause', /pause process/],
  ])('%s in a pod cgroup, with --allow-host-processes: PROTECTED, not signalled', async (name, why) => {
    const pid = await podProcess(name);
    const res = await remediate(pid);
    expect(res.status).toBe('PROTECTED');
    expect(res.message).toMatch(why);
    expect(res.message).toMatch(/whystuck never signals it/);
    expect(stateOf(pid)).toBe('S');
  });

  it('the same copy of sleep under an ordinary name, in the same kind of place, is signalled (the setup itself does not protect)', async () => {
    const pid = await podProcess('my-app');
    const res = await remediate(pid);
    expect(res.status).toBe('SIGNALLED');
    await waitFor(() => stateOf(pid) === undefined, 'my-app to be gone');
  });

  it('a daemon started through a link of another name is caught by its executable (the comm alone says "worker")', async () => {
    const exe = join(bin, 'kubelet');
    if (!existsSync(exe)) copyFileSync('/bin/sleep', exe);
    spawnSync('chmod', ['755', exe]);
    const link = join(bin, 'worker');
    if (!existsSync(link)) symlinkSync(exe, link);
    const pod = createPodCgroup();
    const child = spawn(link, ['100000'], { stdio: 'ignore' });
    const pid = trackPid(child.pid);
    pod.addPid(pid);
    await waitFor(() => stateOf(pid) === 'S', 'the linked kubelet to sleep');
    expect(identity(pid).comm).toBe('worker');
    const res = await remediate(pid);
    expect(res.status).toBe('PROTECTED');
    expect(res.message).toMatch(/the kubelet \(executable kubelet\)/);
    expect(stateOf(pid)).toBe('S');
  });

  it("the collector's ancestors (the launcher that started it) are protected", async () => {
    // SIGCONT, so that a failure of the guard would do no harm to the test runner.
    const { start, comm } = identity(process.ppid);
    const res = await h.client('whystuck-bot').remediate({ pid: process.ppid, start_time_ticks: start, expected_comm: comm, signal: 'SIGCONT', requester: 'test', reason: 'test', node: 'node-a' });
    expect(res.status === 'ok' && res.value).toMatchObject({ status: 'PROTECTED', message: expect.stringMatching(/ancestor of the collector/) });
  });

  it("a process in the collector's own pod is protected", async () => {
    const pod = createPodCgroup();
    const child = spawn('sleep', ['100000'], { stdio: 'ignore' });
    const pid = trackPid(child.pid);
    pod.addPid(pid);
    await waitFor(() => stateOf(pid) === 'S', 'sleep');
    const remediator = createRemediator({ reader: h.snapshotter.reader, ownPodUid: pod.podUid, settleMs: 100 });
    const { start, comm } = identity(pid);
    const res = await remediator.remediate({ pid, start_time_ticks: start, expected_comm: comm, signal: 'SIGKILL', requester: 'test', reason: 'test', node: 'node-a' });
    expect(res).toMatchObject({ status: 'PROTECTED', message: expect.stringMatching(/collector's own pod/) });
    expect(stateOf(pid)).toBe('S');
  });

  it("a cgroup named pod<uid> outside kubepods does not make a host process a pod's", async () => {
    const uid = randomUUID();
    const dirs = ['memory', 'pids'].map((c) => `/sys/fs/cgroup/${c}/whystuck-test-${uid.slice(0, 8)}`);
    const leaves = dirs.map((d) => `${d}/pod${uid}/${randomBytes(32).toString('hex')}`);
    for (const l of leaves) mkdirSync(l, { recursive: true });
    onCleanup('fake pod cgroup', async () => {
      for (const l of leaves) {
        for (const p of readFileSync(`${l}/cgroup.procs`, 'utf8').split('\n').filter(Boolean))
          try {
            process.kill(Number(p), 'SIGKILL');
          } catch {
            /* gone */
          }
      }
      await new Promise((r) => setTimeout(r, 200));
      for (const l of leaves)
        for (const d of [l, l.slice(0, l.lastIndexOf('/')), l.slice(0, l.lastIndexOf('/', l.lastIndexOf('/') - 1))])
          try {
            rmdirSync(d);
          } catch {
            /* busy or gone */
          }
    });
    const child = spawn('sleep', ['100000'], { stdio: 'ignore' });
    const pid = trackPid(child.pid);
    for (const l of leaves) writeFileSync(`${l}/cgroup.procs`, String(pid));
    await waitFor(() => stateOf(pid) === 'S', 'sleep');
    expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toContain(`/pod${uid}/`);
    const remediator = createRemediator({ reader: h.snapshotter.reader, settleMs: 100 }); // host processes not allowed
    const { start, comm } = identity(pid);
    const res = await remediator.remediate({ pid, start_time_ticks: start, expected_comm: comm, signal: 'SIGKILL', requester: 'test', reason: 'test', node: 'node-a' });
    expect(res).toMatchObject({ status: 'PROTECTED', message: expect.stringMatching(/not in a Kubernetes pod cgroup \(under kubepods\)/) });
    expect(stateOf(pid)).toBe('S');
    // The paths kubelet makes do count, as seen from the host or from a cgroup namespace.
    expect(kubeletPodUid(`/kubepods/burstable/pod${uid}/abc`)).toBe(uid);
    expect(kubeletPodUid(`/../../kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid.replace(/-/g, '_')}.slice/cri-containerd-${'a'.repeat(64)}.scope`)).toBe(uid);
    expect(kubeletPodUid(`/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod${uid.replace(/-/g, '_')}.slice`)).toBe(uid);
    expect(kubeletPodUid(`/user.slice/kubepods/pod${uid}`)).toBe('');
  });

  it('--proc-root of another PID namespace refuses Remediate: its pids name other processes here', async () => {
    const pid = await podProcess('my-app-2');
    const { start, comm } = identity(pid);
    const req = { pid, start_time_ticks: start, expected_comm: comm, signal: 'SIGKILL' as const, requester: 'test', reason: 'test', node: 'node-a' };
    // A directory that is not this collector's procfs.
    const fake = mkdtempSync(join(tmpdir(), 'whystuck-fakeproc-'));
    onCleanup('fake proc root', () => rmSync(fake, { recursive: true, force: true }));
    const fromFake = await createRemediator({ reader: h.snapshotter.reader, procRoot: fake, allowHostProcesses: true, settleMs: 100 }).remediate(req);
    expect(fromFake).toMatchObject({ status: 'PROTECTED', message: expect.stringMatching(/--proc-root .* Remediate is refused/) });
    // A real procfs of a new PID namespace (unshare), seen through its mount namespace.
    const ns = spawn('unshare', ['--pid', '--fork', '--mount-proc', 'sleep', '100000'], { stdio: 'ignore' });
    const nsPid = trackPid(ns.pid);
    let inner = 0;
    await waitFor(() => {
      const kids = readFileSync(`/proc/${nsPid}/task/${nsPid}/children`, 'utf8').trim();
      inner = Number(kids.split(' ')[0] || 0);
      // Until unshare's child has mounted its own procfs, /proc/INNER/root/proc is still this one, whose pid 1 is the
      // host's init: wait until pid 1 seen there is in the new namespace (whatever the host's init is called).
      if (inner <= 0) return false;
      try {
        return readlinkSync(`/proc/${inner}/root/proc/1/ns/pid`) === readlinkSync(`/proc/${inner}/ns/pid`);
      } catch {
        return false;
      }
    }, 'the namespace to start with its own procfs');
    trackPid(inner);
    const fromOtherNs = await createRemediator({ reader: h.snapshotter.reader, procRoot: `/proc/${inner}/root/proc`, allowHostProcesses: true, settleMs: 100 }).remediate(req);
    expect(fromOtherNs).toMatchObject({ status: 'PROTECTED', message: expect.stringMatching(/--proc-root/) });
    expect(stateOf(pid)).toBe('S');
  });
});
