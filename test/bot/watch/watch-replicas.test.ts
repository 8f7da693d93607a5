import { shardOfNode } from '../../../bot/src/watch/shard-leases';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall } from '../../helpers/bot/fake-slack-api';
import { allText } from '../../helpers/bot/test-bot';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup, type PodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnZombies, waitFor } from '../../helpers/kernel/processes';
import { startBotReplica, type BotReplica } from '../../helpers/store/bot-replica';
import { postgresAvailable, startPostgres, type PostgresServer } from '../../helpers/store/postgres-server';

/**
 * Watch mode on two real `whystuck bot` processes sharing one PostgreSQL
 * database, split by Leases on the fake Kubernetes API; three real collectors
 * act as three nodes (on one machine: each sees the same pods, and alerts
 * them as its own node's). One replica is killed mid-stream.
 */
const kernel = cgroupV1Available();
const pg = postgresAvailable();
const why = !kernel.ok ? kernel.reason : !pg.ok ? pg.reason : '';
if (why) process.stderr.write(`watch replica tests skipped: ${why}\n`);

const CHANNEL = 'C0ALERTS';
const NS = 'whystuck';
const SHARDS = 4;
const NODES = ['node-a', 'node-b', 'node-c'];

/** A parent in the pod that does not reap, its zombies growing: 3, then 2 more after 1.2 s. */
async function zombieGrowth(pod: PodCgroup): Promise<void> {
  await spawnZombies(3, pod);
  await new Promise((r) => setTimeout(r, 1200));
  await spawnZombies(2, pod);
}

