import { App } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { CollectorPool } from '../collectors/collector-pool';
import type { BotConfig } from '../config';
import { HELP_TEXT, parseCommand, parseWords, type Intent } from '../intents/parse-intent';
import { validatePodRef, type KubeLookup } from '../kube/pod-lookup';
import { signAction } from './action-token';
import { diagnosisBlocks, rootText, type ButtonSpec } from './diagnosis-blocks';
import { investigatePod, type PodInvestigation } from './investigate-pod';
import { slackLogger } from './pino-slack-logger';
import { registerRemediation } from './remediate-action';
import type { AuditStore } from '../audit/audit-store';

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
}

export interface ThreadContext { channel: string; ts: string; namespace: string; name: string; last?: PodInvestigation }

export interface SlackBot {
  app: App;
  threads: Map<string, ThreadContext>;
  start(port: number): Promise<number>;
  stop(): Promise<void>;
}

/** The Bolt app in HTTP mode (signature-verified requests on /slack/events). */
export function createSlackApp(deps: SlackAppDeps): SlackBot {
  const { config, logger } = deps;
  const app = new App({
    signingSecret: config.slack.signingSecret ?? '',
    token: config.slack.botToken,
    logger: slackLogger(logger.child({ component: 'bolt' })),
    clientOptions: config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : undefined,
    tokenVerificationEnabled: false,
  });
  const threads = new Map<string, ThreadContext>();
  const key = (channel: string, ts: string): string => `${channel}:${ts}`;

  function buttonsFor(inv: Extract<PodInvestigation, { status: 'ok' }>): ButtonSpec[] {
    const out: ButtonSpec[] = [];
    for (const finding of inv.diagnosis.findings) {
      for (const r of finding.remediations) {
        if (r.action !== 'signal' || r.effective !== 'yes' || !r.pid || r.startTime === undefined || !r.signal) continue;
        const value = signAction(deps.actionSecret, { node: inv.node, pid: r.pid, startTime: r.startTime, comm: r.comm ?? '', signal: r.signal, podUid: inv.pod.uid, findingId: finding.id }, deps.actionTtlMs ?? 15 * 60_000);
        out.push({ remediation: r, value, finding });
      }
    }
    return out;
  }

  async function answerPod(client: WebClient, channel: string, threadTs: string | undefined, user: string, namespace: string, name: string): Promise<void> {
    const invalid = validatePodRef(namespace, name);
    if (invalid) {
      await client.chat.postEphemeral({ channel, user, text: `I can't look that up: ${invalid}.` });
      return;
    }
    const root = threadTs ?? (await client.chat.postMessage({ channel, text: rootText(namespace, name) })).ts!;
    const ctx: ThreadContext = { channel, ts: root, namespace, name };
    threads.set(key(channel, root), ctx);
    const inv = await investigatePod(deps, namespace, name);
    ctx.last = inv;
    if (inv.status === 'failed') {
      await client.chat.postMessage({ channel, thread_ts: root, text: `:warning: ${inv.message}` });
      return;
    }
    const reply = diagnosisBlocks({ pod: inv.pod, node: inv.node, diagnosis: inv.diagnosis, buttons: buttonsFor(inv), threadKey: key(channel, root) });
    await client.chat.postMessage({ channel, thread_ts: root, text: reply.text, blocks: reply.blocks as unknown as KnownBlock[] });
  }

  async function handle(intent: Intent, client: WebClient, channel: string, user: string, threadTs?: string): Promise<void> {
    const log = logger.child({ intent: intent.kind, channel, user });
    try {
      switch (intent.kind) {
        case 'pod':
          await answerPod(client, channel, threadTs, user, intent.namespace ?? 'default', intent.name);
          return;
        case 'recheck': {
          const ctx = threadTs ? threads.get(key(channel, threadTs)) : undefined;
          if (ctx) { await answerPod(client, channel, ctx.ts, user, ctx.namespace, ctx.name); return; }
          break;
        }
        case 'help':
          await client.chat.postEphemeral({ channel, user, text: HELP_TEXT });
          return;
        default:
          break;
      }
      const text = intent.kind === 'unknown'
        ? `I didn't understand "${intent.text.slice(0, 200)}".\n${HELP_TEXT}`
        : `\`${intent.kind}\` is not available in this version yet.\n${HELP_TEXT}`;
      if (threadTs) await client.chat.postMessage({ channel, thread_ts: threadTs, text });
      else await client.chat.postEphemeral({ channel, user, text });
    } catch (err) {
      log.error({ err }, 'answering failed');
    }
  }

  app.command('/whystuck', async ({ command, ack, client }) => {
    await ack();
    void handle(parseCommand(command.text), client, command.channel_id, command.user_id);
  });

  app.event('app_mention', async ({ event, client }) => {
    const threadTs = event.thread_ts;
    const intent = parseWords(event.text);
    void handle(intent, client, event.channel, event.user ?? '', threadTs ?? (intent.kind === 'pod' ? undefined : event.ts));
  });

  app.action('recheck', async ({ ack, body, client }) => {
    await ack();
    const [channel, ts] = String((body as { actions?: { value?: string }[] }).actions?.[0]?.value ?? '').split(':');
    const ctx = threads.get(key(channel, ts));
    if (ctx) void answerPod(client, channel, ctx.ts, body.user.id, ctx.namespace, ctx.name);
  });

  registerRemediation(app, {
    audit: deps.audit, collectors: deps.collectors, actionSecret: deps.actionSecret, remediators: config.remediators,
    logger: logger.child({ component: 'remediation' }), recheckDelayMs: deps.recheckDelayMs,
    async recheck(client, channel, threadTs) {
      const ctx = threads.get(key(channel, threadTs));
      if (ctx) await answerPod(client, channel, ctx.ts, '', ctx.namespace, ctx.name);
    },
  });

  let server: { close(cb: () => void): void; address(): unknown } | undefined;
  return {
    app,
    threads,
    async start(port) {
      const s = await app.start({ port, host: '127.0.0.1' } as never);
      server = s as unknown as typeof server;
      const addr = server!.address() as { port: number };
      return addr.port;
    },
    async stop() {
      await app.stop();
    },
  };
}
