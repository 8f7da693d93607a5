import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createLogger, startLocalCollector, type LocalCollector } from '../../../collector/src';
import { createCollectorPool } from '../nodes/collector-pool';
import { collectorPoolFromConfig } from '../nodes/pool-from-config';
import { cliSettings, ConfigError } from '../config';
import { createPagerDuty } from '../escalation/pagerduty';
import { createKubeLookup } from '../kube/pod-lookup';
import { openSqliteStore } from '../store/sqlite-store';
import { recoverUnfinishedIntents } from '../conversation/unfinished-intents';
import { withLocalCollector } from '../nodes/local-pool';
import { createLocalPodLookup } from './local-pods';
import { EXIT_CODES } from './terminal-session';
import { privilegeNote } from './privilege-note';
import { createTerminalOutput, runTerminalChat } from './terminal-chat';
import { loadTerminalConfig, localUserAllowed, type TerminalConfig } from './terminal-config';
import { createTerminalSession } from './terminal-session';

export const START_USAGE = `usage: whystuck start [--once "QUESTION"] [--terminal] [--no-kube] [--allow-host-processes]
  Without Slack credentials (SLACK_BOT_TOKEN): a collector for this machine on
  127.0.0.1 (mutual TLS, certificates made for this run) and a chat about this
  machine in the terminal — the Slack bot's intents, diagnosis and guarded
  remediation, buttons as numbered choices. With SLACK_BOT_TOKEN set: the Slack bot.
  --once "QUESTION"        answer one question and exit (implies --terminal)
  --terminal               the terminal chat even when Slack credentials are set
  --no-kube                pods by UID from this machine's cgroups even with a kubeconfig
  --allow-host-processes   remediation may signal processes outside pod cgroups
  Exit (--once): 0 answered, 1 pid or pod not found, 2 not understood or bad
  configuration, 3 no snapshot (collector or Kubernetes API unavailable).`;

export interface StartIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  isTty: boolean;
  env: NodeJS.ProcessEnv;
}

/** Options for tests: a shorter wait before the recheck that follows a signal. */
export interface StartOptions {
  recheckDelayMs?: number;
}

/** `whystuck start` (`npm start`): the Slack bot with Slack credentials, else the terminal chat. */
export async function runStart(args: string[], io: StartIo, opts: StartOptions = {}): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { once: { type: 'string' }, terminal: { type: 'boolean' }, 'no-kube': { type: 'boolean' }, 'allow-host-processes': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`whystuck start: ${(err as Error).message}\n${START_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${START_USAGE}\n`);
    return 0;
  }
  const once = values.once;
  if (once !== undefined && !once.trim()) {
    io.stderr.write('whystuck start: --once needs a question, e.g. --once "why is pid 1234 stuck"\n');
    return 2;
  }
  if (once === undefined && !values.terminal && cliSettings(io.env).slackConfigured) {
    const { runBot } = await import('../cli/run-bot');
    return runBot(io.env);
  }
  let config: TerminalConfig;
  try {
    config = loadTerminalConfig(io.env, { allowHostProcesses: values['allow-host-processes'], noKube: values['no-kube'], isTty: io.isTty });
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr.write(`whystuck start: configuration error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  for (const w of config.bot.warnings) io.stderr.write(`whystuck start: warning: ${w}\n`);
  return runTerminal(config, io, once, opts);
}

async function runTerminal(config: TerminalConfig, io: StartIo, once: string | undefined, opts: StartOptions): Promise<number> {
  const logger = createLogger({ name: 'whystuck', level: config.logLevel });
  let local: LocalCollector;
  try {
    local = await startLocalCollector({ logger, allowHostProcesses: config.allowHostProcesses, deadlineMs: config.bot.collectorDeadlineMs, nodeName: config.nodeName });
  } catch (err) {
    io.stderr.write(`whystuck start: cannot start the local collector: ${(err as Error).message}\n`);
    return 3;
  }
  const bot = config.bot;
  const others = config.kube
    ? collectorPoolFromConfig(bot)
    : createCollectorPool({ addresses: bot.collectors, tls: bot.collectorTls, insecure: bot.collectorInsecure, deadlineMs: bot.collectorDeadlineMs });
  const collectors = withLocalCollector({ node: config.nodeName, address: local.address, client: local.client }, others);
  // The terminal chat is one process on one machine: always the embedded SQLite store.
  const audit = openSqliteStore(config.db);
  const output = createTerminalOutput(io);
  const session = createTerminalSession({
    config,
    local: local.client,
    collectors,
    audit,
    logger,
    kube: config.kube ? createKubeLookup({ kubeconfig: config.kube.kubeconfig }) : createLocalPodLookup(local.client, config.nodeName),
    out: (text) => output.out(text),
    // Choices are signed like Slack buttons, with a key that lives as long as this chat.
    actionSecret: randomBytes(32).toString('hex'),
    interactive: once === undefined,
    escalation: bot.pagerduty ? createPagerDuty(bot.pagerduty) : undefined,
    recheckDelayMs: opts.recheckDelayMs,
  });
  try {
    const health = await local.client.health();
    const note = health.status === 'ok' ? privilegeNote(health.value, config.user, config.uid) : `⚠ the local collector's Health failed: ${health.message}`;
    // A chat killed between a signal's intent and its result left a row without one: UNKNOWN, rechecked, never "not sent".
    const recovered = await recoverUnfinishedIntents({ store: audit, collectors, graceMs: bot.unfinishedIntentGraceMs, logger }).then(
      (r) => r.closed.map((e) => `⚠ audit #${e.id} (${e.signal} to ${e.pid} on ${e.node}): ${e.message}`),
      (err: Error) => [`⚠ could not look for remediations without a result: ${err.message}`],
    );
    if (once !== undefined && recovered.length) io.stderr.write(`${recovered.join('\n')}\n`);
    if (once !== undefined) {
      const res = await session.handleLine(once);
      if (note) io.stderr.write(`${note}\n`);
      return EXIT_CODES[res.outcome];
    }
    output.out(
      [
        `whystuck — a chat about ${config.nodeName}. Collector on ${local.address} (mutual TLS, certificates made for this run).`,
        config.kube ? 'Pods by name through the Kubernetes API (kubeconfig).' : "No Kubernetes API: pods by UID from this machine's cgroups (`pods` lists them).",
        `Remediation: ${localUserAllowed(config) ? `allowed for ${config.user.replace(/^local:/, '')}` : 'not allowed for this user (WHYSTUCK_LOCAL_REMEDIATORS)'}${config.allowHostProcesses ? ', host processes too' : ', pod processes only (--allow-host-processes for others)'}; audit log ${config.db}.`,
        ...(note ? [note] : []),
        ...recovered,
        'Ask, e.g. "why is pid 1234 stuck" or "what\'s stuck here"; `help` for more, `quit` to leave.',
      ].join('\n'),
    );
    await runTerminalChat(session, io, output);
    return 0;
  } finally {
    session.close();
    collectors.close();
    await audit.close();
    await Promise.race([local.close(), new Promise((r) => setTimeout(r, 3000).unref())]);
  }
}
