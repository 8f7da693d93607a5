import { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AuditStore } from '../audit/audit-store';
import type { CollectorPool } from '../collectors/collector-pool';
import { sshFallbackFromConfig, type SshFallback } from '../collectors/ssh-fallback';
import type { BotConfig } from '../config';
import type { EscalationTarget } from '../escalation/pagerduty';
import { parseCommand, parseWords } from '../intents/parse-intent';
import type { KubeLookup } from '../kube/pod-lookup';
import { openAnalyzeModal, registerAnalyzeModal } from './analyze-modal';
import { createConversation, type ThreadContext } from './conversation';
import { slackLogger } from './pino-slack-logger';
import { registerRemediation } from './remediate-action';
import type { Scheduler } from './scheduler';
import { registerThreadPastes } from './thread-pastes';

export interface SlackAppDeps {
  config: BotConfig;
  kube: KubeLookup;
  collectors: CollectorPool;
  logger: Logger;
  /** Secret for action tokens (defaults to the config's, else derived from the signing secret). */
  actionSecret: string;
  actionTtlMs?: number;
  audit: AuditStore;
  recheckDelayMs?: number;
  escalation?: EscalationTarget;
  /** Runs auto-escalation timers; tests pass one they fire by hand. */
  scheduler?: Scheduler;
  /** Reading nodes without a reachable collector over SSH; defaults to the configuration's (off unless WHYSTUCK_SSH_KEY_FILE is set). */
  ssh?: SshFallback;
}

export interface SlackBot {
  app: App;
  threads: Map<string, ThreadContext>;
  /** HTTP mode: listens and returns the port; Socket Mode: connects and returns 0. */
  start(port: number, host?: string): Promise<number>;
  stop(): Promise<void>;
}

/** The Bolt app: HTTP mode (signature-verified requests on /slack/events) or Socket Mode. */
export function createSlackApp(deps: SlackAppDeps): SlackBot {
  const { config, logger } = deps;
  const socketMode = Boolean(config.slack.appToken);
  const app = new App({
    ...(socketMode ? { socketMode: true, appToken: config.slack.appToken } : { signingSecret: config.slack.signingSecret ?? '' }),
    token: config.slack.botToken,
    logger: slackLogger(logger.child({ component: 'bolt' })),
    clientOptions: config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : undefined,
    tokenVerificationEnabled: false,
  });
  const ssh = deps.ssh ?? sshFallbackFromConfig(config);
  const convo = createConversation({
    ...deps, ssh, logger: logger.child({ component: 'conversation' }),
    oncallGroups: config.oncallGroups, autoEscalateMinutes: config.autoEscalateMinutes, pasteMaxBytes: config.pasteMaxBytes,
  });
  const { threads } = convo;
  const handle = convo.handle;
  const threadOf = (body: unknown): [string, string] => String((body as { actions?: { value?: string }[] }).actions?.[0]?.value ?? '').split(':') as [string, string];

  app.command('/whystuck', async ({ command, ack, client }) => {
    await ack();
    const intent = parseCommand(command.text);
    if (intent.kind === 'analyze') {
      void openAnalyzeModal(client, command.trigger_id, command.channel_id).catch((err) => logger.error({ err }, 'opening the analyze dialog failed'));
      return;
    }
    void handle(intent, client, command.channel_id, command.user_id);
  });
  registerAnalyzeModal(app, convo, logger.child({ component: 'analyze' }));

  // Slack retries an event it thinks was not acknowledged: answer each event id once.
  const seenEvents = new Set<string>();
  const firstDelivery = (eventId: string): boolean => {
    if (seenEvents.has(eventId)) return false;
    seenEvents.add(eventId);
    if (seenEvents.size > 10_000) seenEvents.delete(seenEvents.values().next().value as string);
    return true;
  };
  app.event('app_mention', async ({ event, body, client }) => {
    if ((event as { files?: unknown[] }).files?.length) return; // a file with a mention: the message handler reads the file
    if (!firstDelivery((body as { event_id?: string }).event_id ?? `${event.channel}:${event.ts}`)) return;
    const threadTs = event.thread_ts;
    const intent = parseWords(event.text);
    void handle(intent, client, event.channel, event.user ?? '', threadTs ?? (['pod', 'node', 'pid', 'sweep'].includes(intent.kind) ? undefined : event.ts));
  });

  app.action('escalate', async ({ ack, body, client }) => {
    await ack();
    const [channel, ts] = threadOf(body);
    void convo.escalate(client, channel, ts, body.user.id).catch((err) => logger.error({ err }, 'escalation failed'));
  });

  app.action('recheck', async ({ ack, body, client }) => {
    await ack();
    const [channel, ts] = threadOf(body);
    const ctx = threads.get(convo.key(channel, ts));
    if (ctx) void convo.answer(client, channel, ctx.ts, body.user.id, ctx.target);
  });

  app.action('show_more', async ({ ack, body, client }) => {
    await ack();
    const [channel, ts] = threadOf(body);
    void convo.showMore(client, channel, ts);
  });

  registerThreadPastes(app, {
    convo, botToken: config.slack.botToken ?? '', apiUrl: config.slack.apiUrl, maxBytes: config.pasteMaxBytes,
    logger: logger.child({ component: 'pastes' }), firstDelivery,
  });

  registerRemediation(app, {
    audit: deps.audit, collectors: deps.collectors, ssh, actionSecret: deps.actionSecret, remediators: config.remediators,
    logger: logger.child({ component: 'remediation' }), recheckDelayMs: deps.recheckDelayMs,
    onActing: (channel, threadTs) => convo.acting(channel, threadTs),
    async recheck(client, channel, threadTs, via) {
      const ctx = threads.get(convo.key(channel, threadTs));
      if (ctx) await convo.answer(client, channel, ctx.ts, '', ctx.target, { via });
    },
  });

  let server: { close(cb: () => void): void; address(): unknown } | undefined;
  return {
    app,
    threads,
    async start(port, host = '127.0.0.1') {
      if (socketMode) { await app.start(); return 0; }
      const s = await app.start({ port, host } as never);
      server = s as unknown as typeof server;
      const addr = server!.address() as { port: number };
      return addr.port;
    },
    async stop() {
      convo.close();
      await app.stop();
    },
  };
}
