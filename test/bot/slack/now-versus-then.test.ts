import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import type { SlackCall } from '../../helpers/bot/fake-slack-api';
import { mentionEventBody, slashCommandBody } from '../../helpers/bot/signed-request';
import { blocksOf, startTestBot, type TestBot } from '../../helpers/bot/test-bot';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { fuseAvailable } from '../../helpers/kernel/fuse-mount';
import { hungTaskDetectorAvailable, lowerHungTaskTimeout, spawnReportedHungTask } from '../../helpers/kernel/hung-task-report';
import { spawnOomVictim } from '../../helpers/kernel/oom-kill';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnZombies } from '../../helpers/kernel/processes';

/**
 * Now versus then through the real Bolt app: a node whose kernel log holds a
 * hung-task report about a task that is gone, and a zombie pod live now.
 * The thread's first message leads with the zombies; the report is one
 * line of history, never a D-state count or a signal; "history" in the
 * thread gives it by place and time.
 */
const can = cgroupV1Available();
const fuse = fuseAvailable();
const hung = hungTaskDetectorAvailable();
const run = can.ok && fuse.ok && hung.ok;
if (!run) process.stderr.write(`Slack now-versus-then test skipped: ${[can, fuse, hung].map((x) => (x.ok ? '' : x.reason)).join(' ')}\n`);

type Block = ReturnType<typeof blocksOf>[number];
const textOf = (b: Block): string => b.text?.text ?? (b.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : (e.text?.text ?? ''))).join(' ');

(run ? describe : describe.skip)("Slack: what is stuck now leads; the kernel log's history is one line and one follow-up away", () => {
  let h: Harness;
  let t: TestBot;
  let kube: FakeKubeApi;
  let restore: (() => void) | undefined;
  beforeAll(async () => {
    h = await startHarness();
    kube = await startFakeKubeApi();
    restore = lowerHungTaskTimeout();
    const tls = h.clientTls('whystuck-bot');
    t = await startTestBot({
      env: {
        WHYSTUCK_COLLECTORS: `node-a=${h.address}`,
        WHYSTUCK_COLLECTOR_TLS_CERT: tls.cert,
        WHYSTUCK_COLLECTOR_TLS_KEY: tls.key,
        WHYSTUCK_COLLECTOR_TLS_CA: tls.ca,
        WHYSTUCK_REMEDIATORS: 'U0ONCALL',
      },
      kube: createKubeLookup({ kubeconfig: kube.kubeconfig }),
    });
  });
  afterAll(async () => {
    await cleanupAll();
    restore?.();
    await t?.close();
    await kube?.close();
    await h?.close();
  });
  afterEach(cleanupAll);

  it('/whystuck node: the zombie pod is the headline, the released task\'s report is history with its time; "history" and "show the hung tasks" in the thread', async () => {
    const stuck = await spawnReportedHungTask(createPodCgroup());
    await stuck.release();
    const pod = createPodCgroup();
    const { parentPid } = await spawnZombies(3, pod);

    const mark = t.slack.calls.length;
    expect((await t.send(slashCommandBody('node node-a'))).status).toBe(200);
    const reply = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts !== undefined && Array.isArray(c.args.blocks), 30_000);
    const threadTs = String(reply.args.thread_ts);
    const blocks = blocksOf(reply);
    const pidRe = new RegExp(`\\b${stuck.pid}\\b`);

    // The headline and the first finding: the zombies, now.
    expect(textOf(blocks[0])).toMatch(/^\*3 zombies .*under python3 \(pid \d+\)/);
    const findings = blocks
      .filter((b) => b.type === 'section')
      .map(textOf)
      .slice(1);
    expect(findings[0]).toMatch(new RegExp(`^:white_circle: \\*3 zombies .*under python3 \\(pid ${parentPid}\\)\\* · now\\n`));
    // The released task is in no current finding, no D-state count, no signal, no button.
    for (const f of findings) expect(f).not.toMatch(pidRe);
    expect(JSON.stringify(blocks)).not.toMatch(new RegExp(`(?:SIGKILL|SIGTERM) (?:cannot end pid |to pid |)${stuck.pid}\\b`));
    // History: one line at the bottom of the first screen, with the window and the log's span.
    const line = blocks
      .filter((b) => b.type === 'context')
      .map(textOf)
      .find((x) => x.startsWith(':clock3: Earlier'));
    expect(line).toMatch(/^:clock3: Earlier \((?:the last 24 h|since boot, [^;]+ ago); the kernel log (?:has|reaches back).*\): .+ — say "history" for where and when$/);

    const ask = async (text: string, want: RegExp): Promise<string> => {
      const at = t.slack.calls.length;
      expect((await t.send(mentionEventBody({ text: `<@UBOT> ${text}`, threadTs }))).status).toBe(200);
      const c: SlackCall = await t.slack.waitFor((x) => t.slack.calls.indexOf(x) >= at && x.method === 'chat.postMessage' && x.args.thread_ts === threadTs && want.test(String(x.args.text)));
      return String(c.args.text);
    };
    const place = new RegExp(`• stat \\(pid ${stuck.pid}\\): (?:once at|\\d+ times between) <!date\\^\\d+\\^\\{time\\}\\|\\d\\d:\\d\\d>`);
    const history = await ask('history', /Earlier/);
    expect(history).toMatch(place);
    expect(history).toMatch(/^\*Earlier\* \(/);
    expect(await ask('show the hung tasks', /hung-task|Hung task/)).toMatch(place);
    expect(await ask('show the OOM kills', /OOM kill/)).not.toMatch(pidRe);
  });

  it('/whystuck pod whose only process was OOM-killed: nothing of it is left, and its kills are said as history, dated', async () => {
    const pod = createPodCgroup({ memoryLimitBytes: 32 * 1024 * 1024 });
    kube.addPod({ namespace: 'shop', name: 'oom-1', uid: pod.podUid, nodeName: 'node-a' });
    const { pid, signal } = await spawnOomVictim(pod);
    expect(signal).toBe('SIGKILL');
    const mark = t.slack.calls.length;
    await t.send(slashCommandBody('pod oom-1 -n shop'));
    const reply = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts !== undefined && Array.isArray(c.args.blocks), 30_000);
    const blocks = blocksOf(reply);
    expect(textOf(blocks[0])).toMatch(
      new RegExp(`^\\*No process of shop/oom-1 \\(uid ${pod.podUid}\\) is left on node-a: .* Earlier: 1 OOM kill in pod ${pod.podUid} (?:\\d+ s ago|just now) \\(python3, limit 32 MiB\\)\\.\\*$`),
    );
    const finding = blocks.map(textOf).find((x) => x.startsWith(`:large_orange_circle: *1 OOM kill in pod ${pod.podUid}`));
    expect(blocks.map(textOf).join('\n')).toContain(`Killed process ${pid} (python3)`);
    expect(finding).toMatch(/\* · earlier: <!date\^\d+\^\{time\}\|\d\d:\d\d> \((?:\d+ s ago|just now)\)\n/);
  });
});
