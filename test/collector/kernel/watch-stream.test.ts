import { spawn } from 'node:child_process';
import type { WatchEvent__Output } from '../../../proto/generated/whystuck/v1/WatchEvent';
import type { WatchStream } from '../../../collector/src/grpc/client';
import { startMetricsServer } from '../../../collector/src/watch/metrics-server';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { cleanupAll, trackPid } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { fuseAvailable, startFuse } from '../../helpers/kernel/fuse-mount';
import { spawnZombies, stateOf, waitFor } from '../../helpers/kernel/processes';
import { spawnBlockedPidnsTeardown } from '../../helpers/kernel/blocked-pidns-teardown';

const can = cgroupV1Available();
const fuse = fuseAvailable();
const describeKernel = can.ok && fuse.ok ? describe : describe.skip;
if (!can.ok || !fuse.ok) process.stderr.write(`watch-stream scenarios skipped: ${!can.ok ? can.reason : ''} ${!fuse.ok ? fuse.reason : ''}\n`);

/** Reads a Watch stream in the background; `until` waits for an event that matches. */
function reader(stream: WatchStream): { events: WatchEvent__Output[]; until(what: string, match: (e: WatchEvent__Output) => boolean, ms?: number): Promise<WatchEvent__Output>; done: Promise<void> } {
  const events: WatchEvent__Output[] = [];
  const done = (async () => {
    try {
      for await (const e of stream.events) events.push(e);
    } catch {
      // cancelled by the test
    }
  })();
  return {
    events,
    done,
    async until(what, match, ms = 20000) {
      await waitFor(() => events.some(match), what, ms);
      return events.find(match) as WatchEvent__Output;
    },
  };
}

