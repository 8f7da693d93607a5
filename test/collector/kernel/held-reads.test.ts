import * as grpc from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { NodeCollectorClient } from '../../../proto/generated/whystuck/v1/NodeCollector';
import type { SnapshotRequest } from '../../../proto/generated/whystuck/v1/SnapshotRequest';
import { loadCollectorProto } from '../../../collector/src/proto/load-proto';
import { clientCredentials } from '../../../collector/src/grpc/tls';
import type { CollectorClient } from '../../../collector/src/grpc/client';
import { DEFAULT_LIMITS } from '../../../collector/src/grpc/server';
import { parseStat } from '../../../collector/src/procfs/parse-stat';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { cleanupAll, trackPid } from '../../helpers/kernel/cleanup';
import { fuseAvailable, startFuse } from '../../helpers/kernel/fuse-mount';

const fuse = fuseAvailable();
const describeFuse = fuse.ok ? describe : describe.skip;
if (!fuse.ok) process.stderr.write(`held-reads tests skipped: ${fuse.reason}\n`);

const POD = '6f1c2a4e-7d39-4a1b-9d3e-0c2b9a1f5e77';

/**
 * A proc tree served over FUSE (real kernel waits: a read the daemon never
 * answers sleeps in request_wait_answer): pid 1, a D task 4242, a sleeper
 * 4300, all in one pod's cgroup, plus `extra` files.
 */
function fakeProc(extra: Record<string, string> = {}): Record<string, string> {
  const stat = (pid: number, comm: string, state: string): string =>
    `${pid} (${comm}) ${state} 1 ${pid} ${pid} 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 12345 1000000 100 18446744073709551615 0 0 0 0 0 0 0 0 0 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n`;
  const status = (pid: number, comm: string, state: string): string =>
    `Name:\t${comm}\nState:\t${state}\nTgid:\t${pid}\nPid:\t${pid}\nPPid:\t1\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nNStgid:\t${pid}\nNSpid:\t${pid}\nThreads:\t1\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000000000\n`;
  const files: Record<string, string> = {
    stat: readFileSync('/proc/stat', 'latin1'),
    loadavg: '3.10 2.80 2.00 3/912 5000\n',
    uptime: '1000.00 1900.00\n',
    meminfo: readFileSync('/proc/meminfo', 'latin1'),
  };
  for (const [pid, comm, state] of [
    [1, 'systemd', 'S'],
    [4242, 'runc:[2:INIT]', 'D'],
    [4300, 'prometheus', 'S'],
  ] as const) {
    files[`${pid}/cgroup`] = `4:memory:/kubepods/burstable/pod${POD}/${'ab'.repeat(32)}\n`;
    files[`${pid}/status`] = status(pid, comm, state);
    files[`${pid}/task/${pid}/stat`] = stat(pid, comm, state);
    files[`${pid}/task/${pid}/status`] = status(pid, comm, state);
    files[`${pid}/task/${pid}/cgroup`] = files[`${pid}/cgroup`];
    files[`${pid}/task/${pid}/wchan`] = state === 'D' ? 'rwsem_down_write_slowpath' : 'do_epoll_wait';
    files[`${pid}/task/${pid}/stack`] = '[<0>] do_epoll_wait+0x1/0x2\n';
    files[`${pid}/cmdline`] = `${comm}\0--flag\0`;
  }
  return { ...files, ...extra };
}

