import { createLogger, startMetricsServer } from '../../../collector/src';
import { collectorPoolFromConfig } from '../nodes/pool-from-config';
import { describeSshFallback } from '../nodes/ssh-fallback';
import { checkConfigFiles, ConfigError, describeActionKey, describeReadAccess, describeWatch, loadConfig, requireActionKey, type BotConfig, type Env } from '../config';
import { createPagerDuty } from '../escalation/pagerduty';
import { createKubeLookup } from '../kube/pod-lookup';
import { createSlackApp } from '../slack/create-slack-app';
import { checkStore } from '../store/check-store';
import { StoreError } from '../store/errors';
import { openStore } from '../store/open-store';
import { startUnfinishedIntentSweeps } from '../conversation/unfinished-intents';
import { sshFallbackFromConfig } from '../nodes/ssh-fallback';
import { createPodNames } from '../kube/pod-names';
import { createBotMetrics } from '../metrics/bot-metrics';
import { createWatchMode, type WatchShards } from '../watch/start-watch-mode';
import { watchShardsFrom } from '../watch/watch-shards-config';
import type { WatchManager } from '../watch/watch-manager';

export const BOT_USAGE = `usage: whystuck bot
  The Slack bot. HTTP mode (signed requests on /slack/events, port from PORT)
  unless SLACK_APP_TOKEN is set (Socket Mode, development, one replica).
  Needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and WHYSTUCK_ACTION_SECRET (the
  key that signs remediation buttons: \`openssl rand -base64 48\`); see
  \`whystuck config check\`.`;

