import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectorPoolFromConfig } from '../../../bot/src/nodes/pool-from-config';
import { createPagerDuty } from '../../../bot/src/escalation/pagerduty';
import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { signAction } from '../../../bot/src/conversation/action-token';
import type { Scheduler } from '../../../bot/src/conversation/scheduler';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { startFakePagerDuty, type FakePagerDuty } from '../../helpers/bot/fake-pagerduty';
import type { SlackCall } from '../../helpers/bot/fake-slack-api';
import { blockActionBody, mentionEventBody, slashCommandBody } from '../../helpers/bot/signed-request';
import { ACTION_SECRET, allText, blocksOf, pasteThread, startTestBot, type TestBot } from '../../helpers/bot/test-bot';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { fuseAvailable, type FuseMount } from '../../helpers/kernel/fuse-mount';
import { spawnUnkillableStat } from '../../helpers/kernel/unkillable-task';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { stateOf, waitFor } from '../../helpers/kernel/processes';

const ROUTING_KEY = 'R0UTINGKEY0000000000000000000001';
const paste = readFileSync(join(__dirname, '../../fixtures/corpus/r-001-hung-task-fuse-6x/input.txt'), 'utf8');
const postsIn = (t: TestBot, threadTs: string, after: number): SlackCall[] => t.slack.calls.slice(after).filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);

/** Presses a thread button (Escalate, Recheck) as `user`. */
async function press(t: TestBot, reply: SlackCall, actionId: string, user = 'U0ONCALL'): Promise<void> {
  const value = blocksOf(reply)
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.action_id === actionId)?.value;
  if (!value) throw new Error(`no ${actionId} button in the reply`);
  await t.send(blockActionBody({ user, channel: String(reply.args.channel), messageTs: String(reply.reply?.ts), threadTs: String(reply.args.thread_ts), actionId, value }));
}

