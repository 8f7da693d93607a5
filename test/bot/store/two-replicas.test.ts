import { openPostgresStore } from '../../../bot/src/store/postgres-store';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall } from '../../helpers/bot/fake-slack-api';
import { blockActionBody, mentionEventBody, postSigned, slashCommandBody } from '../../helpers/bot/signed-request';
import { blocksOf } from '../../helpers/bot/test-bot';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnZombies, stateOf, waitFor } from '../../helpers/kernel/processes';
import { startBotReplica, type BotReplica } from '../../helpers/store/bot-replica';
import { postgresAvailable, startPostgres, type PostgresServer } from '../../helpers/store/postgres-server';

/**
 * Two real `whystuck bot` processes in HTTP mode on one PostgreSQL database,
 * as two replicas behind a Service: Slack may deliver a click or a retried
 * event to either, or to both. A real collector signals a real process.
 */
const kernel = cgroupV1Available();
const pg = postgresAvailable();
const why = !kernel.ok ? kernel.reason : !pg.ok ? pg.reason : '';
if (why) process.stderr.write(`two-replica tests skipped: ${why}\n`);

const SECRET = 'test-signing-secret-ha-71c2';
const inThread =
  (threadTs: string) =>
  (c: SlackCall): boolean =>
    c.method === 'chat.postMessage' && c.args.thread_ts === threadTs;

