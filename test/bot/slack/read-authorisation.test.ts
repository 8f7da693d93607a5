import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BotConfig } from '../../../bot/src/config';
import { signAction } from '../../../bot/src/conversation/action-token';
import { createPagerDuty } from '../../../bot/src/escalation/pagerduty';
import { createKubeLookup, type KubeLookup } from '../../../bot/src/kube/pod-lookup';
import type { CollectorPool } from '../../../bot/src/nodes/collector-pool';
import { collectorPoolFromConfig } from '../../../bot/src/nodes/pool-from-config';
import { analyzeModal } from '../../../bot/src/slack/analyze-modal';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { startFakePagerDuty, type FakePagerDuty } from '../../helpers/bot/fake-pagerduty';
import type { SlackCall } from '../../helpers/bot/fake-slack-api';
import { blockActionBody, mentionEventBody, messageEventBody, slashCommandBody } from '../../helpers/bot/signed-request';
import { ACTION_SECRET, blocksOf, pasteThread, startTestBot, submitAnalyzeDialog, type AnalyzeModal, type TestBot } from '../../helpers/bot/test-bot';

/**
 * Issue 17, "reads are authorised too", on the real Bolt app with signed
 * requests: a channel allow-list (WHYSTUCK_CHANNELS), readers
 * (WHYSTUCK_READERS), the requester's workspace, and Escalate from a paste.
 * A refused request gets one sentence for its requester alone, reads no node
 * (the Kubernetes lookup and the collector pool are asked nothing), and is
 * logged with its reason, never its text.
 */
const paste = readFileSync(join(__dirname, '../../fixtures/corpus/r-001-hung-task-fuse-6x/input.txt'), 'utf8');
const ROUTING_KEY = 'R0UTINGKEY0000000000000000000001';
const settle = (ms = 400): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every read of a node or of the Kubernetes API, recorded. */
function counted(asked: string[]): { kube: KubeLookup; collectors: (config: BotConfig) => CollectorPool } {
  return {
    kube: {
      getPod: async (ns, name) => {
        asked.push(`getPod ${ns}/${name}`);
        return { status: 'not-found', message: `pod ${ns}/${name} does not exist` };
      },
    },
    collectors: (config) => {
      const real = collectorPoolFromConfig(config);
      return {
        forNode: (node) => {
          asked.push(`forNode ${node}`);
          return real.forNode(node);
        },
        nodes: () => {
          asked.push('nodes');
          return real.nodes();
        },
        close: () => real.close(),
      };
    },
  };
}

const since = (t: TestBot, mark: number, method: string): SlackCall[] => t.slack.calls.slice(mark).filter((c) => c.method === method);
/** A question answered: its root message, then the answer in its thread (after the lookup). */
async function answered(t: TestBot, mark: number): Promise<void> {
  const root = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === undefined);
  await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === root.reply?.ts);
}
const refusals = (t: TestBot): Record<string, unknown>[] => t.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request refused');

/** The same signed body as from another workspace: the envelope's team and the user's (and the event's). */
function fromTeam(body: string, team: string): string {
  if (body.startsWith('{')) {
    const j = JSON.parse(body) as { team_id: string; event: Record<string, unknown> };
    j.team_id = team;
    j.event.team = team;
    return JSON.stringify(j);
  }
  const form = new URLSearchParams(body);
  const payload = form.get('payload');
  if (payload) {
    const j = JSON.parse(payload) as { team: object; user: object };
    j.team = { ...j.team, id: team };
    j.user = { ...j.user, team_id: team };
    form.set('payload', JSON.stringify(j));
  } else {
    form.set('team_id', team);
  }
  return form.toString();
}

const button = (actionId: string, value: string, user: string, channel: string): string =>
  blockActionBody({ user, channel, messageTs: '1700000000.000200', threadTs: '1700000000.000100', actionId, value });

