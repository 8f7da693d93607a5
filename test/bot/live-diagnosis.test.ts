import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { diagnose } from '../../bot/src/diagnosis/engine';
import type { Diagnosis, Finding } from '../../bot/src/diagnosis/finding';
import { evidenceFromSnapshot } from '../../bot/src/evidence/from-snapshot';
import type { SnapshotRequest } from '../../proto/generated/whystuck/v1/SnapshotRequest';
import { startHarness, type Harness } from '../helpers/collector-harness';
import { checkDiagnosis } from '../helpers/bot/corpus-cases';
import { cleanupAll, trackPid } from '../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../helpers/kernel/pod-cgroup';
import { fuseAvailable } from '../helpers/kernel/fuse-mount';
import { spawnUnkillableStat } from '../helpers/kernel/unkillable-task';
import { spawnBlockedPidnsTeardown } from '../helpers/kernel/blocked-pidns-teardown';
import { spawnFakeZombie, spawnPidNamespace, spawnStopped, spawnZombies, waitFor } from '../helpers/kernel/processes';

const can = cgroupV1Available();
const fuse = fuseAvailable();
const describeKernel = can.ok && fuse.ok ? describe : describe.skip;
if (!can.ok || !fuse.ok) process.stderr.write(`live diagnosis skipped: ${!can.ok ? can.reason : ''} ${!fuse.ok ? fuse.reason : ''}\n`);

const only = (d: Diagnosis, id: string): Finding[] => d.findings.filter((f) => f.id === id);