(why ? describe.skip : describe)('watch mode across two replicas with Kubernetes Leases', () => {
  let server: PostgresServer;
  let slack: FakeSlackApi;
  let kube: FakeKubeApi;
  const harnesses: Harness[] = [];
  const replicas = new Map<string, BotReplica>();

  const alerts = (podUid: string, node: string): SlackCall[] =>
    slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === CHANNEL && c.args.thread_ts === undefined && allText(c).includes(podUid) && allText(c).includes(`node *${node}*`));
  const holders = (): Map<number, string | undefined> => {
    const t = Date.now();
    return new Map(
      kube
        .leases(NS)
        .filter((l) => l.metadata.name.startsWith('whystuck-watch-shard-'))
        .map((l) => {
          const live = l.spec.holderIdentity && new Date(l.spec.renewTime ?? 0).getTime() + (l.spec.leaseDurationSeconds ?? 0) * 1000 > t;
          return [Number(l.metadata.name.split('-').pop()), live ? l.spec.holderIdentity : undefined];
        }),
    );
  };

  beforeAll(async () => {
    server = await startPostgres();
    const url = await server.createDatabase('watchreplicas');
    for (let i = 0; i < NODES.length; i++) {
      const h = await startHarness({ nodeName: NODES[i], watch: { observeMs: 500, kmsgPollMs: 100, thresholds: { zombies: 2, persistMs: 500 } } });
      h.watcher!.start();
      harnesses.push(h);
    }
    slack = await startFakeSlackApi();
    kube = await startFakeKubeApi();
    const tls = harnesses[0].clientTls('whystuck-bot');
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-test-watch-ha',
      SLACK_SIGNING_SECRET: 'test-signing-secret-watch-ha',
      SLACK_API_URL: slack.url,
      WHYSTUCK_ACTION_SECRET: 'T1ni5IkZLioAEB2n25fmBxgkKkBQJm6gTuTLW269PsJVvxMtPhBRhw/1u6Lqv8dg',
      WHYSTUCK_COLLECTORS: NODES.map((n, i) => `${n}=${harnesses[i].address}`).join(','),
      WHYSTUCK_COLLECTOR_TLS_CERT: tls.cert,
      WHYSTUCK_COLLECTOR_TLS_KEY: tls.key,
      WHYSTUCK_COLLECTOR_TLS_CA: tls.ca,
      KUBECONFIG: kube.kubeconfig,
      POD_NAMESPACE: NS,
      WHYSTUCK_DATABASE_URL: url,
      WHYSTUCK_ALERT_CHANNEL: CHANNEL,
      WHYSTUCK_ALERT_RATE_LIMIT: 'off',
      WHYSTUCK_ALERT_RESOLVE_AFTER_MINUTES: '60',
      WHYSTUCK_WATCH_MAX_AGE_MINUTES: '0.05', // the kernel ring's older reports (other tests' OOM kills) are not alerted
      WHYSTUCK_WATCH_SHARDS: String(SHARDS),
      WHYSTUCK_WATCH_LEASE_SECONDS: '2',
    };
    const [a, b] = await Promise.all([startBotReplica({ ...env, POD_NAME: 'bot-a' }), startBotReplica({ ...env, POD_NAME: 'bot-b' })]);
    replicas.set('bot-a', a).set('bot-b', b);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([...replicas.values()].map((r) => r.stop()));
    await cleanupAll();
    await slack?.close();
    await kube?.close();
    for (const h of harnesses) await h.close();
    server?.stop();
  });

  it('the replicas split the shards; one killed mid-stream, the other takes its shards over within seconds and the alerts continue with no gap and no duplicate', async () => {
    // Both hold their fair share: 2 of 4 shards each.
    await waitFor(
      () => {
        const h = [...holders().values()];
        return h.length === SHARDS && h.filter((x) => x === 'bot-a').length === 2 && h.filter((x) => x === 'bot-b').length === 2;
      },
      'the shards split two and two',
      30_000,
    );
    const owner = holders().get(shardOfNode('node-a', SHARDS))!;
    const survivor = owner === 'bot-a' ? 'bot-b' : 'bot-a';
    // Each replica streams from the nodes of its shards only.
    await waitFor(
      () =>
        NODES.every((n) =>
          /"msg":"watching"/.test(
            replicas
              .get(holders().get(shardOfNode(n, SHARDS))!)!
              .log()
              .split('\n')
              .filter((l) => l.includes(`"node":"${n}"`))
              .join('\n'),
          ),
        ),
      "each node watched by its shard's holder",
      30_000,
    );
    // The one that started first watched everything for a moment and stopped what it gave back.
    const lastAbout = (log: string, node: string): string | undefined =>
      log
        .split('\n')
        .filter((l) => l.includes(`"node":"${node}"`) && /"msg":"(watching|node's shard not held here any more: watch stopped)"/.test(l))
        .pop();
    await waitFor(
      () =>
        NODES.every((n) => {
          const notOwner = holders().get(shardOfNode(n, SHARDS)) === 'bot-a' ? 'bot-b' : 'bot-a';
          const last = lastAbout(replicas.get(notOwner)!.log(), n);
          return last === undefined || last.includes('watch stopped');
        }),
      'each node watched by one replica only',
      10_000,
    );

    // Zombies in a pod: every node reports them, one alert per node.
    const pod1 = createPodCgroup();
    await zombieGrowth(pod1);
    for (const n of NODES) await slack.waitFor((c) => alerts(pod1.podUid, n).includes(c), 30_000);

    // The replica watching node-a dies (SIGKILL: no lease released), and a new problem starts at once.
    // Not in the instant between posting an alert and recording it: a crash there can leave a second
    // alert (chat.postMessage has no idempotency key; see the README's limits).
    // (The log names the incident by its message ts: incident keys are redacted with the other secrets.)
    const recorded = (n: string): boolean =>
      alerts(pod1.podUid, n).some((c) =>
        replicas
          .get(owner)!
          .log()
          .split('\n')
          .some((l) => l.includes('alert posted') && l.includes(`"ts":"${String(c.reply?.ts)}"`)),
      );
    await waitFor(() => NODES.filter((n) => holders().get(shardOfNode(n, SHARDS)) === owner).every(recorded), 'the owner to record its alerts', 10_000);
    await replicas.get(owner)!.kill();
    const killedAt = Date.now();
    const pod2 = createPodCgroup();
    // The new zombies grow while the shards change hands: setting them up is not counted as takeover time.
    const growing = zombieGrowth(pod2);
    await waitFor(() => [...holders().values()].every((h) => h === survivor), 'the survivor holds every shard', 15_000);
    const takeoverMs = Date.now() - killedAt;
    await growing;
    expect(takeoverMs).toBeLessThan(8000); // lease 2 s, renewed every 0.4 s
    expect(replicas.get(survivor)!.log()).toMatch(/watch shard taken/);
    for (const n of NODES) await slack.waitFor((c) => alerts(pod2.podUid, n).includes(c), 30_000);

    // And after: a third problem, handled by the survivor alone.
    const pod3 = createPodCgroup();
    await zombieGrowth(pod3);
    for (const n of NODES) await slack.waitFor((c) => alerts(pod3.podUid, n).includes(c), 30_000);

    await new Promise((r) => setTimeout(r, 3000)); // anything replayed twice would have been posted by now
    for (const pod of [pod1, pod2, pod3]) for (const n of NODES) expect([pod.podUid, n, alerts(pod.podUid, n).length]).toEqual([pod.podUid, n, 1]);
  }, 180_000);
});