describe("Slack: Escalate mentions the channel's on-call group, with or instead of PagerDuty", () => {
  let groupsOnly: TestBot;
  let both: TestBot;
  let pd: FakePagerDuty;
  beforeAll(async () => {
    pd = await startFakePagerDuty();
    groupsOnly = await startTestBot({ env: { WHYSTUCK_ONCALL_GROUPS: 'C0INCIDENT=S0ONCALL' } });
    // U0SRE pages from a paste as a remediator (read-authorisation.test.ts: who else may).
    both = await startTestBot({ env: { WHYSTUCK_ONCALL_GROUPS: 'C0INCIDENT=S0ONCALL', WHYSTUCK_REMEDIATORS: 'U0SRE' }, escalation: createPagerDuty({ routingKey: ROUTING_KEY, eventsUrl: pd.url }) });
  });
  afterAll(async () => {
    await groupsOnly?.close();
    await both?.close();
    await pd?.close();
  });

  it('no PagerDuty key: the group is mentioned in the thread; a channel without a group is told how to configure one', async () => {
    const { reply, threadTs } = await pasteThread(groupsOnly, paste);
    let mark = groupsOnly.slack.calls.length;
    await press(groupsOnly, reply, 'escalate');
    const said = await groupsOnly.slack.waitFor((c) => groupsOnly.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);
    expect(said.args.text).toBe(':rotating_light: <@U0ONCALL> escalated to <!subteam^S0ONCALL> (on-call for this channel).');

    const quiet = await pasteThread(groupsOnly, paste, 'C0QUIET');
    mark = groupsOnly.slack.calls.length;
    await groupsOnly.send(mentionEventBody({ text: '<@UBOT> escalate', channel: 'C0QUIET', threadTs: quiet.threadTs }));
    const refused = await groupsOnly.slack.waitFor((c) => groupsOnly.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === quiet.threadTs);
    expect(refused.args.text).toMatch(/^Escalation is not configured for this channel: set PAGERDUTY_ROUTING_KEY .* or an on-call user group for <#C0QUIET> in WHYSTUCK_ONCALL_GROUPS/);
  });

  it('with PagerDuty too: one message names both, and the trigger carries the finding', async () => {
    const { reply, threadTs } = await pasteThread(both, paste);
    const mark = both.slack.calls.length;
    await press(both, reply, 'escalate', 'U0SRE');
    const said = await both.slack.waitFor((c) => both.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);
    expect(said.args.text).toBe(':rotating_light: <@U0SRE> escalated to <!subteam^S0ONCALL> (on-call for this channel) and PagerDuty (dedup key `whystuck/paste/-/storage-backend-fault`).');
    expect(pd.events.at(-1)).toMatchObject({
      event_action: 'trigger',
      dedup_key: 'whystuck/paste/-/storage-backend-fault',
      payload: expect.objectContaining({ severity: 'critical', custom_details: expect.objectContaining({ escalated_by: 'U0SRE' }) }),
    });
  });
});

/** A scheduler the test fires by hand: no waiting on real minutes. */
function manualScheduler(): Scheduler & { tasks: { ms: number; fire(): void; cancelled: boolean }[] } {
  const tasks: { ms: number; fire(): void; cancelled: boolean }[] = [];
  return {
    tasks,
    after(ms, fn) {
      const task = { ms, fire: fn, cancelled: false };
      tasks.push(task);
      return {
        cancel: () => {
          task.cancelled = true;
        },
      };
    },
  };
}

const can = cgroupV1Available();
const fuse = fuseAvailable();
const describeKernel = can.ok && fuse.ok ? describe : describe.skip;
if (!can.ok || !fuse.ok) process.stderr.write(`auto-escalation tests skipped: ${!can.ok ? can.reason : ''} ${!fuse.ok ? fuse.reason : ''}\n`);

describeKernel('Slack: automatic escalation of a critical finding nobody acted on (live collector, a task in D behind FUSE)', () => {
  let harness: Harness;
  let kube: FakeKubeApi;
  let pd: FakePagerDuty;
  let t: TestBot;
  const scheduler = manualScheduler();
  /** Set to make every collector lookup fail (as if the node's collector went away). */
  let collectorDown: string | undefined;

  beforeAll(async () => {
    harness = await startHarness();
    kube = await startFakeKubeApi();
    pd = await startFakePagerDuty();
    const tls = harness.clientTls('whystuck-bot');
    t = await startTestBot({
      env: {
        WHYSTUCK_COLLECTORS: `node-a=${harness.address}`,
        WHYSTUCK_COLLECTOR_TLS_CERT: tls.cert,
        WHYSTUCK_COLLECTOR_TLS_KEY: tls.key,
        WHYSTUCK_COLLECTOR_TLS_CA: tls.ca,
        WHYSTUCK_REMEDIATORS: 'U0ONCALL',
        WHYSTUCK_ONCALL_GROUPS: 'C0INCIDENT=S0ONCALL',
        WHYSTUCK_AUTO_ESCALATE_MINUTES: '5',
      },
      kube: createKubeLookup({ kubeconfig: kube.kubeconfig }),
      escalation: createPagerDuty({ routingKey: ROUTING_KEY, eventsUrl: pd.url }),
      scheduler,
      collectors: (config) => {
        const real = collectorPoolFromConfig(config);
        return { ...real, forNode: async (node) => (collectorDown ? { status: 'unknown-node', message: collectorDown } : real.forNode(node)) };
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await pd?.close();
    await kube?.close();
    await harness?.close();
  });
  afterEach(cleanupAll);

  /** A pod whose `stat` sits in D, SIGKILL pending, behind a FUSE request nobody answers. */
  async function stuckPod(name: string): Promise<{ podUid: string; pid: number; mnt: FuseMount }> {
    const pod = createPodCgroup();
    const { pid, mnt } = await spawnUnkillableStat(pod);
    kube.addPod({ namespace: 'shop', name, uid: pod.podUid, nodeName: 'node-a' });
    return { podUid: pod.podUid, pid, mnt };
  }

  /** Asks about the pod; returns the diagnosis reply once the timer is armed. */
  async function diagnosed(name: string): Promise<{ reply: SlackCall; threadTs: string; task: (typeof scheduler.tasks)[number] }> {
    const tasks = scheduler.tasks.length;
    await t.send(slashCommandBody(`pod ${name} -n shop`));
    const reply = await t.slack
      .waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts !== undefined && Array.isArray(c.args.blocks) && JSON.stringify(c.args.blocks).includes(`shop/${name}`))
      .catch((e) => {
        throw new Error(`${e}: ${JSON.stringify(t.slack.calls.map((c) => c.args.text))}`);
      });
    expect(scheduler.tasks).toHaveLength(tasks + 1);
    return { reply, threadTs: String(reply.args.thread_ts), task: scheduler.tasks[tasks] };
  }

  const ask = async (threadTs: string, text: string, want: RegExp | ((c: SlackCall) => boolean)): Promise<SlackCall> => {
    const mark = t.slack.calls.length;
    await t.send(mentionEventBody({ text: `<@UBOT> ${text}`, threadTs }));
    return t.slack.waitFor(
      (c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs && (typeof want === 'function' ? want(c) : want.test(String(c.args.text))),
    );
  };

  it('the reply says when it will escalate; when the time comes a fresh snapshot still shows it, so on-call is paged; gone later, the alert resolves', async () => {
    const { podUid, pid, mnt } = await stuckPod('stuck-0');
    const { reply, threadTs, task } = await diagnosed('stuck-0');
    expect(task).toMatchObject({ ms: 5 * 60_000, cancelled: false });
    expect(allText(reply)).toMatch(/:red_circle:/);
    expect(JSON.stringify(blocksOf(reply))).toMatch(/escalates to on-call automatically <!date\^\d+\^at \{time\}\|at \d\d:\d\d UTC> \(after 5 minutes\) unless someone remediates or presses Escalate/);

    const mark = t.slack.calls.length;
    task.fire();
    const auto = await t.slack.waitFor(
      (c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs && /escalated automatically/.test(String(c.args.text)),
    );
    const dedupKey = `whystuck/node-a/${podUid}/storage-backend-fault`;
    expect(auto.args.text).toBe(
      `:rotating_light: Nobody acted on this critical finding within 5 minutes and a fresh snapshot still shows it: escalated automatically to <!subteam^S0ONCALL> (on-call for this channel) and PagerDuty (dedup key \`${dedupKey}\`).`,
    );
    expect(pd.events.find((e) => e.dedup_key === dedupKey)).toMatchObject({
      event_action: 'trigger',
      payload: expect.objectContaining({ severity: 'critical', custom_details: expect.objectContaining({ escalated_by: 'whystuck (auto-escalation)' }) }),
    });

    // Escalated once: a recheck that still finds it does not arm again.
    const tasks = scheduler.tasks.length;
    const again = await ask(threadTs, 'recheck', (c) => Array.isArray(c.args.blocks));
    expect(JSON.stringify(again.args.blocks)).not.toMatch(/escalates to on-call automatically/);
    expect(scheduler.tasks).toHaveLength(tasks);

    // The FUSE connection is aborted: the task leaves D and exits; a recheck resolves the alert.
    mnt.abort();
    await waitFor(() => stateOf(pid) === undefined, 'the stuck stat to exit');
    const m2 = t.slack.calls.length;
    await ask(threadTs, 'recheck', /PagerDuty alert .* resolved/);
    await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= m2 && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs && Array.isArray(c.args.blocks));
    expect(pd.events.some((e) => e.event_action === 'resolve' && e.dedup_key === dedupKey)).toBe(true);
  });

  it('pressing Escalate calls the timer off (a late firing does nothing)', async () => {
    await stuckPod('stuck-1');
    const { reply, threadTs, task } = await diagnosed('stuck-1');
    const mark = t.slack.calls.length;
    await press(t, reply, 'escalate');
    await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs && /<@U0ONCALL> escalated to/.test(String(c.args.text)));
    expect(task.cancelled).toBe(true);
    const m2 = t.slack.calls.length;
    task.fire();
    // Time for a re-snapshot and a post, were the firing not ignored (this can only pass wrongly, never fail wrongly).
    await new Promise((r) => setTimeout(r, 1000));
    expect(t.slack.calls.slice(m2).filter((c) => c.method === 'chat.postMessage')).toEqual([]);
  });

  it('an authorised remediation click calls the timer off, whatever the collector then says', async () => {
    const { pid } = await stuckPod('stuck-2');
    const { reply, threadTs, task } = await diagnosed('stuck-2');
    // Signed by the bot, but for a start time this pid never had: the collector refuses (PID reuse guard) — someone still acted.
    const value = signAction(ACTION_SECRET, { node: 'node-a', pid, startTime: 1, comm: 'stat', signal: 'SIGKILL', findingId: 'uninterruptible-io' }, 60_000);
    await t.send(blockActionBody({ user: 'U0ONCALL', channel: 'C0INCIDENT', messageTs: String(reply.reply?.ts), threadTs, actionId: 'remediate_0', value }));
    await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === threadTs && /PID_REUSED/.test(String(c.args.text)));
    expect(task.cancelled).toBe(true);
  });

  it('with real timers (0.002 minutes) the escalation arrives by itself', async () => {
    const tls = harness.clientTls('whystuck-bot');
    const quick = await startTestBot({
      env: {
        WHYSTUCK_COLLECTORS: `node-a=${harness.address}`,
        WHYSTUCK_COLLECTOR_TLS_CERT: tls.cert,
        WHYSTUCK_COLLECTOR_TLS_KEY: tls.key,
        WHYSTUCK_COLLECTOR_TLS_CA: tls.ca,
        WHYSTUCK_ONCALL_GROUPS: 'C0INCIDENT=S0ONCALL',
        WHYSTUCK_AUTO_ESCALATE_MINUTES: '0.002',
      },
      kube: createKubeLookup({ kubeconfig: kube.kubeconfig }),
    });
    try {
      await stuckPod('stuck-4');
      await quick.send(slashCommandBody('pod stuck-4 -n shop'));
      const auto = await quick.slack.waitFor((c) => c.method === 'chat.postMessage' && /escalated automatically/.test(String(c.args.text)));
      expect(auto.args.text).toBe(
        ':rotating_light: Nobody acted on this critical finding within 0.1 seconds and a fresh snapshot still shows it: escalated automatically to <!subteam^S0ONCALL> (on-call for this channel).',
      );
    } finally {
      await quick.close();
    }
  });

  it('when the time comes and it is gone, nothing is escalated; when the collector is down, the last diagnosis is escalated with the failure', async () => {
    const gone = await stuckPod('stuck-5');
    const first = await diagnosed('stuck-5');
    gone.mnt.abort();
    await waitFor(() => stateOf(gone.pid) === undefined, 'the stuck stat to exit');
    let mark = t.slack.calls.length;
    first.task.fire();
    const stood = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === first.threadTs);
    expect(stood.args.text).toBe('Not escalating: after 5 minutes a fresh snapshot no longer shows a critical finding.');
    expect(pd.events.some((e) => String(e.dedup_key).includes(gone.podUid))).toBe(false);

    const down = await stuckPod('stuck-6');
    const second = await diagnosed('stuck-6');
    collectorDown = 'the collector on node-a is unreachable: connection refused (test)';
    try {
      mark = t.slack.calls.length;
      second.task.fire();
      const paged = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === second.threadTs);
      expect(paged.args.text).toBe(
        `:rotating_light: Nobody acted on this critical finding within 5 minutes and the recheck failed (the collector on node-a is unreachable: connection refused (test)): escalated automatically to <!subteam^S0ONCALL> (on-call for this channel) and PagerDuty (dedup key \`whystuck/node-a/${down.podUid}/storage-backend-fault\`).`,
      );
    } finally {
      collectorDown = undefined;
    }
  });

  it('a recheck that no longer finds a critical finding calls the timer off', async () => {
    const { pid, mnt } = await stuckPod('stuck-3');
    const { threadTs, task } = await diagnosed('stuck-3');
    mnt.abort();
    await waitFor(() => stateOf(pid) === undefined, 'the stuck stat to exit');
    const mark = t.slack.calls.length;
    const after = await ask(threadTs, 'recheck', (c) => Array.isArray(c.args.blocks));
    expect(blocksOf(after)[0].text?.text).toMatch(/No process of shop\/stuck-3/);
    expect(task.cancelled).toBe(true);
    expect(postsIn(t, threadTs, mark).some((c) => /escalated/.test(String(c.args.text)))).toBe(false);
  });
});
