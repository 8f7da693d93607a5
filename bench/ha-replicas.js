'use strict';
// Issue 8 benchmark: 50 questions asked at the same moment, split across two
// `whystuck bot` replicas (separate processes, from the sources) sharing one
// PostgreSQL database (a real server started on 127.0.0.1 for the run), on a
// node with 10,000 threads and a real collector process (loopback). Each
// question is a signed `/whystuck pod` whose thread context is written to the
// store before the reply. For the ratio, the same 50 on one replica with the
// embedded SQLite store, in the same run.
// Targets (issue 4, kept under load): reply p50 <= 300 ms, p95 <= 600 ms; ack p95 <= 100 ms.
require('./ts-hook');
const { join } = require('node:path');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { median, spawnThreads, startCollector } = require('./lib');

const root = join(__dirname, '..');
const req = (p) => require(join(root, p));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };
const QUESTIONS = 50;
const ROUNDS = 4; // the first warms the replicas, the collector and the database

module.exports = async function haReplicasBench() {
  const { startFakeSlackApi } = req('test/helpers/bot/fake-slack-api.ts');
  const { startFakeKubeApi } = req('test/helpers/bot/fake-kube-api.ts');
  const { postSigned, slashCommandBody } = req('test/helpers/bot/signed-request.ts');
  const { createPodCgroup } = req('test/helpers/kernel/pod-cgroup.ts');
  const { spawnZombies } = req('test/helpers/kernel/processes.ts');
  const { cleanupAll } = req('test/helpers/kernel/cleanup.ts');
  const { startPostgres } = req('test/helpers/store/postgres-server.ts');
  const { startBotReplica } = req('test/helpers/store/bot-replica.ts');

  const secret = 'bench-ha-signing-secret';
  const threads = await spawnThreads(10000);
  const collector = await startCollector();
  const slack = await startFakeSlackApi();
  const kube = await startFakeKubeApi();
  const pg = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-bench-ha-'));
  const replicas = [];
  try {
    const pod = createPodCgroup();
    await spawnZombies(3, pod);
    for (let i = 0; i < QUESTIONS; i++) kube.addPod({ namespace: 'shop', name: `web-${i}`, uid: pod.podUid, nodeName: 'node-a' });
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.url,
      WHYSTUCK_COLLECTORS: `node-a=${collector.address}`, WHYSTUCK_COLLECTOR_INSECURE: '1', KUBECONFIG: kube.kubeconfig,
    };

    /** One round: QUESTIONS slash commands at once, spread over `urls`; per question the time to its diagnosis reply. */
    async function round(urls) {
      const mark = slack.calls.length;
      const sent = Array.from({ length: QUESTIONS }, (_, i) => {
        const t0 = performance.now();
        const ack = postSigned(urls[i % urls.length], secret, slashCommandBody(`pod web-${i} -n shop`));
        const reply = slack.waitFor((c) => slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === undefined && new RegExp(`shop/web-${i}\\b`).test(String(c.args.text)), 60000)
          .then((rootMsg) => slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === rootMsg.reply.ts && Array.isArray(c.args.blocks), 60000))
          .then(() => performance.now() - t0);
        return Promise.all([ack, reply]);
      });
      const results = await Promise.all(sent);
      return { acks: results.map(([a]) => a.ms), replies: results.map(([, r]) => r) };
    }

    async function measure(urls) {
      const acks = [];
      const replies = [];
      for (let r = 0; r < ROUNDS; r++) {
        const got = await round(urls);
        if (r === 0) continue;
        acks.push(...got.acks);
        replies.push(...got.replies);
      }
      return { acks, replies };
    }

    // Baseline: one replica, embedded SQLite.
    const single = await startBotReplica({ ...env, WHYSTUCK_DB: join(dir, 'single.db') });
    replicas.push(single);
    const one = await measure([single.url]);
    await single.stop();

    // Two replicas on one PostgreSQL database.
    const url = await pg.createDatabase('bench_ha');
    const pair = await Promise.all([startBotReplica({ ...env, WHYSTUCK_DATABASE_URL: url }), startBotReplica({ ...env, WHYSTUCK_DATABASE_URL: url })]);
    replicas.push(...pair);
    const two = await measure(pair.map((r) => r.url));
    const stored = (await pg.sql('SELECT count(*)::int AS n, avg(length(data))::int AS bytes FROM threads', url))[0];

    const p50 = median(two.replies);
    const p95 = pct(two.replies, 95);
    const ack95 = pct(two.acks, 95);
    return {
      name: `HA: ${QUESTIONS} concurrent questions across two replicas on PostgreSQL (10,000 threads, real collector)`,
      ok: p50 <= 300 && p95 <= 600 && ack95 <= 100,
      figures: {
        'threads on the node': threads.threads,
        'questions measured (rounds of 50 at once)': `${two.replies.length} (${ROUNDS - 1} rounds after a warm-up)`,
        'two replicas, PostgreSQL: reply p50 (ms, target <= 300)': p50.toFixed(0),
        'two replicas, PostgreSQL: reply p95 (ms, target <= 600)': p95.toFixed(0),
        'two replicas, PostgreSQL: ack p95 / max (ms, target <= 100)': `${ack95.toFixed(0)} / ${Math.max(...two.acks).toFixed(0)}`,
        'one replica, SQLite: reply p50 / p95 (ms)': `${median(one.replies).toFixed(0)} / ${pct(one.replies, 95).toFixed(0)}`,
        'one replica, SQLite: ack p95 (ms)': pct(one.acks, 95).toFixed(0),
        'p95 two replicas / one replica': (p95 / pct(one.replies, 95)).toFixed(2),
        'thread contexts in PostgreSQL (count, average bytes)': `${stored.n}, ${stored.bytes}`,
      },
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await cleanupAll();
    await slack.close();
    await kube.close();
    pg.stop();
    collector.stop();
    threads.kill();
    rmSync(dir, { recursive: true, force: true });
  }
};