/** Resolves once `cond` holds (checked every 20 ms); fails after `ms`. */
async function until(cond: () => boolean, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describeFuse('snapshot work behind held reads: abandoned calls, coalescing, the bounded queue', () => {
  let h: Harness | undefined;
  let raw: NodeCollectorClient | undefined;
  let client: CollectorClient | undefined;
  afterEach(async () => {
    await cleanupAll(); // aborts the FUSE connection first: stuck reader threads return
    raw?.close();
    await h?.close(); // closes its clients
  });

  it('200 calls abandoned while both snapshot slots are held start no scan; identical waiting calls share one; past the queue, RESOURCE_EXHAUSTED', async () => {
    // pid 4242's cmdline never answers: a whole-node snapshot holds its slot for the read deadline (8 s,
    // room for what follows on a loaded machine).
    const mnt = await startFuse({ files: fakeProc(), hang: '^4242/cmdline$' });
    h = await startHarness({ snapshotter: { procRoot: mnt.mountpoint, readDeadlineMs: 8000, runtime: false } });
    client = h.client('whystuck-bot', { deadlineMs: 30000 });
    raw = new (loadCollectorProto().whystuck.v1.NodeCollector)(h.address, clientCredentials(h.clientTls('whystuck-bot')), {}) as NodeCollectorClient;
    const server = h.server;
    const stats = (): ReturnType<typeof server.stats> => server.stats();

    // Two snapshots hold both running slots.
    const holders = [client.snapshot({ whole_node: true, skip_kmsg: true }), client.snapshot({ whole_node: true, problems_only: true, skip_kmsg: true })];
    await until(() => stats().running === DEFAULT_LIMITS.maxRunningSnapshots && h!.snapshotter.stats().scans === 2);
    const scansHeld = h.snapshotter.stats().scans;

    // 200 calls of four shapes, all abandoned by their clients.
    const shapes: SnapshotRequest[] = [{ whole_node: true }, { whole_node: true, problems_only: true }, { pod_uid: POD }, { pids: { pids: [4300] } }];
    const calls: grpc.ClientUnaryCall[] = [];
    const ended = Array.from(
      { length: 200 },
      (_, i) =>
        new Promise<number>((resolve) => {
          calls.push(raw!.Snapshot(shapes[i % 4], { deadline: Date.now() + 60000 }, (err) => resolve(err ? err.code : grpc.status.OK)));
        }),
    );
    await until(() => stats().admitted >= 2 + 4); // the server has seen some of them
    for (const c of calls) c.cancel();
    expect((await Promise.all(ended)).every((c) => c === grpc.status.CANCELLED)).toBe(true);
    // One more call on the same connection: the server has handled every frame sent before it.
    await new Promise((resolve) => raw!.Health({}, (err) => resolve(err)));
    const afterAbandon = stats();
    expect(afterAbandon.waitingCallers).toBe(0);
    expect(afterAbandon.queuedJobs).toBe(0);
    expect(afterAbandon.droppedCancelled).toBe(afterAbandon.admitted - 2);
    expect(afterAbandon.jobsDropped).toBe(4);

    // Twenty identical questions while the slots are held: one job, one snapshot.
    const same = Array.from({ length: 20 }, () => client!.snapshot({ pids: { pids: [4300] }, skip_kmsg: true }));
    await until(() => stats().coalesced === afterAbandon.coalesced + 19);
    // One more of them whose deadline (1 s) passes while it waits: dropped, the others keep the job.
    const late = h.client('whystuck-bot', { deadlineMs: 1000 }).snapshot({ pids: { pids: [4300] }, skip_kmsg: true });
    // Distinct ones fill the queue (16 jobs with the one above); the next is refused.
    const distinct = Array.from({ length: DEFAULT_LIMITS.maxQueuedSnapshots - 1 }, (_, i) => client!.snapshot({ pids: { pids: [1000 + i] }, skip_kmsg: true }));
    await until(() => stats().queuedJobs === DEFAULT_LIMITS.maxQueuedSnapshots);
    const refused = await client.snapshot({ pids: { pids: [9999] }, skip_kmsg: true });
    expect(refused).toMatchObject({ status: 'rejected', code: grpc.status.RESOURCE_EXHAUSTED });
    if (refused.status === 'rejected') expect(refused.message).toMatch(/^collector busy: 16 snapshots are already queued \(limit 16\) behind 2 running; retry in a moment$/);
    expect(h.snapshotter.stats().scans).toBe(scansHeld); // nothing abandoned, waiting or refused has scanned
    expect(await late).toMatchObject({ status: 'unreachable', message: expect.stringMatching(/^Deadline exceeded/) });
    await until(() => stats().droppedDeadline + stats().droppedCancelled === afterAbandon.droppedDeadline + afterAbandon.droppedCancelled + 1);

    // The held reads time out; everything still wanted is answered.
    for (const r of await Promise.all(holders)) expect(r.status).toBe('ok');
    const answers = await Promise.all(same);
    for (const r of answers) if (r.status !== 'ok') throw new Error(JSON.stringify(r));
    const taken = new Set(answers.map((r) => (r.status === 'ok' ? String(r.value.taken_at_unix_ms) : '')));
    expect(taken.size).toBe(1);
    expect(answers[0].status === 'ok' && answers[0].value.tasks.map((t) => t.pid)).toEqual([4300]);
    for (const r of await Promise.all(distinct)) expect(r.status).toBe('ok');
    await until(() => stats().running === 0 && stats().queuedJobs === 0);
    // Holders, the shared one, the distinct ones.
    expect(h.snapshotter.stats().scans).toBe(scansHeld + 1 + distinct.length);

    // A normal snapshot right after: the held read is not waited for again.
    const next = await client.snapshot({ whole_node: true, skip_kmsg: true });
    if (next.status !== 'ok') throw new Error(JSON.stringify(next));
    expect(next.value.tasks.map((t) => t.pid)).toEqual([1, 4242, 4300]);
    expect(next.value.read_problems.find((p) => p.path.endsWith('4242/cmdline'))?.reason).toBe('blocked-earlier');
    expect(h.snapshotter.stats().scans).toBe(scansHeld + 2 + distinct.length);
  });
});

describeFuse("a held cgroup read (the kernel's cgroup_mutex) stops neither Health nor the snapshot, and Remediate refuses", () => {
  let h: Harness | undefined;
  let client: CollectorClient | undefined;
  afterEach(async () => {
    await cleanupAll();
    await h?.close();
  });

  it('answers Health while the cgroup pass is held, attributes no pod ("unknown"), and refuses to signal with the reason', async () => {
    const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
    const pid = trackPid(sleeper.pid);
    await until(() => readFileSync(`/proc/${pid}/stat`, 'latin1').includes('(sleep)'));
    const realStat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const stat = parseStat(realStat);
    if (!stat) throw new Error('no stat');
    // Every cgroup file of this proc tree sleeps in the kernel when read, as all of them do while
    // cgroup_mutex is held. `self` and its ns/pid lead to this process, so that Remediate accepts the
    // proc root as its own PID namespace's and gets as far as the pod check.
    const mnt = await startFuse({
      files: fakeProc({
        [`${pid}/stat`]: realStat,
        [`${pid}/status`]: readFileSync(`/proc/${pid}/status`, 'latin1'),
        [`${pid}/task/${pid}/stat`]: realStat,
        [`${pid}/cgroup`]: `4:memory:/kubepods/besteffort/pod${POD}/${'cd'.repeat(32)}\n`,
        [`${pid}/task/${pid}/cgroup`]: `4:memory:/kubepods/besteffort/pod${POD}/${'cd'.repeat(32)}\n`,
      }),
      links: { self: String(process.pid), [`${process.pid}/ns/pid`]: `/proc/${process.pid}/ns/pid` },
      hang: '(^|/)cgroup$',
    });
    h = await startHarness({ snapshotter: { procRoot: mnt.mountpoint, readDeadlineMs: 200, runtime: false }, remediator: { procRoot: mnt.mountpoint, settleMs: 100 } });
    client = h.client('whystuck-bot', { deadlineMs: 30000 });

    const order: string[] = [];
    const snap = client.snapshot({ whole_node: true, skip_kmsg: true }).then((r) => {
      order.push('snapshot');
      return r;
    });
    await mnt.waitHung(1); // the cgroup pass is now asleep in the kernel
    const health = await client.health();
    order.push('health');
    expect(health.status).toBe('ok');
    const s = await snap;
    expect(order).toEqual(['health', 'snapshot']);
    if (s.status !== 'ok') throw new Error(JSON.stringify(s));
    expect(s.value.tasks.map((t) => t.pid).sort((a, b) => a - b)).toEqual([1, 4242, 4300, pid].sort((a, b) => a - b));
    for (const t of s.value.tasks) expect([t.pod_uid, t.pod_attribution]).toEqual(['', 'unknown']);
    const problem = s.value.read_problems.find((p) => p.path.endsWith('/cgroup'));
    expect(problem).toMatchObject({ reason: 'timed-out' });
    expect(problem?.detail).toMatch(/cgroup_mutex.*pod attribution is unknown for every task/);

    // While it stays held: a pod's snapshot says why it holds the node's problem tasks instead, at once.
    const podSnap = await client.snapshot({ pod_uid: POD, skip_kmsg: true });
    if (podSnap.status !== 'ok') throw new Error(JSON.stringify(podSnap));
    expect(podSnap.value.tasks.map((t) => t.pid)).toEqual([1, 4242]); // the D task and its parent
    expect(podSnap.value.read_problems.find((p) => p.path.endsWith('/cgroup'))).toMatchObject({ reason: 'blocked-earlier' });
    expect(podSnap.value.read_problems.find((p) => p.path.endsWith('/cgroup'))?.detail).toMatch(new RegExp(`no task could be placed in pod ${POD}`));
    const h2 = await client.health();
    expect(h2.status === 'ok' && h2.value.blocked_readers).toBeGreaterThanOrEqual(1);

    // Remediate: the pod check reads the target's cgroup through the collector's guarded reader.
    const rem = await client.remediate({ pid, start_time_ticks: String(stat.startTime), expected_comm: 'sleep', signal: 'SIGKILL', requester: 'test:held-cgroup', reason: 'test', node: h.nodeName });
    if (rem.status !== 'ok') throw new Error(JSON.stringify(rem));
    const res = rem.value;
    expect(res.status).toBe('FAILED');
    expect(res.message).toMatch(new RegExp(`pid ${pid} \\(sleep\\) was not signalled: its pod is unknown .*cgroup_mutex`));
    expect(() => process.kill(pid, 0)).not.toThrow(); // still alive: nothing was sent
  });
});
