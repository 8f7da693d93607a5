import { diagnose } from '../../../bot/src/diagnosis/engine';
import type { Diagnosis, Finding } from '../../../bot/src/diagnosis/finding';
import { scopeDiagnosis } from '../../../bot/src/diagnosis/scope-findings';
import { evidenceFromSnapshot } from '../../../bot/src/evidence/from-snapshot';
import { renderText } from '../../../bot/src/render/render-text';
import type { SnapshotRequest } from '../../../proto/generated/whystuck/v1/SnapshotRequest';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { fuseAvailable } from '../../helpers/kernel/fuse-mount';
import { hungTaskDetectorAvailable, kmsgNextSeq, lowerHungTaskTimeout, spawnReportedHungTask } from '../../helpers/kernel/hung-task-report';
import { spawnOomVictim } from '../../helpers/kernel/oom-kill';
import { cgroupV1Available, createPodCgroup, type PodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnZombies } from '../../helpers/kernel/processes';

/**
 * Now versus then on the real kernel: the kernel log's history is dated,
 * grouped and never taken for the present; live evidence decides what is
 * stuck now. Snapshots go through a real collector over gRPC with mutual TLS.
 */
const can = cgroupV1Available();
const fuse = fuseAvailable();
const hung = hungTaskDetectorAvailable();
const describeKernel = can.ok && fuse.ok ? describe : describe.skip;
if (!can.ok || !fuse.ok) process.stderr.write(`now-versus-then tests skipped: ${!can.ok ? can.reason : ''} ${!fuse.ok ? fuse.reason : ''}\n`);
if (!hung.ok) process.stderr.write(`now-versus-then hung-task tests skipped: ${hung.reason}\n`);
const itHung = hung.ok ? it : it.skip;

const MiB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const names = (f: Finding, pid: number): boolean => f.tasks.some((t) => t.pid === pid || t.tid === pid);

