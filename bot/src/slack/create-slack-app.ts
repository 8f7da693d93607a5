import { slackBoundaryFetch } from './slack-boundary';
import { App, webApi, type Authorize, type CustomRoute } from '@slack/bolt';
import type { Logger } from 'pino';
import type { CollectorPool } from '../nodes/collector-pool';
import { sshFallbackFromConfig, type SshFallback } from '../nodes/ssh-fallback';
import type { BotConfig } from '../config';
import type { EscalationTarget } from '../escalation/pagerduty';
import { parseCommand, parseWords } from '../intents/parse-intent';
import type { KubeLookup } from '../kube/pod-lookup';
import type { BotMetrics } from '../metrics/bot-metrics';
import type { Store, StoreHealth } from '../store/store';
import { openAnalyzeModal, registerAnalyzeModal } from './analyze-modal';
import { createConversation, failureText, type Conversation, type ThreadContext } from '../conversation/conversation';
import { slackLogger } from './pino-slack-logger';
import { createRemediation } from '../conversation/remediation';
import { createSlackAuthoriser } from './authorise';
import { createGroupMembers, createReadAuthoriser, pastePagers } from './read-authorise';
import { readGate } from './read-gate';
import { slackOutbox } from './slack-outbox';
import type { Scheduler } from '../conversation/scheduler';
import { registerThreadPastes } from './thread-pastes';
import { configurePasteAdmission } from '../paste/paste-admission';

export interface SlackAppDeps {
  config: BotConfig;
  kube: KubeLookup;
  collectors: CollectorPool;
  logger: Logger;
  /** Secret for action tokens (defaults to the config's, else derived from the signing secret). */
  actionSecret: string;
  actionTtlMs?: number;
  /** Audit log, used tokens, handled event ids and thread context: SQLite for one replica, PostgreSQL shared by several. */
  store: Store;
  recheckDelayMs?: number;
  escalation?: EscalationTarget;
  /** Runs auto-escalation timers; tests pass one they fire by hand. */
  scheduler?: Scheduler;
  /** Reading nodes without a reachable collector over SSH; defaults to the configuration's (off unless WHYSTUCK_SSH_KEY_FILE is set). */
  ssh?: SshFallback;
  /** Prometheus counters: questions, diagnoses by finding id, remediations by outcome, escalations. */
  metrics?: BotMetrics;
  /** How long a Slack reachability check (auth.test) counts for readiness; default 30 s. */
  slackProbeTtlMs?: number;
}

export type SlackHealth = { status: 'ok' } | { status: 'unavailable'; message: string };

/**
 * Whether Slack's Web API answers (auth.test, no retries, 3 s), asked at most
 * once per `ttlMs`: a readiness probe every few seconds costs one call per
 * replica per half minute.
 */
function slackProbe(config: BotConfig, ttlMs: number, logger: Logger): () => Promise<SlackHealth> {
  const client = new webApi.WebClient(config.slack.botToken, {
    logger: slackLogger(logger.child({ component: 'slack-probe' })),
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    retryConfig: { retries: 0 },
    timeout: 3000,
  });
  let last: { at: number; result: Promise<SlackHealth> } | undefined;
  return () => {
    if (!last || Date.now() - last.at >= ttlMs) {
      last = {
        at: Date.now(),
        result: client.auth.test().then(
          (): SlackHealth => ({ status: 'ok' }),
          (err: Error & { data?: { error?: string } }): SlackHealth => ({ status: 'unavailable', message: `Slack's Web API (auth.test): ${err.data?.error ?? err.message}` }),
        ),
      };
    }
    return last.result;
  };
}

/** How long an event id stays claimed: Slack retries within minutes (immediately, after 1 and after 5 minutes). */
const EVENT_CLAIM_MS = 60 * 60_000;

