import { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AuditStore } from '../audit/audit-store';
import type { CollectorPool } from '../collectors/collector-pool';
import type { BotConfig } from '../config';
import type { EscalationTarget } from '../escalation/pagerduty';
import { parseCommand, parseWords } from '../intents/parse-intent';
import type { KubeLookup } from '../kube/pod-lookup';
import { createConversation, type ThreadContext } from './conversation';
import { slackLogger } from './pino-slack-logger';
import { registerRemediation } from './remediate-action';

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
  const convo = createConversation({ ...deps, logger: logger.child({ component: 'conversation' }) });
  const { threads } = convo;
  const handle = convo.handle;
  const threadOf = (body: unknown): [string, string] => String((body as { actions?: { value?: string }[] }).actions?.[0]?.value ?? '').split(':') as [string, string];

  app.command('/whystuck', async ({ command, ack, client }) => {
    await ack();
    void handle(parseCommand(command.text), client, command.channel_id, command.user_id);
  });

  const seenEvents = new Set<string>();
  app.event('app_mention', async ({ event, body, client }) => {
    // Slack retries an event it thinks was not acknowledged: answer each event id once.
    const eventId = (body as { event_id?: string }).event_id ?? `${event.channel}:${event.ts}`;
    if (seenEvents.has(eventId)) return;
    seenEvents.add(eventId);
    if (seenEvents.size > 10_000) seenEvents.delete(seenEvents.values().next().value as string);
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

  registerRemediation(app, {
    audit: deps.audit, collectors: deps.collectors, actionSecret: deps.actionSecret, remediators: config.remediators,
    logger: logger.child({ component: 'remediation' }), recheckDelayMs: deps.recheckDelayMs,
    async recheck(client, channel, threadTs) {
      const ctx = threads.get(convo.key(channel, threadTs));
      if (ctx) await convo.answer(client, channel, ctx.ts, '', ctx.target);
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
      await app.stop();
    },
  };
}
