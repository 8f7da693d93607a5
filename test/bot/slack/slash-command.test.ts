import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { signAction } from '../../../bot/src/conversation/action-token';
import { createCollectorPool } from '../../../bot/src/nodes/collector-pool';
import { loadConfig } from '../../../bot/src/config';
import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { verifyAction } from '../../../bot/src/conversation/action-token';
import { createSlackApp, type SlackBot } from '../../../bot/src/slack/create-slack-app';
import { openSqliteStore } from '../../../bot/src/store/sqlite-store';
import type { Store } from '../../../bot/src/store/store';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall } from '../../helpers/bot/fake-slack-api';
import { blockActionBody, mentionEventBody, postSigned, slashCommandBody } from '../../helpers/bot/signed-request';
import { startFakePagerDuty, type FakePagerDuty } from '../../helpers/bot/fake-pagerduty';
import { createPagerDuty } from '../../../bot/src/escalation/pagerduty';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnZombies, stateOf, waitFor } from '../../helpers/kernel/processes';

const can = cgroupV1Available();
const describeKernel = can.ok ? describe : describe.skip;
const SECRET = 'test-signing-secret-8f2a';
const ACTION_SECRET = 'test-action-secret-19c4';

type Element = { type?: string; action_id?: string; value?: string; text?: { text: string } | string; confirm?: unknown };
type Block = { type: string; text?: { text: string }; elements?: Element[] };
const elementText = (e: Element): string => (typeof e.text === 'string' ? e.text : (e.text?.text ?? ''));
const blocksOf = (c: SlackCall): Block[] => (c.args.blocks as Block[]) ?? [];
const allText = (c: SlackCall): string =>
  blocksOf(c)
    .map((b) => b.text?.text ?? (b.elements ?? []).map(elementText).join(' '))
    .join('\n');