describeKernel('the rules on live snapshots of real kernel states (same expectations as the corpus)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  afterEach(cleanupAll);

  async function diagnosePod(podUid: string, extra: Partial<SnapshotRequest> = {}): Promise<Diagnosis> {
    const res = await h.client('whystuck-bot').snapshot({ pod_uid: podUid, skip_kmsg: true, ...extra });
    if (res.status !== 'ok') throw new Error(`snapshot failed: ${JSON.stringify(res)}`);
    return diagnose(evidenceFromSnapshot(res.value));
  }

  it('zombies of a parent that never waits: parent-not-reaping; killing the parent works, killing a zombie does not', async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(3, pod);
    const d = await diagnosePod(pod.podUid);
    expect(
      checkDiagnosis(d, {
        must: ['zombie'],
        must_not: ['uninterruptible-io', 'pidns-teardown-blocked'],
        key_tasks: zombiePids.map((pid) => ({ pid, comm: 'python3', kill9_effective: false })),
        zombie_kind: 'parent-not-reaping',
      }),
    ).toEqual([]);
    const z = only(d, 'zombie')[0];
    expect(z.tasks).toEqual(expect.arrayContaining([expect.objectContaining({ pid: parentPid, role: 'parent', podUid: pod.podUid })]));
    expect(z.remediations).toEqual(expect.arrayContaining([expect.objectContaining({ pid: parentPid, signal: 'SIGTERM', effective: 'yes' })]));
  });

  it('a fake zombie: SIGKILL to the process is offered as effective', async () => {
    const pod = createPodCgroup();
    const { pid } = await spawnFakeZombie(pod);
    const d = await diagnosePod(pod.podUid);
    expect(checkDiagnosis(d, { must: ['zombie'], must_not: ['uninterruptible-io'], key_tasks: [{ pid, comm: 'python3', kill9_effective: true }], zombie_kind: 'fake-zombie' })).toEqual([]);
    const fake = only(d, 'zombie').find((f) => f.kind === 'fake-zombie');
    expect(fake?.tasks[0]).toMatchObject({ pid, state: 'Z' });
    expect(fake?.remediations[0]).toMatchObject({ pid, signal: 'SIGKILL', effective: 'yes' });
  });

  it('orphans under a PID 1 that is not an init: missing-init, with tini/dumb-init advice', async () => {
    const pod = createPodCgroup();
    const ns = await spawnPidNamespace({ orphans: 2, cgroup: pod });
    const d = await diagnosePod(pod.podUid);
    expect(
      checkDiagnosis(d, { must: ['zombie'], must_not: ['pidns-teardown-blocked'], key_tasks: ns.zombiePids.map((pid) => ({ pid, comm: '?', kill9_effective: false })), zombie_kind: 'missing-init' }),
    ).toEqual([]);
    expect(JSON.stringify(only(d, 'zombie')[0].remediations)).toMatch(/tini|dumb-init/);
  });

  it('an unkillable D task behind an unanswered FUSE request: uninterruptible-io, SIGKILL not offered as working', async () => {
    const pod = createPodCgroup();
    const { pid, mnt } = await spawnUnkillableStat(pod);
    const d = await diagnosePod(pod.podUid);
    expect(checkDiagnosis(d, { must: ['uninterruptible-io', 'storage-backend-fault'], must_not: ['zombie', 'frozen-cgroup'], key_tasks: [{ pid, comm: 'stat', kill9_effective: false }] })).toEqual([]);
    expect(only(d, 'uninterruptible-io')[0].explanation).toMatch(/SIGKILL pending/);
    expect(JSON.stringify(d.findings)).toMatch(/fuse\/connections/);
    mnt.abort();
  });

  it('a blocked PID-namespace teardown (seed 000) is named with its init and the task in D', async () => {
    const pod = createPodCgroup();
    const { initPid, mnt } = await spawnBlockedPidnsTeardown(pod);
    const ns = { initPid };
    const d = await diagnosePod(pod.podUid);
    const blocked = only(d, 'pidns-teardown-blocked')[0];
    expect(blocked).toBeDefined();
    const stat = blocked.tasks.find((t) => t.comm === 'stat');
    expect(stat).toMatchObject({ state: 'D', role: 'blocker' });
    expect(
      checkDiagnosis(d, {
        must: ['pidns-teardown-blocked', 'uninterruptible-io'],
        must_not: ['frozen-cgroup', 'soft-lockup'],
        key_tasks: [
          { pid: ns.initPid, comm: 'sleep', kill9_effective: false },
          { pid: stat!.pid!, comm: 'stat', kill9_effective: false },
        ],
      }),
    ).toEqual([]);
    mnt.abort();
  });

  it('a frozen cgroup is frozen-cgroup, not uninterruptible I/O; a stopped task gets SIGCONT', async () => {
    const frozenPod = createPodCgroup();
    const sleeper = spawn('sh', ['-c', 'read go; exec sleep 100000'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const sleeperPid = trackPid(sleeper.pid);
    frozenPod.addPid(sleeperPid);
    sleeper.stdin?.end('go\n');
    await waitFor(() => readFileSync(`/proc/${sleeperPid}/comm`, 'latin1').trim() === 'sleep', 'sleep to start');
    await frozenPod.freeze();
    const frozen = await diagnosePod(frozenPod.podUid);
    expect(checkDiagnosis(frozen, { must: ['frozen-cgroup'], must_not: ['uninterruptible-io', 'high-load-blocked'], key_tasks: [{ pid: sleeperPid, comm: 'sleep', kill9_effective: false }] })).toEqual(
      [],
    );
    frozenPod.thaw();

    const pod = createPodCgroup();
    const stopped = await spawnStopped(pod);
    const d = await diagnosePod(pod.podUid);
    expect(only(d, 'stopped-task')[0]?.remediations[0]).toMatchObject({ pid: stopped, signal: 'SIGCONT', effective: 'yes' });
    expect(d.findings.map((f) => f.id)).not.toContain('uninterruptible-io');
  });

  it('a memcg OOM kill in a pod cgroup is attributed to the pod from the kernel log', async () => {
    const pod = createPodCgroup({ memoryLimitBytes: 32 * 1024 * 1024 });
    const before = await h.client('whystuck-bot').snapshot({ pids: { pids: [process.pid] } });
    if (before.status !== 'ok') throw new Error('snapshot failed');
    const child = spawn('sh', ['-c', 'read go; exec python3 -c "x = bytearray(256 * 1024 * 1024)"'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const pid = trackPid(child.pid);
    pod.addPid(pid);
    child.stdin?.end('go\n');
    await new Promise((r) => child.once('exit', r));
    const res = await h.client('whystuck-bot').snapshot({ pids: { pids: [process.pid] }, kmsg_since_seq: before.value.kmsg_next_seq });
    if (res.status !== 'ok') throw new Error('snapshot failed');
    const d = diagnose(evidenceFromSnapshot(res.value));
    const oom = only(d, 'oom-kill').find((f) => f.tasks.some((t) => t.pid === pid));
    expect(oom?.title).toContain(pod.podUid);
    expect(oom?.title).toMatch(/Memory-cgroup OOM kill: python3/);
  });
});
