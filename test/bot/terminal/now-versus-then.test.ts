import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, onCleanup } from '../../helpers/kernel/cleanup';
import { fuseAvailable } from '../../helpers/kernel/fuse-mount';
import { hungTaskDetectorAvailable, lowerHungTaskTimeout, spawnReportedHungTask } from '../../helpers/kernel/hung-task-report';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnZombies } from '../../helpers/kernel/processes';
import { startChat, terminalEnv } from '../../helpers/terminal/chat-process';

/**
 * `npm start`, "what's stuck here" on a machine whose kernel log holds a
 * hung-task report about a task that is gone, with a zombie pod live now:
 * the answer leads with the zombies, the report is one line of history under
 * it, and "history" prints it by place and time.
 */
const can = cgroupV1Available();
const fuse = fuseAvailable();
const hung = hungTaskDetectorAvailable();
const run = can.ok && fuse.ok && hung.ok;
if (!run) process.stderr.write(`terminal now-versus-then test skipped: ${[can, fuse, hung].map((x) => (x.ok ? '' : x.reason)).join(' ')}\n`);

(run ? describe : describe.skip)("npm start: what is stuck now first, the kernel log's history in one line and on request", () => {
  let restore: (() => void) | undefined;
  beforeAll(() => {
    restore = lowerHungTaskTimeout();
  });
  afterAll(async () => {
    await cleanupAll();
    restore?.();
  });

  it('"what\'s stuck here": the zombie pod leads, the released task\'s report is history; "history" gives where and when', async () => {
    const stuck = await spawnReportedHungTask(createPodCgroup());
    await stuck.release();
    const pod = createPodCgroup();
    const { parentPid } = await spawnZombies(3, pod);
    const dir = mkdtempSync(join(tmpdir(), 'whystuck-term-'));
    onCleanup(`temp dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    const chat = startChat(['start'], terminalEnv(dir));
    onCleanup('chat', () => chat.kill());
    await chat.waitFor(/a chat about test-node\./);

    let mark = chat.stdout().length;
    chat.send("what's stuck here?");
    await chat.waitFor(/\[\d+\] Recheck/, { from: mark });
    const answer = chat.stdout().slice(mark);
    const pidRe = new RegExp(`\\b${stuck.pid}\\b`);
    // The headline, then the zombies as the first finding, now.
    expect(answer).toMatch(/» Looking into node test-node…\n3 zombies .*under python3 \(pid \d+\)/);
    expect(answer).toMatch(new RegExp(`\\n1\\. \\[INFO\\] 3 zombies .*under python3 \\(pid ${parentPid}\\)\\n {3}\\(zombie[^)]*\\) · now\\n`));
    // History: one line under the current findings; the gone task in no count and no signal.
    const earlier = answer.indexOf('◷ Earlier (');
    expect(earlier).toBeGreaterThan(answer.indexOf(`under python3 (pid ${parentPid})`));
    expect(answer.slice(0, earlier)).not.toMatch(pidRe);
    expect(answer).not.toMatch(new RegExp(`SIG\\w+ (?:cannot end pid |to pid )?${stuck.pid}\\b`));
    expect(answer.slice(earlier)).toMatch(/^◷ Earlier \((?:the last 24 h|since boot, [^;]+ ago); the kernel log .*\): .*(?:hung-task report|Hung task: stat)/);

    mark = chat.stdout().length;
    chat.send('history');
    await chat.waitFor(new RegExp(`• stat \\(pid ${stuck.pid}\\): (?:once at|\\d+ times between) \\d\\d:\\d\\d`), { from: mark });
    expect(chat.stdout().slice(mark)).toMatch(/^Earlier \(/m);

    chat.send('quit');
    expect(await chat.exited()).toBe(0);
  });
});