describeKernel('Slack: /whystuck pod NAME answered in a thread, end to end', () => {
  let harness: Harness;
  let slack: FakeSlackApi;
  let kube: FakeKubeApi;
  let bot: SlackBot;
  let url: string;
  let store: Store;
  let dbDir: string;
  let pd: FakePagerDuty;
  let pool: ReturnType<typeof createCollectorPool>;
  const logLines: string[] = [];

  beforeAll(async () => {
    harness = await startHarness({ remediator: { allowHostProcesses: false } });
    dbDir = mkdtempSync(join(tmpdir(), 'whystuck-audit-'));
    store = openSqliteStore(join(dbDir, 'store.db'));
    slack = await startFakeSlackApi();
    pd = await startFakePagerDuty();
    kube = await startFakeKubeApi();
    const tls = harness.clientTls('whystuck-bot');
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-test-token-do-not-log',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      WHYSTUCK_COLLECTORS: `node-a=${harness.address},node-gone=127.0.0.1:9`,
      WHYSTUCK_COLLECTOR_TLS_CERT: tls.cert,
      WHYSTUCK_COLLECTOR_TLS_KEY: tls.key,
      WHYSTUCK_COLLECTOR_TLS_CA: tls.ca,
      KUBECONFIG: kube.kubeconfig,
      WHYSTUCK_REMEDIATORS: 'U0ONCALL,S0SRE',
    });
    const logger = pino(
      { level: 'debug' },
      {
        write: (s: string) => {
          logLines.push(s);
        },
      },
    );
    bot = createSlackApp({
      config,
      logger,
      actionSecret: ACTION_SECRET,
      store,
      recheckDelayMs: 300,
      escalation: createPagerDuty({ routingKey: 'R0UTINGKEY0000000000000000000001', eventsUrl: pd.url }),
      kube: createKubeLookup({ kubeconfig: kube.kubeconfig }),
      collectors: (pool = createCollectorPool({ addresses: config.collectors, tls: config.collectorTls, insecure: false, deadlineMs: 20000 })),
    });
    const port = await bot.start(0);
    url = `http://127.0.0.1:${port}/slack/events`;
  });
  afterAll(async () => {
    await bot?.stop();
    pool?.close();
    await slack?.close();
    await pd?.close();
    await kube?.close();
    await harness?.close();
    await store?.close();
    rmSync(dbDir, { recursive: true, force: true });
  });
  afterEach(cleanupAll);

  it('a zombie pod: ack at once, root message, diagnosis in its thread with a signed button for what works', async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(2, pod);
    kube.addPod({ namespace: 'shop', name: 'web-0', uid: pod.podUid, nodeName: 'node-a', containers: [{ name: 'app', id: pod.containerId }] });
    const res = await postSigned(url, SECRET, slashCommandBody('pod web-0 -n shop'));
    expect(res.status).toBe(200);
    const root = await slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === undefined && String(c.args.text).includes('shop/web-0'));
    expect(root.args.text).toBe('Looking into shop/web-0…');
    expect(root.token).toBe('xoxb-test-token-do-not-log');
    const reply = await slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts !== undefined && c.args.channel === 'C0INCIDENT');
    const text = allText(reply);
    expect(blocksOf(reply)[0].text?.text).toMatch(/zombie/);
    expect(text).toMatch(/parent-not-reaping/);
    expect(text).toContain(`pod shop/web-0 · uid ${pod.podUid} · node node-a`);
    for (const z of zombiePids) expect(text).toContain(String(z));
    // Only what works is a button: SIGTERM to the parent; the zombies' SIGKILL is explained in words.
    const buttons = blocksOf(reply)
      .flatMap((b) => b.elements ?? [])
      .filter((e) => e.action_id?.startsWith('remediate_'));
    expect(buttons).toHaveLength(1);
    const check = verifyAction(ACTION_SECRET, buttons[0].value!);
    expect(check.status === 'ok' && check.claims).toMatchObject({ node: 'node-a', pid: parentPid, signal: 'SIGTERM', podUid: pod.podUid });
    expect(buttons[0].confirm).toMatchObject({ style: 'danger' });
    expect(text).toMatch(/SIGKILL cannot end pid \d+: .*zombie/);
    const actionIds = blocksOf(reply)
      .flatMap((b) => b.elements ?? [])
      .map((e) => e.action_id);
    expect(actionIds).toEqual(expect.arrayContaining(['recheck', 'escalate']));
    expect(blocksOf(reply).length).toBeLessThanOrEqual(50);
  });

  it('refuses a bad or stale signature with 401 and does nothing', async () => {
    const before = slack.calls.length;
    expect((await postSigned(url, SECRET, slashCommandBody('pod web-0 -n shop'), { badSignature: true })).status).toBe(401);
    expect((await postSigned(url, SECRET, slashCommandBody('pod web-0 -n shop'), { timestamp: Math.floor(Date.now() / 1000) - 3600 })).status).toBe(401);
    expect((await postSigned(url, 'some-other-secret', slashCommandBody('pod web-0 -n shop'))).status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(slack.calls.length).toBe(before);
  });

  it('rejects shell metacharacters and path tricks in pod names before any lookup', async () => {
    const lookups = kube.requests.length;
    for (const name of ['web-0;reboot', '../../etc/passwd', '$(id)', 'web-0 -n kube-system/..']) {
      const res = await postSigned(url, SECRET, slashCommandBody(`pod ${name}`));
      expect(res.status).toBe(200);
    }
    const errors = await waitCount(() => slack.calls.filter((c) => c.method === 'chat.postEphemeral' && /not a valid (pod|namespace) name/.test(String(c.args.text))).length, 4);
    expect(errors).toBe(4);
    expect(kube.requests.length).toBe(lookups);
  });

  it('an unknown pod is answered in the thread, not with silence', async () => {
    await postSigned(url, SECRET, slashCommandBody('pod nosuch-0 -n shop'));
    const reply = await slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts !== undefined && String(c.args.text).includes('nosuch-0'));
    expect(reply.args.text).toMatch(/pod shop\/nosuch-0 does not exist/);
  });

  it('unknown phrasing gets help with examples', async () => {
    await postSigned(url, SECRET, slashCommandBody('make it faster please'));
    const help = await slack.waitFor((c) => c.method === 'chat.postEphemeral' && String(c.args.text).includes("didn't understand"));
    expect(help.args.text).toMatch(/\/whystuck pod NAME/);
  });

  it('asks Slack who the bot is once, not in front of every ack', async () => {
    const before = slack.calls.filter((c) => c.method === 'chat.postEphemeral').length;
    for (let i = 0; i < 3; i++) await postSigned(url, SECRET, slashCommandBody(`gibberish ${i}`));
    await waitFor(() => slack.calls.filter((c) => c.method === 'chat.postEphemeral').length >= before + 3, 'three help answers');
    expect(slack.calls.filter((c) => c.method === 'auth.test')).toHaveLength(1);
  });

  it('a click on the button: authorised, audited before and after, signalled, rechecked; a second click is refused', async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(2, pod);
    kube.addPod({ namespace: 'shop', name: 'web-1', uid: pod.podUid, nodeName: 'node-a' });
    await postSigned(url, SECRET, slashCommandBody('pod web-1 -n shop'));
    const reply = await slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts !== undefined && JSON.stringify(c.args.blocks ?? '').includes(String(parentPid)));
    const button = blocksOf(reply)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id?.startsWith('remediate_'))!;
    const click = (user: string, value = button.value!): Promise<{ status: number }> =>
      postSigned(
        url,
        SECRET,
        blockActionBody({
          user,
          channel: 'C0INCIDENT',
          messageTs: String(reply.reply?.ts),
          threadTs: String(reply.args.thread_ts),
          actionId: button.action_id!,
          value,
        }),
      );

    slack.setGroup('S0SRE', ['U0SRE']);
    // Not in WHYSTUCK_REMEDIATORS, not in the S0SRE group: refused, parent alive; the refusal is audited (a row of its own: the token is not used up).
    expect((await click('U0INTRUDER')).status).toBe(200);
    await slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.args.user === 'U0INTRUDER' && /not allowed to send signals/.test(String(c.args.text)));
    // Not signalled: alive (sleeping, or still running on a loaded machine), not a zombie, not gone.
    expect(['S', 'R']).toContain(stateOf(parentPid));
    expect((await store.listAudit()).filter((e) => e.pid === parentPid)).toEqual([expect.objectContaining({ user: 'U0INTRUDER', outcome: 'REFUSED_UNAUTHORISED', node: 'node-a', signal: 'SIGTERM' })]);

    // A member of the S0SRE user group may.
    expect((await click('U0SRE')).status).toBe(200);
    const done = await slack.waitFor((c) => c.method === 'chat.postMessage' && /SIGNALLED/.test(String(c.args.text)) && c.args.thread_ts === reply.args.thread_ts);
    expect(done.args.text).toMatch(/It is gone|still there/);
    await waitFor(() => stateOf(parentPid) === undefined, 'the parent to exit');
    const row = (await store.listAudit()).find((e) => e.pid === parentPid && e.user === 'U0SRE')!;
    expect(row).toMatchObject({ user: 'U0SRE', signal: 'SIGTERM', node: 'node-a', outcome: 'SIGNALLED', podUid: pod.podUid });
    expect(row.finishedAt).toBeDefined();

    // The recheck re-snapshots and posts again in the same thread.
    await slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.args.thread_ts === reply.args.thread_ts &&
        c !== reply &&
        Array.isArray(c.args.blocks) &&
        c.args.ts === undefined &&
        slack.calls.indexOf(c) > slack.calls.indexOf(done),
    );

    // Double click / replay: the same token is refused with the first result.
    await click('U0ONCALL');
    await slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.args.user === 'U0ONCALL' && /Already done: <@U0SRE> sent SIGTERM/.test(String(c.args.text)));
    expect((await store.listAudit()).filter((e) => e.pid === parentPid && !e.outcome?.startsWith('REFUSED_'))).toHaveLength(1);
    void zombiePids;
  });

  it('follow-ups in the thread (stack, dmesg, tree, kill) and Escalate to PagerDuty, resolved when a recheck finds it gone', async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(2, pod);
    kube.addPod({ namespace: 'shop', name: 'web-2', uid: pod.podUid, nodeName: 'node-a' });
    await postSigned(url, SECRET, slashCommandBody('pod web-2 -n shop'));
    const reply = await slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts !== undefined && JSON.stringify(c.args.blocks ?? '').includes(String(parentPid)));
    const threadTs = String(reply.args.thread_ts);
    const ask = async (text: string, want: RegExp): Promise<string> => {
      const mark = slack.calls.length;
      expect((await postSigned(url, SECRET, mentionEventBody({ text: `<@UBOT> ${text}`, threadTs }), { contentType: 'application/json' })).status).toBe(200);
      const c = await slack.waitFor((x) => slack.calls.indexOf(x) >= mark && x.method === 'chat.postMessage' && x.args.thread_ts === threadTs && want.test(String(x.args.text)));
      return String(c.args.text);
    };
    expect(await ask(`show the stack of ${parentPid}`, new RegExp(`${parentPid} python3 state=S`))).toMatch(/hrtimer_nanosleep|nanosleep|poll|wait/);
    expect(await ask('process tree', new RegExp(`${parentPid} S python3`))).toContain(`${zombiePids[0]} Z python3`);
    await ask('dmesg', /kernel log|\[/);
    expect(await ask(`kill ${zombiePids[0]}`, /SIGKILL cannot end/)).toMatch(/zombie/);

    // The same event delivered twice (a Slack retry) is answered once.
    const retried = mentionEventBody({ text: '<@UBOT> process tree', threadTs, eventId: 'EvRETRY1' });
    const before = slack.calls.filter((c) => c.method === 'chat.postMessage').length;
    await postSigned(url, SECRET, retried, { contentType: 'application/json' });
    await postSigned(url, SECRET, retried, { contentType: 'application/json', headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage').length - before).toBe(1);

    // Escalate: a PagerDuty trigger with a dedup key per node + pod + finding.
    const escalateButton = blocksOf(reply)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'escalate')!;
    await postSigned(url, SECRET, blockActionBody({ user: 'U0ONCALL', channel: 'C0INCIDENT', messageTs: String(reply.reply?.ts), threadTs, actionId: 'escalate', value: escalateButton.value! }));
    await slack.waitFor((c) => c.method === 'chat.postMessage' && /escalated to PagerDuty/.test(String(c.args.text)));
    const trigger = pd.events.find((e) => e.event_action === 'trigger' && String(e.dedup_key).includes(pod.podUid))!;
    expect(trigger).toMatchObject({ dedup_key: `whystuck/node-a/${pod.podUid}/zombie`, payload: expect.objectContaining({ severity: 'info', source: 'node-a' }) });

    // The parent goes away; a recheck finds no zombies and resolves the alert.
    process.kill(parentPid, 'SIGKILL');
    await waitFor(() => stateOf(parentPid) === undefined, 'the parent to exit');
    const mark = slack.calls.length;
    await ask('recheck', /resolved/);
    // Let the recheck finish posting before the fakes close (the Web API client would retry for minutes).
    await slack.waitFor((c) => slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs && Array.isArray(c.args.blocks));
    expect(pd.events.some((e) => e.event_action === 'resolve' && e.dedup_key === trigger.dedup_key)).toBe(true);
  });

  it('forged, expired and PID-reused actions are refused', async () => {
    const pod = createPodCgroup();
    const { parentPid } = await spawnZombies(1, pod);
    const base = { user: 'U0ONCALL', channel: 'C0INCIDENT', messageTs: '1.1', threadTs: '1.0', actionId: 'remediate_0' };
    const claims = { node: 'node-a', pid: parentPid, startTime: 1, comm: 'python3', signal: 'SIGKILL' as const, podUid: pod.podUid, findingId: 'zombie' };
    await postSigned(url, SECRET, blockActionBody({ ...base, value: signAction('not-our-secret', claims, 60_000) }));
    await slack.waitFor((c) => c.method === 'chat.postEphemeral' && /not issued by whystuck/.test(String(c.args.text)));
    await postSigned(url, SECRET, blockActionBody({ ...base, value: signAction(ACTION_SECRET, claims, -1) }));
    await slack.waitFor((c) => c.method === 'chat.postEphemeral' && /expired/.test(String(c.args.text)));
    // Signed by us, but the start time is not this process's: the collector refuses (PID reuse guard).
    await postSigned(url, SECRET, blockActionBody({ ...base, value: signAction(ACTION_SECRET, claims, 60_000) }));
    await slack.waitFor((c) => c.method === 'chat.postMessage' && /PID_REUSED/.test(String(c.args.text)));
    // Not signalled: alive (sleeping, or still running on a loaded machine), not a zombie, not gone.
    expect(['S', 'R']).toContain(stateOf(parentPid));
    expect((await store.listAudit()).find((e) => e.pid === parentPid)?.outcome).toBe('PID_REUSED');
    // The forged and the expired click are in the audit log too, not only in the log file (a forged token's claims are not trusted: no pid).
    const refused = (await store.listAudit()).filter((e) => e.user === 'U0ONCALL' && e.outcome?.startsWith('REFUSED_'));
    expect(refused.map((e) => e.outcome)).toEqual(expect.arrayContaining(['REFUSED_FORGED', 'REFUSED_EXPIRED']));
    expect(refused.find((e) => e.outcome === 'REFUSED_FORGED')).toMatchObject({ pid: 0, node: '', message: expect.stringMatching(/not issued by whystuck/) });
  });

  it('node, pid and sweep questions; a rate-limited post is retried after Retry-After', async () => {
    const pod = createPodCgroup();
    const { parentPid } = await spawnZombies(1, pod);
    await postSigned(url, SECRET, slashCommandBody(`pid node-a ${parentPid}`));
    const pidReply = await slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts !== undefined && JSON.stringify(c.args.blocks ?? '').includes(`under python3 (pid ${parentPid})`));
    expect(allText(pidReply)).toMatch(/node node-a/);

    slack.rateLimitNext('chat.postMessage', 1);
    const t0 = Date.now();
    await postSigned(url, SECRET, mentionEventBody({ text: '<@UBOT> anything in D state on node-a?' }), { contentType: 'application/json' });
    const dReply = await slack.waitFor((c) => c.method === 'chat.postMessage' && /Looking into node node-a/.test(String(c.args.text)));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(slack.calls.some((c) => c.method === 'chat.postMessage (429)')).toBe(true);
    void dReply;

    await postSigned(url, SECRET, slashCommandBody('sweep'));
    const sweepMsg = await slack.waitFor((c) => c.method === 'chat.postMessage' && /Sweep of 2 nodes/.test(String(c.args.text)), 30000);
    expect(sweepMsg.args.text).toMatch(/:warning: \*node-gone\*: the collector on node-gone \(127\.0\.0\.1:9\) is unreachable/);
    // node-a has at least the zombie left by this test (and whatever else its kernel log holds).
    expect(sweepMsg.args.text).toMatch(/:(?:red|large_orange)_circle: \*node-a\*: \S/);
  });

  it('never logs the bot token or the signing secret', () => {
    const all = logLines.join('');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain('xoxb-test-token-do-not-log');
    expect(all).not.toContain(SECRET);
  });
});

async function waitCount(f: () => number, want: number, timeoutMs = 10000): Promise<number> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && f() < want) await new Promise((r) => setTimeout(r, 50));
  return f();
}