describe('Slack: WHYSTUCK_CHANNELS, a channel allow-list', () => {
  let t: TestBot;
  const asked: string[] = [];
  const CHANNEL_REFUSAL = 'whystuck does not answer in this channel: ask in <#C0INCIDENT> (WHYSTUCK_CHANNELS).';
  beforeAll(async () => {
    const c = counted(asked);
    t = await startTestBot({
      env: { WHYSTUCK_CHANNELS: 'C0INCIDENT', WHYSTUCK_REMEDIATORS: 'U0ONCALL', WHYSTUCK_COLLECTORS: 'node-a=127.0.0.1:9', WHYSTUCK_COLLECTOR_INSECURE: '1' },
      kube: c.kube,
      collectors: c.collectors,
    });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => {
    asked.length = 0;
  });

  it('commands from another channel: one sentence for the user alone, no answer, no dialog, no node read; logged with the reason, not the text', async () => {
    const mark = t.slack.calls.length;
    for (const text of ['pod web-0 -n shop', 'node node-a', 'pid node-a 4242', 'sweep', 'analyze']) {
      const res = await t.send(slashCommandBody(text, 'U0ONCALL', 'C0OTHER'));
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual({ response_type: 'ephemeral', text: CHANNEL_REFUSAL });
    }
    await settle();
    expect(since(t, mark, 'chat.postMessage')).toEqual([]);
    expect(since(t, mark, 'views.open')).toEqual([]);
    expect(asked).toEqual([]);
    const logged = refusals(t).filter((l) => l.kind === 'command');
    expect(logged).toHaveLength(5);
    expect(logged[0]).toMatchObject({ reason: 'channel-not-allowed', channel: 'C0OTHER', user: 'U0ONCALL', teams: ['T1'] });
    expect(t.logLines.join('\n')).not.toMatch(/web-0|4242/);
  });

  it('a mention, a paste and an upload in a whystuck thread of another channel: told once (ephemeral), nothing analysed or downloaded', async () => {
    const mark = t.slack.calls.length;
    await t.send(mentionEventBody({ text: '<@UBOT> node node-a', channel: 'C0OTHER' }));
    const told = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postEphemeral');
    expect(told.args).toMatchObject({ channel: 'C0OTHER', user: 'U0ONCALL', text: CHANNEL_REFUSAL });

    const thread = '1700000000.000100';
    await t.send(messageEventBody({ text: paste, channel: 'C0OTHER', threadTs: thread }));
    await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postEphemeral' && c.args.thread_ts === thread);
    // More text in the same thread is not told again: people talking there are not answered on every line.
    await t.send(messageEventBody({ text: paste, channel: 'C0OTHER', threadTs: thread }));
    const file = t.slack.addFile('dmesg.txt', paste);
    await t.send(messageEventBody({ files: [file], channel: 'C0OTHER', threadTs: thread }));
    // A thread that is not whystuck's: nothing at all.
    await t.send(messageEventBody({ text: paste, channel: 'C0OTHER', threadTs: '1690000000.000100', parentUserId: 'U0SOMEONE' }));
    await settle(800);
    const ephemerals = since(t, mark, 'chat.postEphemeral');
    expect(ephemerals.map((c) => [c.args.thread_ts, c.args.text])).toEqual([
      [undefined, CHANNEL_REFUSAL],
      [thread, CHANNEL_REFUSAL],
      [thread, CHANNEL_REFUSAL],
    ]);
    expect(since(t, mark, 'chat.postMessage')).toEqual([]);
    expect(since(t, mark, 'file.download')).toEqual([]);
    expect(asked).toEqual([]);
    expect(refusals(t).map((l) => l.kind)).toEqual(expect.arrayContaining(['event:app_mention', 'event:message']));
    expect(t.logLines.join('\n')).not.toContain('hung_task');
  });

  it('buttons and the paste dialog from another channel: refused the same way; a refused remediation click is a row of the audit log', async () => {
    const mark = t.slack.calls.length;
    for (const id of ['recheck', 'escalate', 'show_more']) await t.send(button(id, 'C0OTHER:1700000000.000100', 'U0ONCALL', 'C0OTHER'));
    const token = signAction(ACTION_SECRET, { node: 'node-a', pid: 4242, startTime: 1, comm: 'stat', signal: 'SIGTERM', findingId: 'x' }, 60_000);
    await t.send(button('remediate_0', token, 'U0ONCALL', 'C0OTHER'));
    await t.slack.waitFor(() => since(t, mark, 'chat.postEphemeral').length === 4);
    expect(since(t, mark, 'chat.postEphemeral').every((c) => c.args.text === CHANNEL_REFUSAL && c.args.channel === 'C0OTHER' && c.args.user === 'U0ONCALL')).toBe(true);
    const audit = await t.store.listAudit(5);
    expect(audit[0]).toMatchObject({ user: 'U0ONCALL', outcome: 'REFUSED_CHANNEL_NOT_ALLOWED', pid: 0 });

    // A dialog whose channel is not allowed (opened before the list changed, or forged): the dialog says why and closes nothing else.
    const res = await submitAnalyzeDialog(t, analyzeModal('C0OTHER') as unknown as AnalyzeModal, paste);
    const answer = JSON.parse(res.text) as { response_action: string; view: { blocks: { text: { text: string } }[] } };
    expect(answer.response_action).toBe('update');
    expect(answer.view.blocks[0].text.text).toBe(CHANNEL_REFUSAL);
    await settle();
    expect(since(t, mark, 'chat.postMessage')).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('the allowed channel is answered as before', async () => {
    const mark = t.slack.calls.length;
    const res = await t.send(slashCommandBody('pod web-0 -n shop', 'U0ONCALL', 'C0INCIDENT'));
    expect(res.text).toBe('');
    await answered(t, mark);
    expect(asked).toEqual(['getPod shop/web-0']);
  });
});

describe('Slack: WHYSTUCK_READERS, who may ask', () => {
  let t: TestBot;
  const asked: string[] = [];
  const READER_REFUSAL = 'You are not allowed to ask whystuck: only the users and groups in WHYSTUCK_READERS (and the remediators) may; ask on-call.';
  beforeAll(async () => {
    const c = counted(asked);
    t = await startTestBot({ env: { WHYSTUCK_READERS: 'U0READER,S0READERS', WHYSTUCK_REMEDIATORS: 'U0FIXER' }, kube: c.kube, collectors: c.collectors });
    t.slack.setGroup('S0READERS', ['U0GROUPIE']);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => {
    asked.length = 0;
  });

  it('someone who is not a reader: a command, a mention, a button and a paste are refused with one sentence, nothing read', async () => {
    const mark = t.slack.calls.length;
    const res = await t.send(slashCommandBody('pod web-0 -n shop', 'U0STRANGER'));
    expect(JSON.parse(res.text)).toEqual({ response_type: 'ephemeral', text: READER_REFUSAL });
    await t.send(mentionEventBody({ text: '<@UBOT> sweep', user: 'U0STRANGER' }));
    await t.send(button('recheck', 'C0INCIDENT:1700000000.000100', 'U0STRANGER', 'C0INCIDENT'));
    await t.send(messageEventBody({ text: paste, user: 'U0STRANGER', threadTs: '1700000000.000100' }));
    await t.slack.waitFor(() => since(t, mark, 'chat.postEphemeral').length === 3);
    await settle();
    expect(since(t, mark, 'chat.postEphemeral').map((c) => [c.args.user, c.args.text])).toEqual(Array(3).fill(['U0STRANGER', READER_REFUSAL]));
    expect(since(t, mark, 'chat.postMessage')).toEqual([]);
    expect(asked).toEqual([]);
    expect(since(t, mark, 'usergroups.users.list').map((c) => c.args.usergroup)).toEqual(['S0READERS']); // read once, cached
    expect(refusals(t).every((l) => l.reason === 'not-a-reader' && l.user === 'U0STRANGER')).toBe(true);
  });

  it('a listed reader, a member of a listed group and a remediator are answered', async () => {
    for (const user of ['U0READER', 'U0GROUPIE', 'U0FIXER']) {
      const mark = t.slack.calls.length;
      const res = await t.send(slashCommandBody('pod web-0 -n shop', user));
      expect(res.text).toBe('');
      await answered(t, mark);
    }
    expect(asked).toEqual(Array(3).fill('getPod shop/web-0'));
  });
});

describe("Slack: the requester's workspace", () => {
  let learned: TestBot;
  let configured: TestBot;
  const asked: string[] = [];
  const TEAM_REFUSAL = 'whystuck answers only the Slack workspace it is installed in; this request came from another.';
  beforeAll(async () => {
    const c = counted(asked);
    learned = await startTestBot({ kube: c.kube, collectors: c.collectors });
    configured = await startTestBot({ env: { WHYSTUCK_SLACK_TEAM_ID: 'T2' }, kube: c.kube, collectors: c.collectors });
  });
  afterAll(async () => {
    await learned?.close();
    await configured?.close();
  });
  beforeEach(() => {
    asked.length = 0;
  });

  it("learned from auth.test: a signed request from another team is refused and logged; only a command can be told (through Slack's response)", async () => {
    const t = learned;
    const mark = t.slack.calls.length;
    const res = await t.send(fromTeam(slashCommandBody('pod web-0 -n shop'), 'T9'));
    expect(JSON.parse(res.text)).toEqual({ response_type: 'ephemeral', text: TEAM_REFUSAL });
    await t.send(fromTeam(mentionEventBody({ text: '<@UBOT> node node-a' }), 'T9'));
    await t.send(fromTeam(button('escalate', 'C0INCIDENT:1700000000.000100', 'U0ONCALL', 'C0INCIDENT'), 'T9'));
    // The envelope is ours, the user is not (a shared channel): refused too.
    const shared = JSON.parse(mentionEventBody({ text: '<@UBOT> node node-a' })) as { event: Record<string, unknown> };
    shared.event.user_team = 'T9';
    await t.send(JSON.stringify(shared));
    await settle(600);
    expect(since(t, mark, 'chat.postMessage')).toEqual([]);
    expect(since(t, mark, 'chat.postEphemeral')).toEqual([]);
    expect(asked).toEqual([]);
    const logged = refusals(t);
    expect(logged.map((l) => l.kind)).toEqual(['command', 'event:app_mention', 'action:escalate', 'event:app_mention']);
    expect(logged.every((l) => l.reason === 'other-workspace' && l.level === 40)).toBe(true);
    expect(logged[0].teams).toEqual(['T9']);
    expect(logged[3].teams).toEqual(['T1', 'T9']);

    const ok = await t.send(slashCommandBody('pod web-0 -n shop'));
    expect(ok.text).toBe('');
    await answered(t, mark);
    expect(asked).toEqual(['getPod shop/web-0']);
  });

  it("WHYSTUCK_SLACK_TEAM_ID wins over the token's own workspace", async () => {
    const t = configured;
    const res = await t.send(slashCommandBody('pod web-0 -n shop'));
    expect(JSON.parse(res.text)).toEqual({ response_type: 'ephemeral', text: TEAM_REFUSAL });
    expect(t.logLines.some((l) => l.includes('the bot token belongs to another workspace than WHYSTUCK_SLACK_TEAM_ID'))).toBe(true);
    expect(asked).toEqual([]);
    const ok = await t.send(fromTeam(slashCommandBody('pod web-0 -n shop'), 'T2'));
    expect(ok.text).toBe('');
    await answered(t, 0);
    expect(asked).toEqual(['getPod shop/web-0']);
  });
});

describe('Slack: an Enterprise Grid organisation', () => {
  let listed: TestBot;
  let orgWide: TestBot;
  const asked: string[] = [];
  beforeAll(async () => {
    const c = counted(asked);
    listed = await startTestBot({ env: { WHYSTUCK_SLACK_TEAM_ID: 'T1,T2' }, kube: c.kube, collectors: c.collectors });
    listed.slack.setAuthTest({ enterprise_id: 'E1' });
    orgWide = await startTestBot({ kube: c.kube, collectors: c.collectors });
    // auth.test of a token installed on the whole organisation: no one workspace of its own.
    orgWide.slack.setAuthTest({ enterprise_id: 'E1', team_id: 'E1', is_enterprise_install: true });
  });
  afterAll(async () => {
    await listed?.close();
    await orgWide?.close();
  });
  beforeEach(() => {
    asked.length = 0;
  });

  it('answers a user of a sister workspace the list names, in a channel shared across the organisation; refuses one from elsewhere', async () => {
    const t = listed;
    const mark = t.slack.calls.length;
    const sister = JSON.parse(mentionEventBody({ text: '<@UBOT> pod web-0 -n shop' })) as { event: Record<string, unknown> };
    sister.event.user_team = 'T2';
    await t.send(JSON.stringify(sister));
    await answered(t, mark);
    expect(asked).toEqual(['getPod shop/web-0']);
    // A command typed in the sister workspace itself.
    const res = await t.send(fromTeam(slashCommandBody('pod web-0 -n shop'), 'T2'));
    expect(res.text).toBe('');
    // Slack Connect: a user of another organisation in the same channel.
    asked.length = 0;
    const mark2 = t.slack.calls.length;
    const outsider = JSON.parse(mentionEventBody({ text: '<@UBOT> pod web-0 -n shop' })) as { event: Record<string, unknown> };
    outsider.event.user_team = 'T9';
    await t.send(JSON.stringify(outsider));
    await settle(600);
    expect(asked.filter((a) => a === 'getPod shop/web-0')).toHaveLength(1); // the T2 command's, none for T9
    expect(refusals(t).map((l) => [l.reason, l.teams])).toEqual([['other-workspace', ['T1', 'T9']]]);
    expect(since(t, mark2, 'chat.postMessage').filter((c) => /web-0/.test(String(c.args.text)) && c.args.thread_ts === undefined)).toHaveLength(1);
  });

  it('installed on the whole organisation without WHYSTUCK_SLACK_TEAM_ID: answers nobody, says why, and the log tells the operator what to set', async () => {
    const t = orgWide;
    const res = await t.send(slashCommandBody('pod web-0 -n shop'));
    expect(JSON.parse(res.text)).toEqual({
      response_type: 'ephemeral',
      text: 'whystuck does not know yet which Slack workspaces it answers (an install on a whole Enterprise Grid organisation needs WHYSTUCK_SLACK_TEAM_ID), so it answers nobody; try again in a minute, or ask its operators.',
    });
    expect(asked).toEqual([]);
    expect(t.logLines.some((l) => l.includes('installed on a whole Enterprise Grid organisation: set WHYSTUCK_SLACK_TEAM_ID'))).toBe(true);
    expect(refusals(t).map((l) => l.reason)).toEqual(['workspace-unknown']);
  });
});

describe('Slack: Escalate pages PagerDuty from a paste only for remediators and on-call', () => {
  let t: TestBot;
  let pd: FakePagerDuty;
  let kube: FakeKubeApi;
  beforeAll(async () => {
    pd = await startFakePagerDuty();
    kube = await startFakeKubeApi();
    t = await startTestBot({
      env: {
        WHYSTUCK_ONCALL_GROUPS: 'C0INCIDENT=S0ONCALL',
        WHYSTUCK_REMEDIATORS: 'U0FIXER',
        WHYSTUCK_COLLECTORS: 'node-gone=127.0.0.1:9',
        WHYSTUCK_COLLECTOR_INSECURE: '1',
        KUBECONFIG: kube.kubeconfig,
      },
      kube: createKubeLookup({ kubeconfig: kube.kubeconfig }),
      escalation: createPagerDuty({ routingKey: ROUTING_KEY, eventsUrl: pd.url }),
    });
    t.slack.setGroup('S0ONCALL', ['U0ONCALL']);
  });
  afterAll(async () => {
    await t?.close();
    await pd?.close();
    await kube?.close();
  });

  async function press(reply: SlackCall, user: string): Promise<void> {
    const value = blocksOf(reply)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'escalate')?.value;
    if (!value) throw new Error('no Escalate button in the reply');
    await t.send(blockActionBody({ user, channel: String(reply.args.channel), messageTs: String(reply.reply?.ts), threadTs: String(reply.args.thread_ts), actionId: 'escalate', value }));
  }
  const posted = (threadTs: string, mark: number): Promise<SlackCall> => t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);
  const NOT_PAGED =
    /PagerDuty was not paged: this diagnosis comes from a paste, not from the node, and only remediators \(WHYSTUCK_REMEDIATORS\) and this channel's on-call group \(WHYSTUCK_ONCALL_GROUPS\) may page from a paste\./;

  it('anyone else: the on-call group is mentioned without a page, and where there is no group the user alone is told why', async () => {
    const { reply, threadTs } = await pasteThread(t, paste);
    let mark = t.slack.calls.length;
    await press(reply, 'U0PASSERBY');
    const said = await posted(threadTs, mark);
    expect(String(said.args.text)).toMatch(/^:rotating_light: <@U0PASSERBY> escalated to <!subteam\^S0ONCALL> \(on-call for this channel\)\. PagerDuty was not paged/);
    expect(String(said.args.text)).toMatch(NOT_PAGED);
    expect(pd.events).toEqual([]);

    const quiet = await pasteThread(t, paste, 'C0QUIET');
    mark = t.slack.calls.length;
    await press(quiet.reply, 'U0PASSERBY');
    await t.send(mentionEventBody({ text: '<@UBOT> escalate', user: 'U0PASSERBY', channel: 'C0QUIET', threadTs: quiet.threadTs }));
    await t.slack.waitFor(() => since(t, mark, 'chat.postEphemeral').length === 2);
    for (const c of since(t, mark, 'chat.postEphemeral')) {
      expect(c.args).toMatchObject({ channel: 'C0QUIET', user: 'U0PASSERBY', thread_ts: quiet.threadTs });
      expect(String(c.args.text)).toMatch(NOT_PAGED);
    }
    await settle();
    expect(since(t, mark, 'chat.postMessage')).toEqual([]);
    expect(pd.events).toEqual([]);
    expect(t.logLines.filter((l) => l.includes('"reason":"paste-page-not-allowed"'))).toHaveLength(3);
  });

  it("a member of the channel's on-call group and a remediator page from a paste", async () => {
    const { reply, threadTs } = await pasteThread(t, paste);
    let mark = t.slack.calls.length;
    await press(reply, 'U0ONCALL');
    expect((await posted(threadTs, mark)).args.text).toBe(
      ':rotating_light: <@U0ONCALL> escalated to <!subteam^S0ONCALL> (on-call for this channel) and PagerDuty (dedup key `whystuck/paste/-/storage-backend-fault`).',
    );
    expect(pd.events.at(-1)).toMatchObject({ event_action: 'trigger', payload: expect.objectContaining({ custom_details: expect.objectContaining({ escalated_by: 'U0ONCALL' }) }) });

    const quiet = await pasteThread(t, paste, 'C0QUIET');
    mark = t.slack.calls.length;
    await press(quiet.reply, 'U0FIXER');
    expect((await posted(quiet.threadTs, mark)).args.text).toBe(':rotating_light: <@U0FIXER> escalated to PagerDuty (dedup key `whystuck/paste/-/storage-backend-fault`).');
    expect(pd.events).toHaveLength(2);
  });

  it('a live diagnosis pages for anyone who may ask, as before', async () => {
    kube.addNode({ name: 'node-gone', ready: 'Unknown', lastHeartbeat: new Date(Date.now() - 3 * 3600_000).toISOString(), taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] });
    kube.addPod({
      namespace: 'shop',
      name: 'web-1',
      uid: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b',
      nodeName: 'node-gone',
      deletionTimestamp: new Date(Date.now() - 2 * 3600_000).toISOString(),
      containers: [{ name: 'web', id: 'beef' }],
    });
    let mark = t.slack.calls.length;
    await t.send(slashCommandBody('pod web-1 -n shop', 'U0PASSERBY', 'C0QUIET'));
    const root = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === undefined);
    const reply = await posted(String(root.reply?.ts), mark);
    const before = pd.events.length;
    mark = t.slack.calls.length;
    await press(reply, 'U0PASSERBY');
    expect(String((await posted(String(root.reply?.ts), mark)).args.text)).toMatch(
      /^:rotating_light: <@U0PASSERBY> escalated to PagerDuty \(dedup key `whystuck\/node-gone\/5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b\/[^`]+`\)\.$/,
    );
    expect(pd.events).toHaveLength(before + 1);
    expect(pd.events.at(-1)).toMatchObject({ payload: expect.objectContaining({ source: 'node-gone', custom_details: expect.objectContaining({ escalated_by: 'U0PASSERBY' }) }) });
  });
});