(why ? describe.skip : describe)('two bot replicas on one PostgreSQL database', () => {
  let server: PostgresServer;
  let url: string;
  let harness: Harness;
  let slack: FakeSlackApi;
  let kube: FakeKubeApi;
  const replicas: BotReplica[] = [];

  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('replicas');
    harness = await startHarness({ remediator: { allowHostProcesses: false } });
    slack = await startFakeSlackApi();
    kube = await startFakeKubeApi();
    const tls = harness.clientTls('whystuck-bot');
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-test-ha',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      WHYSTUCK_ACTION_SECRET: '448a48040a3a2ccf877d3e6f8f8625d40126919d4a877f7bd99eeeb2551e7062',
      WHYSTUCK_COLLECTORS: `node-a=${harness.address}`,
      WHYSTUCK_COLLECTOR_TLS_CERT: tls.cert,
      WHYSTUCK_COLLECTOR_TLS_KEY: tls.key,
      WHYSTUCK_COLLECTOR_TLS_CA: tls.ca,
      KUBECONFIG: kube.kubeconfig,
      WHYSTUCK_REMEDIATORS: 'U0ONCALL,U0SRE',
      WHYSTUCK_DATABASE_URL: url,
    };
    // Started together: both run the migrations at start, one after the other under the migration lock.
    replicas.push(...(await Promise.all([startBotReplica(env), startBotReplica(env)])));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await cleanupAll();
    await slack?.close();
    await kube?.close();
    await harness?.close();
    server?.stop();
  });

  it('the same click on both replicas at once sends one signal; the other click is answered with its result; thread context and retried events are shared', async () => {
    const [a, b] = replicas;
    for (const r of replicas) {
      const res = await fetch(r.readyz);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ready: true });
    }

    const pod = createPodCgroup();
    const { parentPid } = await spawnZombies(2, pod);
    kube.addPod({ namespace: 'shop', name: 'web-ha', uid: pod.podUid, nodeName: 'node-a' });
    expect((await postSigned(a.url, SECRET, slashCommandBody('pod web-ha -n shop'))).status).toBe(200);
    const reply = await slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts !== undefined && JSON.stringify(c.args.blocks ?? '').includes(String(parentPid)), 30_000);
    const threadTs = String(reply.args.thread_ts);
    const button = blocksOf(reply)
      .flatMap((bl) => bl.elements ?? [])
      .find((e) => e.action_id?.startsWith('remediate_'))!;
    expect(button.value).toBeDefined();

    // A follow-up reaching the replica that never saw the thread is answered from the stored context.
    await postSigned(b.url, SECRET, mentionEventBody({ text: '<@UBOT> process tree', threadTs }), { contentType: 'application/json' });
    const tree = await slack.waitFor((c) => inThread(threadTs)(c) && String(c.args.text).includes(`${parentPid} S python3`), 20_000);
    expect(tree.args.text).toMatch(/Z python3/);

    // Slack retries an event (same event id) and the copies land on both replicas: answered once.
    const retried = mentionEventBody({ text: `<@UBOT> show the stack of ${parentPid}`, threadTs, eventId: 'EvHaRetry0001' });
    const before = slack.calls.length;
    await Promise.all([a, b, a].map((r) => postSigned(r.url, SECRET, retried, { contentType: 'application/json', headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } })));
    await slack.waitFor((c) => slack.calls.indexOf(c) >= before && inThread(threadTs)(c) && String(c.args.text).includes(`${parentPid} python3 state=S`), 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(slack.calls.slice(before).filter((c) => inThread(threadTs)(c) && String(c.args.text).includes(`${parentPid} python3 state=S`))).toHaveLength(1);

    // The same button, clicked by two people, delivered to both replicas at the same moment.
    const click = (user: string): string => blockActionBody({ user, channel: 'C0INCIDENT', messageTs: String(reply.reply?.ts), threadTs, actionId: button.action_id!, value: button.value! });
    const mark = slack.calls.length;
    const acks = await Promise.all([postSigned(a.url, SECRET, click('U0ONCALL')), postSigned(b.url, SECRET, click('U0SRE'))]);
    expect(acks.map((r) => r.status)).toEqual([200, 200]);
    const done = await slack.waitFor((c) => slack.calls.indexOf(c) >= mark && inThread(threadTs)(c) && /SIGNALLED/.test(String(c.args.text)), 30_000);
    const refused = await slack.waitFor((c) => slack.calls.indexOf(c) >= mark && c.method === 'chat.postEphemeral' && /^Already (done|being handled)/.test(String(c.args.text)), 30_000);
    await waitFor(() => stateOf(parentPid) === undefined, "the zombies' parent to exit after SIGTERM");
    await new Promise((r) => setTimeout(r, 1000));

    const after = slack.calls.slice(mark);
    const sending = after.filter((c) => inThread(threadTs)(c) && /is sending SIGTERM/.test(String(c.args.text)));
    expect(sending).toHaveLength(1);
    expect(after.filter((c) => inThread(threadTs)(c) && /SIGNALLED/.test(String(c.args.text)))).toEqual([done]);
    const winner = /^<@(U0ONCALL|U0SRE)> is sending/.exec(String(sending[0].args.text))![1];
    const loser = winner === 'U0ONCALL' ? 'U0SRE' : 'U0ONCALL';
    // The second click waited for the first one's result row and answers with it.
    expect(refused.args.user).toBe(loser);
    expect(refused.args.text).toMatch(new RegExp(`^Already done: <@${winner}> sent SIGTERM to ${parentPid} at \\S+ \\(audit #\\d+\\) — SIGNALLED`));

    const store = await openPostgresStore({ url });
    try {
      const rows = (await store.listAudit(100)).filter((r) => r.pid === parentPid);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ user: winner, signal: 'SIGTERM', node: 'node-a', podUid: pod.podUid, outcome: 'SIGNALLED', path: 'collector' });
      expect(rows[0].finishedAt).toBeDefined();
      expect(store.migrated).toEqual([]);
    } finally {
      await store.close();
    }
    for (const r of replicas) expect(r.log()).not.toContain(new URL(url).password);

    // Readiness follows the store: with the database gone, neither replica takes traffic.
    server.stop();
    for (const r of replicas) {
      const res = await fetch(r.readyz);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ ready: false });
      // Why goes to its log.
      await waitFor(() => /"store":\{"kind":"postgres","status":"unavailable"[^\n]*"msg":"not ready"/.test(r.log()), 'the replica to log why it is not ready');
    }
  }, 120_000);
});