describeKernel('now versus then: live evidence decides the present, the kernel log is history', () => {
  let h: Harness;
  let restore: (() => void) | undefined;
  beforeAll(async () => {
    h = await startHarness();
    if (hung.ok) restore = lowerHungTaskTimeout();
  });
  afterAll(async () => {
    await cleanupAll(); // no task left in D to be reported once the timeout is back
    restore?.();
    await h?.close();
  });
  afterEach(cleanupAll);

  async function look(req: Partial<SnapshotRequest>, sinceSeq: bigint): Promise<{ d: Diagnosis; text: string; ev: ReturnType<typeof evidenceFromSnapshot> }> {
    const res = await h.client('whystuck-bot').snapshot({ ...req, kmsg_since_seq: Number(sinceSeq) });
    if (res.status !== 'ok') throw new Error(`snapshot failed: ${JSON.stringify(res)}`);
    const ev = evidenceFromSnapshot(res.value, { kmsgSinceSeq: Number(sinceSeq) });
    const d = diagnose(ev);
    return { d, ev, text: renderText(ev, d) };
  }

  itHung('a hung-task report about a task since released, then a live zombie pod: the zombies lead, the report is "earlier" with its time, and nothing counts or signals it', async () => {
    const since = kmsgNextSeq();
    const fusePod = createPodCgroup();
    const stuck = await spawnReportedHungTask(fusePod);
    await stuck.release();
    const zombiePod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(3, zombiePod);
    await sleep(1100);
    const { d, text } = await look({ whole_node: true }, since);

    // The headline is the zombie pod, now.
    expect(d.findings[0]).toMatchObject({ id: 'zombie', when: 'now' });
    expect(d.findings[0].tasks).toEqual(expect.arrayContaining([expect.objectContaining({ pid: parentPid, podUid: zombiePod.podUid })]));
    expect(d.summary).toMatch(/zombies/);
    expect(d.findings[0].last_seen).toMatchObject({ seconds_ago: 0 });

    // The old report: earlier, with its time (kernel log time, wall clock, how long before the snapshot).
    const report = d.findings.find((f) => f.id === 'hung-task' && names(f, stuck.pid));
    expect(report).toMatchObject({ when: 'earlier' });
    expect(Number(report!.last_seen!.log_time)).toBeCloseTo(stuck.reportedAt, 3);
    expect(report!.last_seen!.seconds_ago).toBeGreaterThanOrEqual(1);
    expect(Date.parse(report!.last_seen!.at!)).toBeLessThan(Date.now() - 500);
    expect(report!.breakdown).toEqual(expect.arrayContaining([expect.objectContaining({ place: `stat (pid ${stuck.pid})`, pids: [stuck.pid] })]));

    // Never counted as current, never a remediation target.
    for (const f of d.findings.filter((x) => x.when === 'now')) expect(names(f, stuck.pid)).toBe(false);
    for (const f of d.findings) expect(f.remediations.filter((r) => r.pid === stuck.pid)).toEqual([]);
    expect(d.findings.filter((f) => f.when === 'now').map((f) => f.id)).not.toContain('uninterruptible-io');
    const now = text.slice(0, text.indexOf('Earlier, from the log'));
    expect(now).toContain(`under python3 (pid ${parentPid})`);
    expect(now).not.toContain(String(stuck.pid));
    expect(now).not.toMatch(/in uninterruptible sleep|still wait/);
    expect(text).toMatch(new RegExp(`Earlier, from the log \\(the last 24 h|since boot`));
    expect(text).toMatch(new RegExp(`stat \\(pid ${stuck.pid}\\): once at \\d\\d:\\d\\d`));
    for (const z of zombiePids) expect(now).toContain(String(z));
  });

  itHung('a task in D now that the watchdog reported earlier: "now", since the report\'s time, and no second "earlier" finding about it', async () => {
    const since = kmsgNextSeq();
    const pod = createPodCgroup();
    const stuck = await spawnReportedHungTask(pod);
    await sleep(1500);
    const { d, ev } = await look({ pod_uid: pod.podUid }, since);
    const scoped = scopeDiagnosis(ev, d, { podUid: pod.podUid });
    if (scoped.status !== 'ok') throw new Error(scoped.message);
    const about = scoped.diagnosis.findings.filter((f) => names(f, stuck.pid));
    expect(about.map((f) => f.id)).toEqual(expect.arrayContaining(['uninterruptible-io', 'hung-task']));
    // One finding per condition: the watchdog's report is the same hung task, not a second one from the past.
    expect(about.filter((f) => f.id === 'hung-task')).toHaveLength(1);
    for (const f of about) {
      expect(f.when).toBe('now');
      expect(Number(f.first_seen?.log_time)).toBeCloseTo(stuck.reportedAt, 3);
      expect(f.first_seen!.seconds_ago).toBeGreaterThanOrEqual(1);
    }
    expect(scoped.diagnosis.findings.some((f) => f.when === 'earlier' && names(f, stuck.pid))).toBe(false);
    await stuck.release();
  });

  it('a few dozen real memcg OOM kills across pods: one grouped finding with the right counts, each pod in its breakdown', async () => {
    const since = kmsgNextSeq();
    const kills = [4, 1, 3, 2, 5, 1, 2, 3, 1, 2]; // 24 kills in 10 pods
    const pods: PodCgroup[] = kills.map(() => createPodCgroup({ memoryLimitBytes: 32 * MiB }));
    const victims = new Map<string, number[]>();
    for (let round = 0; round < Math.max(...kills); round++) {
      for (const [i, pod] of pods.entries()) {
        if (round >= kills[i]) continue;
        const { pid, signal } = await spawnOomVictim(pod);
        expect(signal).toBe('SIGKILL');
        victims.set(pod.podUid, [...(victims.get(pod.podUid) ?? []), pid]);
        // The kernel rate-limits the OOM report (10 per 5 s): past that only "Killed process N" is printed, without the pod.
        await sleep(350);
      }
    }
    const { d, ev, text } = await look({ pids: { pids: [process.pid] } }, since);
    const oom = d.findings.filter((f) => f.id === 'oom-kill');
    // Kills in other pods at the same time (another test) would be in the same group; ours are counted exactly.
    expect(oom).toHaveLength(1);
    const [f] = oom;
    expect(f.when).toBe('earlier');
    // Each kill counted once, in its pod — or, when the kernel suppressed the report's dump (a kill
    // in another test at the same moment counts against the same rate limit), as a kill in a memory
    // cgroup the report does not name: never in another pod.
    const placeOf = (pid: number) => f.breakdown!.filter((p) => p.pids?.includes(pid));
    for (const [i, pod] of pods.entries()) {
      const own = f.breakdown!.find((p) => p.podUid === pod.podUid);
      const mine = victims.get(pod.podUid)!;
      for (const pid of mine) {
        expect(placeOf(pid)).toHaveLength(1);
        expect([pod.podUid, undefined]).toContain(placeOf(pid)[0].podUid);
      }
      const attributed = mine.filter((pid) => own?.pids?.includes(pid)).length;
      expect(attributed).toBeGreaterThan(0);
      expect(own).toMatchObject({ place: `pod ${pod.podUid}`, count: attributed, detail: 'python3, limit 32 MiB' });
      expect(mine).toHaveLength(kills[i]);
    }
    const total = f.breakdown!.reduce((n, p) => n + p.count, 0);
    expect(f.count).toBe(total);
    expect(total).toBeGreaterThanOrEqual(24);
    const pods_ = f.breakdown!.filter((p) => p.podUid).length;
    const others = f.breakdown!.length - pods_;
    expect(f.title).toMatch(
      new RegExp(
        `^${total} OOM kills in ${pods_} pods${others ? ` and ${others} other memory cgroups?` : ''} over the last \\d+ (?:s|min) \\(python3, limit 32 MiB(?: / python3)?; most recent (?:\\d+ s ago|just now)\\)$`,
      ),
    );
    expect(f.first_seen!.seconds_ago!).toBeGreaterThanOrEqual(f.last_seen!.seconds_ago!);
    const first = f.breakdown!.find((p) => p.podUid === pods[0].podUid)!;
    expect(text).toMatch(new RegExp(`• pod ${pods[0].podUid}: ${first.count === 1 ? 'once' : `${first.count} times`} (?:at|between) \\d\\d:\\d\\d`));
    expect(d.summary).toMatch(/^Nothing stuck now\. Earlier: \d+ OOM kills in \d+ pods/);
    void ev;
  });
});