describeKernel('watch mode through the gRPC server, real kernel events', () => {
  let h: Harness;
  const streams: WatchStream[] = [];
  beforeAll(async () => {
    h = await startHarness({ watch: { observeMs: 500, kmsgPollMs: 100, thresholds: { dTasks: 3, zombies: 3, persistMs: 1000 } } });
    h.watcher?.start();
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await cleanupAll();
    await h.close();
  });
  afterEach(cleanupAll);
  const open = (req: { journal_id?: string; since_seq?: number } = {}) => {
    const s = h.client('whystuck-bot').watch(req);
    streams.push(s);
    return reader(s);
  };

  it('streams a memcg OOM kill in a pod as a classified kernel report naming the pod', async () => {
    const r = open();
    const pod = createPodCgroup({ memoryLimitBytes: 32 * 1024 * 1024 });
    const child = spawn('sh', ['-c', 'read go; exec python3 -c "x = bytearray(256 * 1024 * 1024)"'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const pid = trackPid(child.pid);
    pod.addPid(pid);
    child.stdin?.end('go\n');
    const ev = await r.until('the OOM kill report', (e) => e.kernel_report?.kind === 'oom-kill' && e.kernel_report.pid === pid);
    expect(ev.kernel_report).toMatchObject({ comm: 'python3', pod_uid: pod.podUid, detail: 'CONSTRAINT_MEMCG' });
    expect(ev.kernel_report?.cgroup_path).toContain(`pod${pod.podUid}`);
    expect(ev).toMatchObject({ journal_id: h.journal?.id, event: 'kernel_report' });
  });

  it('raises a D pile-up behind an unanswered FUSE request once it persists, and clears it when the connection is aborted', async () => {
    const r = open();
    const pod = createPodCgroup();
    const mnt = await startFuse({ hang: '*' });
    const pids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const child = spawn('sh', ['-c', 'read go; exec stat "$0"', `${mnt.mountpoint}/data/f${i}`], { stdio: ['pipe', 'ignore', 'ignore'] });
      const pid = trackPid(child.pid);
      pod.addPid(pid);
      child.stdin?.end('go\n');
      pids.push(pid);
      // The first one's request is read and never answered; SIGKILL then leaves it in D waiting
      // for the answer. The others queue behind its lookup of the same name, in D in the VFS.
      if (i === 0) {
        await mnt.waitHung(1);
        process.kill(pid, 'SIGKILL');
      }
    }
    await waitFor(() => pids.every((p) => stateOf(p) === 'D'), 'three stats in D');
    const raised = await r.until('the pile-up', (e) => e.condition?.kind === 'd-pileup' && e.condition.state === 'RAISED' && e.condition.pod_uid === pod.podUid);
    expect(raised.condition?.count).toBe(3);
    expect([...(raised.condition?.pids ?? [])].sort()).toEqual([...pids].sort());
    await mnt.abort();
    await r.until('the pile-up cleared', (e) => e.condition?.kind === 'd-pileup' && e.condition.state === 'CLEARED' && e.condition.pod_uid === pod.podUid);
    // raised once, cleared once
    expect(r.events.filter((e) => e.condition?.kind === 'd-pileup' && e.condition.pod_uid === pod.podUid).map((e) => e.condition?.state)).toEqual(['RAISED', 'CLEARED']);
  });

  it('raises zombie growth in a pod only once the zombies keep coming', async () => {
    const r = open();
    const pod = createPodCgroup();
    await spawnZombies(3, pod);
    await new Promise((res) => setTimeout(res, 1500));
    expect(r.events.some((e) => e.condition?.kind === 'zombie-growth' && e.condition.pod_uid === pod.podUid)).toBe(false);
    await spawnZombies(2, pod);
    const ev = await r.until('zombie growth', (e) => e.condition?.kind === 'zombie-growth' && e.condition.pod_uid === pod.podUid && e.condition.state === 'RAISED');
    expect(ev.condition?.count).toBeGreaterThanOrEqual(5);
  });

  it('raises a PID-namespace teardown stuck behind a D task (seed 000), and a frozen pod', async () => {
    const r = open();
    const pod = createPodCgroup();
    const { initPid } = await spawnBlockedPidnsTeardown(pod);
    const teardown = await r.until('the stuck teardown', (e) => e.condition?.kind === 'pidns-teardown' && e.condition.state === 'RAISED' && e.condition.pod_uid === pod.podUid);
    expect(teardown.condition?.pids).toEqual([initPid]);
    expect(teardown.condition?.detail).toMatch(/zap_pid_ns_processes/);
    const frozen = createPodCgroup();
    await spawnZombies(1, frozen);
    await frozen.freeze();
    await r.until('the frozen pod', (e) => e.condition?.kind === 'frozen-pod' && e.condition.state === 'RAISED' && e.condition.pod_uid === frozen.podUid);
    frozen.thaw();
    await r.until('the pod thawed', (e) => e.condition?.kind === 'frozen-pod' && e.condition.state === 'CLEARED' && e.condition.pod_uid === frozen.podUid);
  });

  it('resumes after a reconnect from the last sequence handled: nothing lost, nothing twice', async () => {
    const first = open();
    const pod = createPodCgroup();
    const a = await spawnZombies(3, pod);
    await new Promise((res) => setTimeout(res, 1200));
    const b = await spawnZombies(1, pod);
    const seen = await first.until('a first event', (e) => e.condition?.pod_uid === pod.podUid);
    const journal = h.journal;
    if (!journal) throw new Error('no journal');
    const last = Number(first.events[first.events.length - 1].seq);
    streams[streams.length - 1].close();
    await first.done;
    // while disconnected: the zombies are reaped, the condition clears
    for (const p of [a.parentPid, b.parentPid]) process.kill(p, 'SIGKILL');
    await waitFor(() => journal.after(last, 100).some((e) => e.condition?.state === 'CLEARED' && e.condition.pod_uid === pod.podUid), 'the clear while disconnected');
    const again = open({ journal_id: journal.id, since_seq: last });
    const cleared = await again.until('the clear, replayed', (e) => e.condition?.state === 'CLEARED' && e.condition.pod_uid === pod.podUid);
    expect(Number(cleared.seq)).toBeGreaterThan(last);
    expect(again.events.every((e) => e.heartbeat || Number(e.seq) > last)).toBe(true);
    expect(new Set(again.events.filter((e) => !e.heartbeat).map((e) => e.seq)).size).toBe(again.events.filter((e) => !e.heartbeat).length);
    expect(seen.journal_id).toBe(journal.id);

    // an unknown journal (the collector restarted) replays the whole journal
    const fresh = open({ journal_id: 'some-older-journal', since_seq: last });
    await fresh.until('the replay from the start', (e) => Number(e.seq) === journal.oldestSeq);
  });

  it('refuses to resume beyond the journal, saying what is allowed', async () => {
    const journal = h.journal;
    if (!journal) throw new Error('no journal');
    const s = h.client('whystuck-bot').watch({ journal_id: journal.id, since_seq: journal.lastSeq + 1000 });
    await expect(
      (async () => {
        for await (const _ of s.events) {
          /* none */
        }
      })(),
    ).rejects.toThrow(/beyond this journal's last event/);
  });

  it('serves Prometheus metrics: tasks by pod and state, zombies, kernel reports by kind', async () => {
    const pod = createPodCgroup();
    await spawnZombies(2, pod);
    await h.watcher?.observeNow();
    const registry = h.metrics?.registry;
    if (!registry) throw new Error('no metrics');
    const { server, port } = await startMetricsServer(registry, '127.0.0.1', 0);
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toContain(`whystuck_collector_zombies{pod_uid="${pod.podUid}"} 2`);
      expect(text).toMatch(new RegExp(`whystuck_collector_tasks\\{pod_uid="${pod.podUid}",state="Z"\\} 2`));
      expect(text).toMatch(/whystuck_collector_kernel_reports_total\{kind="oom-kill"\} [1-9]/);
      expect(text).toMatch(/whystuck_collector_observe_seconds_count [1-9]/);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
