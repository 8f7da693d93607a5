'use strict';
// Issue 8 benchmark: 50 questions asked at the same moment, split across two
// `whystuck bot` replicas (separate processes, from the sources) sharing one
// PostgreSQL database (a real server started on 127.0.0.1 for the run). Each
// question is a signed `/whystuck pod` about a different pod on a different
// node, as in a cluster; the 50 nodes' collectors are served by this process
// on 50 loopback ports with a snapshot recorded from a real collector on this
// node (10,000 threads, a zombie pod), each node's with its own hostname and
// its kernel log's records under sequence numbers of its own (so nothing read
// for one node is reused for another, as with real nodes). The bot
// side is all real: Kubernetes lookup (fake API), gRPC, decoding, diagnosis,
// Block Kit, the thread context written to the store before the reply, Slack
// (fake API). In the same run, for the ratios: the same 50 on one replica
// with the embedded SQLite store, and the 50 all about one node, whose single
// real collector answers them from coalesced snapshots (issue 17: the incident
// load; the bot reads the node's kernel log once per snapshot, not per question).
// Targets (issue 8: the p95 targets of issue 4 under 50 at once): reply p95 <= 600 ms, ack p95 <= 100 ms;
// issue 17: the 50 about one node, reply p95 <= 600 ms.
// (Issue 4 also has p50 <= 300 ms for one question at a time; printed for reference.)
require('./ts-hook');
const { join } = require('node:path');
const { mkdtempSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const { loadavg, tmpdir } = require('node:os');
const pino = require('pino');
const { median, spawnThreads, startCollector, cpuTicks, gateCounts } = require('./lib');

const root = join(__dirname, '..');
const req = (p) => require(join(root, p));
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const QUESTIONS = 50;
const ROUNDS = 4; // the first warms the replicas and the database

module.exports = async function haReplicasBench() {
  const load0 = loadavg()[0];
  const { startFakeSlackApi } = req('test/helpers/bot/fake-slack-api.ts');
  const { startFakeKubeApi } = req('test/helpers/bot/fake-kube-api.ts');
  const { postSigned, slashCommandBody } = req('test/helpers/bot/signed-request.ts');
  const { createPodCgroup } = req('test/helpers/kernel/pod-cgroup.ts');
  const { spawnZombies } = req('test/helpers/kernel/processes.ts');
  const { cleanupAll } = req('test/helpers/kernel/cleanup.ts');
  const { startPostgres } = req('test/helpers/store/postgres-server.ts');
  const { startBotReplica } = req('test/helpers/store/bot-replica.ts');
  const { createCollectorClient } = req('collector/src/grpc/client.ts');
  const { createCollectorServer } = req('collector/src/grpc/server.ts');
  const { serverCredentials } = req('collector/src/grpc/tls.ts');
  const { snapshotCodec } = req('collector/src/proto/snapshot-codec.ts');

  const secret = 'bench-ha-signing-secret';
  const threads = await spawnThreads(10000);
  const collector = await startCollector(['--metrics-listen', '127.0.0.1:0']);
  const slack = await startFakeSlackApi();
  const kube = await startFakeKubeApi();
  const pg = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-bench-ha-'));
  const replicas = [];
  const fakes = [];
  try {
    const pod = createPodCgroup();
    await spawnZombies(3, pod);
    const client = createCollectorClient({ address: collector.address, deadlineMs: 20000, retries: 0 });
    const recorded = await client.snapshot({ pod_uid: pod.podUid });
    client.close();
    if (recorded.status !== 'ok') throw new Error(`could not record a snapshot: ${recorded.message}`);
    const logger = pino({ level: 'silent' });
    const addresses = [`node-a=${collector.address}`];
    for (let i = 0; i < QUESTIONS; i++) {
      // Each node its own: its hostname, and a kernel log of its own (the recorded records under sequence numbers
      // of their own, so no two nodes' records are the same bytes) — nothing one node's answer read is reused for
      // another's, as with real nodes.
      const own = {
        ...recorded.value,
        node: { ...recorded.value.node, hostname: `node-${i}` },
        kmsg: (recorded.value.kmsg ?? []).map((r) => ({ ...r, seq: String(Number(r.seq) + (i + 1) * 1e7) })),
      };
      const bytes = snapshotCodec().encode(own);
      const server = createCollectorServer({
        snapshotter: {
          snapshot: async () => own,
          snapshotBytes: async () => ({ bytes, taskCount: own.tasks.length, durationMs: 0, problemCount: 0 }),
          reader: undefined,
          close: async () => undefined,
        },
        remediator: { remediate: async () => ({}) },
        remediationClients: [],
        logger,
        // 50 nodes' collectors in this one process: no full collection of the whole process per snapshot.
        releaseMemory: false,
      });
      const port = await server.listen('127.0.0.1:0', serverCredentials('127.0.0.1', undefined, true));
      fakes.push(server);
      addresses.push(`node-${i}=127.0.0.1:${port}`);
      kube.addPod({ namespace: 'shop', name: `web-${i}`, uid: pod.podUid, nodeName: `node-${i}` });
      kube.addPod({ namespace: 'one', name: `web-${i}`, uid: pod.podUid, nodeName: 'node-a' });
    }
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: secret,
      SLACK_API_URL: slack.url,
      WHYSTUCK_ACTION_SECRET: 'CGpGneNElqrABSm0yssXtsOJI2u+aHz33O/A9lHJS81GCJqiMZpGCoTZbp/TJ2fg',
      WHYSTUCK_COLLECTORS: addresses.join(','),
      WHYSTUCK_COLLECTOR_INSECURE: '1',
      KUBECONFIG: kube.kubeconfig,
    };

    /** One round: QUESTIONS slash commands at once, spread over `urls`; per question the time to its diagnosis reply. */
    async function round(urls, namespace) {
      // Each call looked at once as it arrives: question i's root message names its pod; its reply is the
      // message with blocks in that root's thread.
      const done = new Array(QUESTIONS);
      const rootOf = new Map(); // root message ts -> question
      const named = new RegExp(`${namespace}/web-(\\d+)\\b`);
      const stop = slack.onCall((c) => {
        if (c.method !== 'chat.postMessage') return;
        if (c.args.thread_ts === undefined) {
          const m = named.exec(String(c.args.text));
          if (m && c.reply?.ts && done[Number(m[1])]) rootOf.set(c.reply.ts, Number(m[1]));
          return;
        }
        const i = rootOf.get(c.args.thread_ts);
        if (i !== undefined && Array.isArray(c.args.blocks)) {
          rootOf.delete(c.args.thread_ts);
          done[i]();
        }
      });
      const fail = [];
      const timer = setTimeout(() => fail.forEach((f, i) => f(new Error(`no reply to question ${i} within 120 s`))), 120000);
      const sent = Array.from({ length: QUESTIONS }, (_, i) => {
        const t0 = performance.now();
        const reply = new Promise((resolve, reject) => {
          done[i] = resolve;
          fail[i] = reject;
        }).then(() => performance.now() - t0);
        const ack = postSigned(urls[i % urls.length], secret, slashCommandBody(`pod web-${i} -n ${namespace}`));
        return Promise.all([ack, reply]);
      });
      const results = await Promise.all(sent).finally(() => {
        stop();
        clearTimeout(timer);
      });
      return { acks: results.map(([a]) => a.ms), replies: results.map(([, r]) => r) };
    }

    async function measure(urls, namespace, rounds = ROUNDS, warmed = () => undefined) {
      const acks = [];
      const replies = [];
      for (let r = 0; r < rounds; r++) {
        const got = await round(urls, namespace);
        if (r === 0) {
          warmed();
          continue;
        }
        acks.push(...got.acks);
        replies.push(...got.replies);
      }
      return { acks, replies };
    }

    // Baseline: one replica, embedded SQLite.
    const single = await startBotReplica({ ...env, WHYSTUCK_DB: join(dir, 'single.db') });
    replicas.push(single);
    const one = await measure([single.url], 'shop');
    await single.stop();

    // Two replicas on one PostgreSQL database.
    const url = await pg.createDatabase('bench_ha');
    // BENCH_CPU_PROF=DIR: both replicas write a V8 CPU profile there when they exit (cpu-prof-hook.js: NODE_OPTIONS refuses --cpu-prof).
    const prof = process.env.BENCH_CPU_PROF ? { NODE_OPTIONS: `--require ${join(__dirname, 'cpu-prof-hook.js')}`, BENCH_CPU_PROF: process.env.BENCH_CPU_PROF } : {};
    const pair = await Promise.all([startBotReplica({ ...env, ...prof, WHYSTUCK_DATABASE_URL: url }), startBotReplica({ ...env, ...prof, WHYSTUCK_DATABASE_URL: url })]);
    replicas.push(...pair);
    // CPU (ticks of 10 ms) of the collector and both replicas: over the 50-nodes rounds, then over the same-node rounds.
    // …and of this process (the fake APIs, the 50 fake collectors, signing) and of PostgreSQL (the server and its backends).
    const pgPids = () => {
      const pids = readdirSync('/proc')
        .filter((n) => /^\d+$/.test(n))
        .map(Number);
      const cmd = (pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ');
        } catch {
          return '';
        }
      };
      const ppid = (pid) => {
        try {
          const st = readFileSync(`/proc/${pid}/stat`, 'latin1');
          return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
        } catch {
          return 0;
        }
      };
      const master = pids.find((pid) => /postgres/.test(cmd(pid)) && cmd(pid).includes(`-p ${pg.port}`));
      return master ? [master, ...pids.filter((pid) => ppid(pid) === master)] : [];
    };
    const ticks = (pid) => {
      try {
        return cpuTicks(pid);
      } catch {
        return 0;
      }
    };
    const selfMs = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const cpuOf = () => [collector.pid, ...pair.map((r) => r.pid)].map((pid) => cpuTicks(pid)).concat([selfMs() / 10, pgPids().reduce((n, pid) => n + ticks(pid), 0)]);
    let cpuTwo0 = [];
    const two = await measure(
      pair.map((r) => r.url),
      'shop',
      ROUNDS,
      () => {
        cpuTwo0 = cpuOf();
      },
    );
    const twoCpu = cpuOf().map((t, k) => ((t - cpuTwo0[k]) * 10) / (QUESTIONS * (ROUNDS - 1)));
    const cpu0 = cpuOf();
    const gate0 = await gateCounts(collector.metrics);
    const sameNode = await measure(
      pair.map((r) => r.url),
      'one',
    );
    const sameCpu = cpuOf().map((t, k) => ((t - cpu0[k]) * 10) / (QUESTIONS * ROUNDS));
    const gate1 = await gateCounts(collector.metrics);
    const gateDelta = (what) => (gate1[what] ?? 0) - (gate0[what] ?? 0);
    const stored = (await pg.sql('SELECT count(*)::int AS n, avg(length(data))::int AS bytes FROM threads', url))[0];

    const p50 = median(two.replies);
    const p95 = pct(two.replies, 95);
    const ack95 = pct(two.acks, 95);
    return {
      name: `HA: ${QUESTIONS} questions at once across two replicas on PostgreSQL (50 pods on 50 nodes; snapshot of a 10,000-thread node)`,
      ok: p95 <= 600 && ack95 <= 100 && pct(sameNode.replies, 95) <= 600, // issue 8: the p95 targets hold under 50 at once; issue 17: also about one node
      figures: {
        'threads on the node the snapshot was recorded on': threads.threads,
        'questions measured': `${two.replies.length} (${ROUNDS - 1} rounds of ${QUESTIONS} at once, after a warm-up round)`,
        'two replicas, PostgreSQL: reply p50 (ms; one question alone: <= 300)': p50.toFixed(0),
        'two replicas, PostgreSQL: reply p95 (ms, target <= 600)': p95.toFixed(0),
        'two replicas, PostgreSQL: ack p95 / max (ms, target <= 100)': `${ack95.toFixed(0)} / ${Math.max(...two.acks).toFixed(0)}`,
        'one replica, SQLite: reply p50 / p95 (ms)': `${median(one.replies).toFixed(0)} / ${pct(one.replies, 95).toFixed(0)}`,
        'one replica, SQLite: ack p95 (ms)': pct(one.acks, 95).toFixed(0),
        'p95 two replicas / one replica': (p95 / pct(one.replies, 95)).toFixed(2),
        'incident load, all 50 about one node (its real collector): reply p50 / p95 (ms, target p95 <= 600)': `${median(sameNode.replies).toFixed(0)} / ${pct(sameNode.replies, 95).toFixed(0)}`,
        'incident load: snapshots the collector took / Snapshot calls it got (coalesced there) for the questions': `${gateDelta('started')} / ${gateDelta('admitted')} (${gateDelta('coalesced')}) for ${QUESTIONS * ROUNDS}`,
        'incident load: CPU per question, collector / replica 1 / replica 2 (ms, warm-up round included)': sameCpu
          .slice(0, 3)
          .map((ms) => ms.toFixed(1))
          .join(' / '),
        'incident load: CPU per question, this process (fake APIs) / PostgreSQL (ms)': sameCpu
          .slice(3)
          .map((ms) => ms.toFixed(1))
          .join(' / '),
        '50 nodes, two replicas: CPU per question, replica 1 / replica 2 / this process (50 fake collectors, fake APIs) / PostgreSQL (ms, after the warm-up round)': twoCpu
          .slice(1)
          .map((ms) => ms.toFixed(1))
          .join(' / '),
        'load average at the start / at the end (1 min)': `${load0.toFixed(1)} / ${loadavg()[0].toFixed(1)}`,
        'thread contexts in PostgreSQL (count, average bytes)': `${stored.n}, ${stored.bytes}`,
      },
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    for (const f of fakes) await f.shutdown(100);
    await cleanupAll();
    await slack.close();
    await kube.close();
    pg.stop();
    collector.stop();
    threads.kill();
    rmSync(dir, { recursive: true, force: true });
  }
};