/** `whystuck config check`: loads and validates every setting, checks the files, prints a summary and every setting without secrets, and tries the store. */
export async function runConfigCheck(env: Env, out: { write(s: string): unknown }, err: { write(s: string): unknown }): Promise<number> {
  try {
    const c = loadConfig(env);
    const problems: string[] = [];
    try {
      checkConfigFiles(c, { certificates: true });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(e.message);
    }
    const store = await checkStore({ databaseUrl: c.databaseUrl, migrateUrl: c.databaseMigrateUrl, sqlitePath: c.db });
    if (store.problem) problems.push(store.problem);
    if (!c.slack.botToken) problems.push('SLACK_BOT_TOKEN is not set (xoxb-…): the bot cannot post');
    if (!c.slack.signingSecret && !c.slack.appToken) problems.push('SLACK_SIGNING_SECRET is not set: HTTP mode cannot verify requests (or set SLACK_APP_TOKEN for Socket Mode)');
    if (!c.collectorTls && !c.collectors.size)
      problems.push('no collector TLS files (WHYSTUCK_COLLECTOR_TLS_CERT/KEY/CA) and WHYSTUCK_COLLECTORS is empty: no node can be reached (collectors found through Kubernetes need mutual TLS)');
    if (!c.collectorInsecure && !c.collectorTls && c.collectors.size) problems.push('no collector TLS files (WHYSTUCK_COLLECTOR_TLS_CERT/KEY/CA): collectors require mutual TLS');
    if (!c.remediators.length) problems.push('WHYSTUCK_REMEDIATORS is empty: nobody may remediate (buttons will be refused)');
    try {
      requireActionKey(c);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(e.message);
    }
    out.write(
      [
        `mode: ${c.slack.appToken ? 'Socket Mode' : `HTTP on port ${c.port}`}`,
        `collectors: ${[...c.collectors].map(([n, a]) => `${n}=${a}`).join(', ') || 'none'}${c.collectorInsecure ? ' (plaintext, loopback only)' : ''}`,
        `other nodes: the collector pod (${c.collectorDiscovery.selector} in namespace ${c.collectorDiscovery.namespace}) at its pod IP, port ${c.collectorDiscovery.port}, certificate name ${c.collectorDiscovery.serverName}`,
        `remediators: ${c.remediators.join(', ') || 'none'}`,
        ...describeReadAccess(c.slack, c.watch?.channel),
        store.line,
        `escalation: ${c.pagerduty ? `PagerDuty via ${c.pagerduty.eventsUrl}` : 'no PagerDuty (PAGERDUTY_ROUTING_KEY)'}; on-call groups: ${[...c.oncallGroups].map(([ch, g]) => `${ch}=${g}`).join(', ') || 'none'}`,
        `auto-escalation: ${c.autoEscalateMinutes ? `critical findings nobody acted on after ${c.autoEscalateMinutes} min` : 'off'}`,
        `listening: ${c.slack.appToken ? 'no HTTP listener (Socket Mode)' : `${c.listenHost}:${c.port}`}; collector calls within ${c.collectorDeadlineMs} ms`,
        `protected namespaces (no remediation button): ${c.protectedNamespaces.join(', ') || 'none'}`,
        describeActionKey(c),
        `unfinished intents: rechecked and closed UNKNOWN after ${c.unfinishedIntentGraceMs / 1000} s`,
        `pastes: files up to ${c.pasteMaxBytes} bytes, read for at most ${c.pasteTimeBudgetMs} ms`,
        `ssh fallback (nodes without a reachable collector): ${c.ssh ? describeSshFallback(c.ssh) : 'off (set WHYSTUCK_SSH_KEY_FILE and WHYSTUCK_SSH_KNOWN_HOSTS or WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS)'}`,
        `watch mode: ${describeWatch(c.watch)}`,
        `watch shards: leases ${c.shards.leases}${c.shards.leases === 'auto' ? ' (on with PostgreSQL and a Kubernetes API)' : ''}; ${c.shards.shards} shards, leases of ${c.shards.leaseDurationMs / 1000} s; replica ${c.kube.podName ?? 'hostname-pid (POD_NAME unset)'} in namespace ${c.kube.podNamespace ?? 'of the service account (POD_NAMESPACE unset)'}`,
        `kubernetes: ${c.kubeconfig ? `KUBECONFIG ${c.kubeconfig}` : c.kube.inCluster ? 'in-cluster' : 'no API (KUBECONFIG unset, not in a pod)'}`,
        `log level: ${c.logLevel ?? 'info (default)'}`,
        `metrics: ${c.metricsListen ? `http://${c.metricsListen.host}:${c.metricsListen.port}/metrics` : 'off (WHYSTUCK_METRICS_LISTEN)'}`,
        'settings (environment, else the YAML file, else the default):',
        ...c.settings.map((x) => `  ${x.env}${x.file ? ` / ${x.file}` : ''} = ${x.value}${x.from === 'file' ? ' (file)' : x.from === 'default' && x.value !== '(unset)' ? ' (default)' : ''}`),
        ...c.warnings.map((w) => `warning: ${w}`),
        ...(store.warnings ?? []).map((w) => `warning: ${w}`),
        ...problems.map((p) => `problem: ${p}`),
      ].join('\n') + '\n',
    );
    return problems.length ? 1 : 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      err.write(`whystuck: configuration error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** `whystuck bot`: runs until SIGTERM/SIGINT. */
export async function runBot(env: Env): Promise<number> {
  let config: BotConfig;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`whystuck bot: configuration error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (!config.slack.botToken || (!config.slack.signingSecret && !config.slack.appToken)) {
    process.stderr.write('whystuck bot: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode); without Slack, use `npm start` for the terminal.\n');
    return 2;
  }
  // The key that signs remediation buttons: required, never derived from another secret.
  let actionSecret: string;
  try {
    actionSecret = requireActionKey(config);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`whystuck bot: configuration error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const logger = createLogger({ name: 'whystuck-bot', level: config.logLevel ?? 'info' });
  for (const w of config.warnings) logger.warn(w);
  let store;
  try {
    store = await openStore({
      databaseUrl: config.databaseUrl,
      migrateUrl: config.databaseMigrateUrl,
      sqlitePath: config.db,
      onError: (err) => logger.warn({ err }, 'store connection lost; the pool reconnects'),
    });
  } catch (e) {
    if (e instanceof StoreError) {
      process.stderr.write(`whystuck bot: store: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  logger.info({ store: store.location, migrated: (store as { migrated?: number[] }).migrated }, 'store ready');
  for (const w of store.warnings ?? []) logger.warn({ store: store.location }, w);
  const collectors = collectorPoolFromConfig(config);
  const metrics = createBotMetrics();
  const ssh = sshFallbackFromConfig(config);
  const escalation = config.pagerduty ? createPagerDuty(config.pagerduty) : undefined;
  const bot = createSlackApp({
    config,
    logger,
    store,
    collectors,
    ssh,
    metrics,
    escalation,
    kube: createKubeLookup({ kubeconfig: config.kubeconfig }),
    actionSecret,
  });
  let metricsServer: import('node:http').Server | undefined;
  if (config.metricsListen) {
    try {
      metricsServer = (await startMetricsServer(metrics.registry, config.metricsListen.host, config.metricsListen.port)).server;
    } catch (e) {
      process.stderr.write(`whystuck bot: cannot serve metrics on ${config.metricsListen.host}:${config.metricsListen.port} (WHYSTUCK_METRICS_LISTEN): ${(e as Error).message}\n`);
      await store.close();
      return 2;
    }
  }
  let shards: WatchShards | undefined;
  try {
    shards = config.watch ? watchShardsFrom(config, { storeKind: store.kind }) : undefined;
  } catch (e) {
    process.stderr.write(`whystuck bot: ${(e as Error).message}\n`);
    collectors.close();
    await store.close();
    return 2;
  }
  const port = await bot.start(config.port, config.listenHost);
  logger.info({ port: config.slack.appToken ? undefined : port, socketMode: Boolean(config.slack.appToken), metrics: config.metricsListen }, 'whystuck bot started');
  // Intents a stopped replica left without a result: UNKNOWN and rechecked, never "not sent".
  const unfinished = startUnfinishedIntentSweeps({ store, collectors, ssh, graceMs: config.unfinishedIntentGraceMs, logger: logger.child({ component: 'unfinished-intents' }) });
  let watch: WatchManager | undefined;
  if (config.watch) {
    watch = createWatchMode({
      watch: config.watch,
      collectors,
      ssh,
      store,
      client: bot.client,
      conversation: bot.conversation,
      pagerduty: escalation,
      oncallGroups: config.oncallGroups,
      podNames: createPodNames({ kubeconfig: config.kubeconfig }),
      metrics,
      logger,
      shards,
    });
    if (shards) logger.info({ replica: shards.identity, shards: shards.shards, leaseSeconds: (shards.leaseDurationMs ?? 10_000) / 1000 }, 'watch mode split across replicas with Kubernetes Leases');
    await watch.start();
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      const hard = setTimeout(() => process.exit(1), 10_000);
      hard.unref();
      metricsServer?.close();
      unfinished.stop();
      void (watch?.stop() ?? Promise.resolve())
        .then(() => bot.stop())
        .finally(() => {
          collectors.close();
          void store.close().finally(resolve);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