export interface SlackBot {
  app: App;
  /** A Web API client with the bot token, for work outside Bolt's listeners (watch-mode alerts). */
  client: webApi.WebClient;
  threads: Map<string, ThreadContext>;
  /** What a question gets: watch mode answers its alerts' threads with it. */
  conversation: Conversation;
  /** What GET /readyz answers: ready while started, the store answers and Slack's Web API does. */
  readiness(): Promise<{ ready: boolean; store: StoreHealth; slack: SlackHealth }>;
  /** HTTP mode: listens and returns the port; Socket Mode: connects and returns 0. */
  start(port: number, host?: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Who the bot is, asked of Slack once (auth.test) and kept. Bolt, given a token
 * with token verification off, asks on every request, before any listener can
 * ack: an extra round trip to Slack in front of every 3-second deadline, and
 * auth.test calls by the hundred in a burst. A failed ask is retried by the
 * next request instead of being kept. `onWho` learns the answer (the
 * workspace whose requests are answered, when WHYSTUCK_SLACK_TEAM_ID is unset).
 */
function cachedAuthorize(client: webApi.WebClient, botToken: string, onWho?: (who: Who) => void): Authorize<boolean> {
  let who: Promise<Who> | undefined;
  return async () => {
    who ??= client.auth.test().then((r) => {
      const w: Who = { botId: r.bot_id, botUserId: r.user_id, teamId: r.team_id, enterpriseId: r.enterprise_id, orgWide: r.is_enterprise_install === true };
      onWho?.(w);
      return w;
    });
    try {
      const { botId, botUserId, teamId } = await who;
      return { botToken, botId, botUserId, teamId };
    } catch (err) {
      who = undefined;
      throw err;
    }
  };
}

/** What auth.test says of the bot token: who the bot is, its workspace, and its Enterprise Grid organisation. */
interface Who {
  botId?: string;
  botUserId?: string;
  teamId?: string;
  enterpriseId?: string;
  /** Installed on a whole Enterprise Grid organisation: no one workspace to learn; WHYSTUCK_SLACK_TEAM_ID must list them. */
  orgWide: boolean;
}

/** The Bolt app: HTTP mode (signature-verified requests on /slack/events) or Socket Mode. */
export function createSlackApp(deps: SlackAppDeps): SlackBot {
  const { config, logger } = deps;
  const socketMode = Boolean(config.slack.appToken);
  let started = false;
  const slackHealth = slackProbe(config, deps.slackProbeTtlMs ?? 30_000, logger);
  async function readiness(): Promise<{ ready: boolean; store: StoreHealth; slack: SlackHealth }> {
    const [store, slack] = await Promise.all([deps.store.ping(), slackHealth()]);
    return { ready: started && store.status === 'ok' && slack.status === 'ok', store, slack };
  }
  // Kubernetes' readiness probe (HTTP mode): a replica whose store or Slack is unreachable takes no Slack traffic.
  // It answers ready or not ready, nothing more (anyone who reaches the port may ask); why goes to the log, once per change.
  let lastReadiness = '';
  const readyz: CustomRoute = {
    path: '/readyz',
    method: ['GET'],
    handler: (_req, res) => {
      void readiness().then((r) => {
        const why = `${r.ready} ${started} ${r.store.status} ${r.slack.status}`;
        if (why !== lastReadiness) {
          lastReadiness = why;
          if (r.ready) logger.info({ store: deps.store.kind }, 'ready');
          else logger.warn({ started, store: { kind: deps.store.kind, ...r.store }, slack: r.slack }, 'not ready');
        }
        res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ready: r.ready }));
      });
    },
  };
  // Every Web API request passes one boundary: no channel-wide or group notification a tenant's text could smuggle in (slack-boundary.ts).
  const fetch = slackBoundaryFetch(() => config.oncallGroups.values());
  const clientOptions = { ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}), fetch };
  const client = new webApi.WebClient(config.slack.botToken, { ...clientOptions, logger: slackLogger(logger.child({ component: 'slack-web-api' })) });
  // Who the bot is (auth.test, asked once): no retries and a short timeout. With the Web API's retries a slow Slack
  // held every request behind it for minutes, past Slack's 3 s answer deadline; failing fast lets Slack redeliver.
  const authClient = new webApi.WebClient(config.slack.botToken, {
    ...clientOptions,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 2500,
    logger: slackLogger(logger.child({ component: 'slack-auth' })),
  });
  /** The workspace auth.test names: the one answered when WHYSTUCK_SLACK_TEAM_ID is unset (none for an organisation-wide install). */
  let learnedTeam: string | undefined;
  const configuredTeams = config.slack.teams;
  const app = new App({
    ...(socketMode ? { socketMode: true, appToken: config.slack.appToken } : { signingSecret: config.slack.signingSecret ?? '', customRoutes: [readyz] }),
    authorize: cachedAuthorize(authClient, config.slack.botToken ?? '', (who) => {
      learnedTeam = who.orgWide ? undefined : who.teamId;
      if (!configuredTeams && who.orgWide)
        logger.error(
          { enterprise: who.enterpriseId },
          'the bot token is installed on a whole Enterprise Grid organisation: set WHYSTUCK_SLACK_TEAM_ID to the workspaces (T…) whose requests are answered; until then none is',
        );
      if (configuredTeams && !who.orgWide && who.teamId && !configuredTeams.includes(who.teamId))
        logger.error({ configured: configuredTeams, token: who.teamId }, 'the bot token belongs to another workspace than WHYSTUCK_SLACK_TEAM_ID: requests are answered only from the configured ones');
    }),
    logger: slackLogger(logger.child({ component: 'bolt' })),
    clientOptions,
  });
  const ssh = deps.ssh ?? sshFallbackFromConfig(config);
  const m = deps.metrics;
  // Who may remediate (WHYSTUCK_REMEDIATORS), and user-group membership read from Slack for readers, remediators and on-call.
  const members = createGroupMembers(client, logger.child({ component: 'usergroups' }));
  const remediators = createSlackAuthoriser(members, config.remediators);
  const convo = createConversation({
    // A thread whose diagnosis comes from a paste pages PagerDuty only for remediators and the channel's on-call group.
    mayPageFromPaste: pastePagers(remediators, config.oncallGroups, members),
    ...deps,
    ssh,
    store: deps.store,
    logger: logger.child({ component: 'conversation' }),
    ...(m
      ? {
          onQuestion: (kind: string) => m.questions.inc({ intent: kind }),
          onDiagnosis: (inv: { diagnosis: { findings: { id: string }[] } }) => {
            if (!inv.diagnosis.findings.length) m.diagnoses.inc({ finding_id: 'none' });
            for (const f of inv.diagnosis.findings) m.diagnoses.inc({ finding_id: f.id });
          },
          onEscalation: (how: string, result: string) => m.escalations.inc({ how, result }),
        }
      : {}),
    oncallGroups: config.oncallGroups,
    autoEscalateMinutes: config.autoEscalateMinutes,
    pasteMaxBytes: config.pasteMaxBytes,
    protectedNamespaces: config.protectedNamespaces,
  });
  const { threads } = convo;
  const handle = convo.handle;
  // Reads are authorised too, in one place before every listener: the workspace, the channel and the reader (read-authorise.ts).
  app.use(
    readGate({
      authoriser: createReadAuthoriser({
        workspaces: () => configuredTeams ?? (learnedTeam ? [learnedTeam] : undefined),
        channels: config.slack.channels,
        alsoChannels: config.watch ? [config.watch.channel] : [],
        readers: config.slack.readers,
        remediators: config.remediators,
        members,
      }),
      logger: logger.child({ component: 'read-gate' }),
      isOurThread: async (channel, ts) => (await convo.thread(channel, ts)) !== undefined,
      audit: deps.store,
    }),
  );
  const threadOf = (body: unknown): [string, string] => String((body as { actions?: { value?: string }[] }).actions?.[0]?.value ?? '').split(':') as [string, string];

  app.command('/whystuck', async ({ command, ack, client }) => {
    await ack();
    const intent = parseCommand(command.text);
    if (intent.kind === 'analyze') {
      void openAnalyzeModal(client, command.trigger_id, command.channel_id).catch((err) => logger.error({ err }, 'opening the analyze dialog failed'));
      return;
    }
    void handle(intent, slackOutbox(client), command.channel_id, command.user_id).catch((err) => logger.error({ err }, 'answering a command failed'));
  });
  // One paste limiter for the process: WHYSTUCK_PASTE_CONCURRENCY analyses at a time, WHYSTUCK_PASTE_RATE_PER_MINUTE per user.
  configurePasteAdmission(config);
  registerAnalyzeModal(app, convo, logger.child({ component: 'analyze' }), config.pasteTimeBudgetMs);

  // Slack retries an event it thinks was not acknowledged, possibly to another replica: answer each event id once.
  const firstDelivery = async (eventId: string): Promise<boolean> => {
    try {
      return await deps.store.claimEvent(eventId, EVENT_CLAIM_MS);
    } catch (err) {
      logger.error({ err, eventId }, 'the store could not claim the event; answering it (a retry may be answered twice)');
      return true;
    }
  };
  app.event('app_mention', async ({ event, body, client }) => {
    if ((event as { files?: unknown[] }).files?.length) return; // a file with a mention: the message handler reads the file
    if (!(await firstDelivery((body as { event_id?: string }).event_id ?? `${event.channel}:${event.ts}`))) return;
    const threadTs = event.thread_ts;
    const intent = parseWords(event.text);
    void handle(intent, slackOutbox(client), event.channel, event.user ?? '', threadTs ?? (['pod', 'node', 'pid', 'sweep'].includes(intent.kind) ? undefined : event.ts)).catch((err) =>
      logger.error({ err }, 'answering a mention failed'),
    );
  });

  app.action('escalate', async ({ ack, body, client }) => {
    await ack();
    const [channel, ts] = threadOf(body);
    void convo.escalate(slackOutbox(client), channel, ts, body.user.id).catch((err) => logger.error({ err }, 'escalation failed'));
  });

  app.action('recheck', async ({ ack, body, client }) => {
    await ack();
    const [channel, ts] = threadOf(body);
    const ctx = await convo.thread(channel, ts);
    if (ctx) void convo.answer(slackOutbox(client), channel, ctx.ts, body.user.id, ctx.target).catch((err) => logger.error({ err }, 'recheck failed'));
  });

  app.action('show_more', async ({ ack, body, client }) => {
    await ack();
    const [channel, ts] = threadOf(body);
    void convo
      .showMore(slackOutbox(client), channel, ts)
      .catch((err) => client.chat.postMessage({ channel, thread_ts: ts, text: failureText(err, logger, 'showing more') }).catch((postErr) => logger.error({ err: postErr }, 'show more failed')));
  });

  registerThreadPastes(app, {
    convo,
    botToken: config.slack.botToken ?? '',
    apiUrl: config.slack.apiUrl,
    maxBytes: config.pasteMaxBytes,
    timeBudgetMs: config.pasteTimeBudgetMs,
    logger: logger.child({ component: 'pastes' }),
    firstDelivery,
  });

  const remediation = createRemediation({
    audit: m
      ? {
          recordIntent: (i) => deps.store.recordIntent(i),
          auditByToken: (id) => deps.store.auditByToken(id),
          async recordResult(id, outcome, message) {
            await deps.store.recordResult(id, outcome, message);
            m.remediations.inc({ outcome });
          },
        }
      : deps.store,
    collectors: deps.collectors,
    ssh,
    actionSecret: deps.actionSecret,
    authoriser: remediators,
    protectedNamespaces: config.protectedNamespaces,
    logger: logger.child({ component: 'remediation' }),
    recheckDelayMs: deps.recheckDelayMs,
    onActing: (channel, threadTs) => convo.acting(channel, threadTs),
    async recheck(out, channel, threadTs, via) {
      const ctx = await convo.thread(channel, threadTs);
      if (ctx) await convo.answer(out, channel, ctx.ts, '', ctx.target, { via });
    },
  });
  // A remediation button: acknowledged at once; the service verifies, authorises, audits, signals and rechecks.
  app.action(/^remediate_\d+$/, async ({ ack, body, action, client }) => {
    await ack();
    const b = body as { user: { id: string }; channel?: { id: string }; message?: { ts: string; thread_ts?: string } };
    const who = { user: b.user.id, channel: b.channel?.id ?? '', thread: b.message?.thread_ts ?? b.message?.ts ?? '' };
    await remediation.remediate(slackOutbox(client), who, String((action as { value?: string }).value ?? ''));
  });

  let server: { close(cb: () => void): void; address(): unknown } | undefined;
  return {
    app,
    client,
    threads,
    conversation: convo,
    readiness,
    async start(port, host = '127.0.0.1') {
      if (socketMode) {
        await app.start();
        started = true;
        return 0;
      }
      const s = await app.start({ port, host } as never);
      server = s as unknown as typeof server;
      const addr = server!.address() as { port: number };
      started = true;
      return addr.port;
    },
    async stop() {
      started = false;
      convo.close();
      await app.stop();
    },
  };
}
