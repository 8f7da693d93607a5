'use strict';
// Issue 7 benchmark: watch mode, on this machine's kernel.
// 1. Kernel event to Slack message: a real memcg OOM kill in a pod cgroup (32 MiB limit, a python3
//    that allocates 256 MiB), read from /dev/kmsg by the collector process (bin/whystuck-collector,
//    as deployed, default flags), streamed over Watch to the bot (the real Bolt app and watch mode,
//    SQLite store) and posted to a fake Slack Web API. Clock starts when the victim's exit is seen
//    (the kernel logs the kill just before); stops when chat.postMessage reaches Slack. Target <= 1 s.
// 2. The collector's CPU with watch enabled (kernel log read every 250 ms, a look at the tasks every
//    10 s) and the bot's Watch stream open, on this idle node: utime+stime from /proc/PID/stat over
//    20 s, after 15 s of warm-up. Target < 1% of a core.
require('./ts-hook');
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const pino = require('pino');
const { median, cpuTicks, startCollector, countThreads } = require('./lib');

const root = join(__dirname, '..');
const req = (p) => require(join(root, p));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const RUNS = 10;
const IDLE_S = 20;
const WARM_S = 15;

/** Resolves once `calls` has had no new entry for `quietMs`. */
async function settled(calls, quietMs) {
  let n = -1;
  while (n !== calls.length) {
    n = calls.length;
    await sleep(quietMs);
  }
}

module.exports = async function watchBench() {
  const { startFakeSlackApi } = req('test/helpers/bot/fake-slack-api.ts');
  const { createPodCgroup } = req('test/helpers/kernel/pod-cgroup.ts');
  const { cleanupAll } = req('test/helpers/kernel/cleanup.ts');
  const { spawnOomVictim } = req('test/helpers/kernel/oom-kill.ts');
  const { loadConfig } = req('bot/src/config/index.ts');
  const { createSlackApp } = req('bot/src/slack/create-slack-app.ts');
  const { createCollectorPool } = req('bot/src/nodes/collector-pool.ts');
  const { openSqliteStore } = req('bot/src/store/sqlite-store.ts');
  const { createWatchMode } = req('bot/src/watch/start-watch-mode.ts');
  const { createBotMetrics } = req('bot/src/metrics/bot-metrics.ts');

  const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const collector = await startCollector();
  const slack = await startFakeSlackApi();
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-bench-watch-'));
  const store = openSqliteStore(join(dir, 'store.db'));
  let bot;
  let watch;
  let pool;
  try {
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: 'bench',
      SLACK_API_URL: slack.url,
      WHYSTUCK_COLLECTORS: `node-a=${collector.address}`,
      WHYSTUCK_COLLECTOR_INSECURE: '1',
      WHYSTUCK_ALERT_CHANNEL: 'C0ALERTS',
      WHYSTUCK_ALERT_RATE_LIMIT: 'off',
    };
    const config = loadConfig(env, undefined);
    const logger = pino({ level: 'silent' });
    const metrics = createBotMetrics();
    pool = createCollectorPool({ addresses: config.collectors, insecure: true, deadlineMs: 20000 });
    const kube = { getPod: async (ns, name) => ({ status: 'not-found', message: `pod ${ns}/${name} does not exist` }) };
    bot = createSlackApp({ config, logger, store, kube, collectors: pool, actionSecret: 'bench', metrics });
    await bot.start(0);
    watch = createWatchMode({ watch: config.watch, collectors: pool, store, client: bot.client, conversation: bot.conversation, oncallGroups: new Map(), metrics, logger });
    await watch.start();
    await sleep(1000);
    await settled(slack.calls, 2000); // the first connection's replay of the kernel ring
    await sleep(WARM_S * 1000); // past the collector's start (module loading, JIT) and the replay's snapshots

    // Idle: nothing happens on the node, the stream stays open.
    const before = cpuTicks(collector.pid);
    await sleep(IDLE_S * 1000);
    const idlePct = ((cpuTicks(collector.pid) - before) / hz / IDLE_S) * 100;

    const latencies = [];
    for (let i = 0; i < RUNS; i++) {
      const pod = createPodCgroup({ memoryLimitBytes: 32 * 1024 * 1024 });
      const posted = slack
        .waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === undefined && JSON.stringify(c.args.blocks ?? '').includes(pod.podUid), 10000)
        .then(() => performance.now());
      const { signal, exitedAt: at } = await spawnOomVictim(pod);
      if (signal !== 'SIGKILL') throw new Error(`the OOM victim exited with ${signal}, not SIGKILL: is the memory cgroup limit applied?`);
      latencies.push((await posted) - at);
      await settled(slack.calls, 500); // its thread's diagnosis, before the next kill
      await cleanupAll();
    }
    const p50 = median(latencies);
    const max = Math.max(...latencies);
    return {
      name: 'watch mode: kernel event to Slack alert; collector CPU with watch on an idle node',
      figures: {
        'memcg OOM kill in a pod -> alert posted, runs': RUNS,
        'memcg OOM kill -> alert posted, median ms (target <= 1000)': +p50.toFixed(1),
        'memcg OOM kill -> alert posted, max ms': +max.toFixed(1),
        threads_on_node: countThreads(),
        [`collector CPU with watch on, idle ${IDLE_S} s, % of a core (target < 1)`]: +idlePct.toFixed(2),
      },
      ok: max <= 1000 && idlePct < 1,
    };
  } finally {
    await watch?.stop();
    await bot?.stop();
    pool?.close();
    await slack.close();
    await store.close();
    collector.stop();
    await cleanupAll();
    rmSync(dir, { recursive: true, force: true });
  }
};
