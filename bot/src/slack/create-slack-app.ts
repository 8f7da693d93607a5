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
import { dedupKeyFor, type EscalationTarget } from '../escalation/pagerduty';
import { dmesgAnswer, killAnswer, stackAnswer, treeAnswer } from './thread-followups';

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

export interface ThreadContext { channel: string; ts: string; namespace: string; name: string; last?: PodInvestigation; escalated: Set<string> }

export interface SlackBot {
  app: App;
  threads: Map<string, ThreadContext>;
  /** HTTP mode: listens and returns the port; Socket Mode: connects and returns 0. */
  start(port: number, host?: string): Promise<number>;
  stop(): Promise<void>;
}

/** The Bolt app in HTTP mode (signature-verified requests on /slack/events). */
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
    const ctx: ThreadContext = threads.get(key(channel, root)) ?? { channel, ts: root, namespace, name, escalated: new Set() };
    threads.set(key(channel, root), ctx);
    const inv = await investigatePod(deps, namespace, name);
    ctx.last = inv;
    if (inv.status === 'ok') await resolveGone(client, ctx, inv);
    if (inv.status === 'failed') {
      await client.chat.postMessage({ channel, thread_ts: root, text: `:warning: ${inv.message}` });
      return;
    }
    const reply = diagnosisBlocks({ pod: inv.pod, node: inv.node, diagnosis: inv.diagnosis, buttons: buttonsFor(inv), threadKey: key(channel, root) });
    await client.chat.postMessage({ channel, thread_ts: root, text: reply.text, blocks: reply.blocks as unknown as KnownBlock[] });
  }

  /** A recheck that no longer finds an escalated problem resolves its PagerDuty alert. */
  async function resolveGone(client: WebClient, ctx: ThreadContext, inv: Extract<PodInvestigation, { status: 'ok' }>): Promise<void> {
    if (!deps.escalation) return;
    for (const dedupKey of [...ctx.escalated]) {
      const still = inv.diagnosis.findings.some((f) => dedupKeyFor(inv.node, inv.pod.uid, f.id) === dedupKey);
      if (still) continue;
      const res = await deps.escalation.resolve(dedupKey);
      if (res.status === 'ok') {
        ctx.escalated.delete(dedupKey);
        await client.chat.postMessage({ channel: ctx.channel, thread_ts: ctx.ts, text: `:white_check_mark: The problem is gone on recheck; PagerDuty alert ${dedupKey} resolved.` });
      }
    }
  }

  async function escalate(client: WebClient, channel: string, threadTs: string | undefined, user: string): Promise<void> {
    const ctx = threadTs ? threads.get(key(channel, threadTs)) : undefined;
    const say = (text: string): Promise<unknown> => (threadTs ? client.chat.postMessage({ channel, thread_ts: threadTs, text }) : client.chat.postEphemeral({ channel, user, text }));
    if (!ctx?.last || ctx.last.status !== 'ok') { await say('Escalate from a diagnosis thread: ask `/whystuck pod NAME -n NAMESPACE` first, then press Escalate there.'); return; }
    const inv = ctx.last;
    const top = inv.diagnosis.findings[0];
    if (!deps.escalation) { await say('Escalation is not configured: set PAGERDUTY_ROUTING_KEY (and PAGERDUTY_EVENTS_URL for the EU region).'); return; }
    let link: string | undefined;
    try { link = (await client.chat.getPermalink({ channel, message_ts: ctx.ts })).permalink; } catch { link = undefined; }
    const dedupKey = dedupKeyFor(inv.node, inv.pod.uid, top?.id ?? 'none');
    const res = await deps.escalation.trigger({
      dedupKey,
      summary: `${inv.pod.namespace}/${inv.pod.name} on ${inv.node}: ${top?.title ?? inv.diagnosis.summary}`,
      severity: top?.severity === 'critical' ? 'critical' : top?.severity === 'warning' ? 'warning' : 'info',
      source: inv.node,
      details: { summary: inv.diagnosis.summary, findings: inv.diagnosis.findings.map((f) => ({ id: f.id, title: f.title })), escalated_by: user, pod_uid: inv.pod.uid },
      link,
    });
    if (res.status === 'ok') ctx.escalated.add(dedupKey);
    await say(res.status === 'ok' ? `:rotating_light: <@${user}> escalated to PagerDuty (dedup key \`${dedupKey}\`).` : `:warning: Escalation failed: ${res.message}`);
  }

  async function followUp(intent: Intent, client: WebClient, channel: string, threadTs: string): Promise<boolean> {
    const ctx = threads.get(key(channel, threadTs));
    if (!ctx?.last || ctx.last.status !== 'ok') return false;
    const inv = ctx.last;
    const say = (text: string, blocks?: unknown[]): Promise<unknown> => client.chat.postMessage({ channel, thread_ts: threadTs, text, ...(blocks ? { blocks: blocks as KnownBlock[] } : {}) });
    switch (intent.kind) {
      case 'stack': await say(stackAnswer(inv.evidence, intent.pid)); return true;
      case 'dmesg': await say(dmesgAnswer(inv.evidence)); return true;
      case 'tree': await say(treeAnswer(inv.evidence)); return true;
      case 'kill': {
        const a = killAnswer(inv.diagnosis, inv.evidence, intent.pid, intent.signal ?? 'SIGKILL');
        if (!a.remediation) { await say(a.text); return true; }
        const finding = inv.diagnosis.findings.find((f) => f.id === a.findingId)!;
        const reply = diagnosisBlocks({ pod: inv.pod, node: inv.node, diagnosis: { summary: a.text, findings: [{ ...finding, remediations: [a.remediation] }] }, buttons: buttonsFor({ ...inv, diagnosis: { summary: a.text, findings: [{ ...finding, remediations: [a.remediation] }] } }), threadKey: key(channel, threadTs) });
        await say(reply.text, reply.blocks);
        return true;
      }
      default: return false;
    }
  }

  async function handle(intent: Intent, client: WebClient, channel: string, user: string, threadTs?: string): Promise<void> {
    const log = logger.child({ intent: intent.kind, channel, user });
    try {
      if (threadTs && (await followUp(intent, client, channel, threadTs))) return;
      switch (intent.kind) {
        case 'escalate':
          await escalate(client, channel, threadTs, user);
          return;
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

  const seenEvents = new Set<string>();
  app.event('app_mention', async ({ event, body, client }) => {
    // Slack retries an event it thinks was not acknowledged: answer each event id once.
    const eventId = (body as { event_id?: string }).event_id ?? `${event.channel}:${event.ts}`;
    if (seenEvents.has(eventId)) return;
    seenEvents.add(eventId);
    if (seenEvents.size > 10_000) seenEvents.delete(seenEvents.values().next().value as string);
    const threadTs = event.thread_ts;
    const intent = parseWords(event.text);
    void handle(intent, client, event.channel, event.user ?? '', threadTs ?? (intent.kind === 'pod' ? undefined : event.ts));
  });

  app.action('escalate', async ({ ack, body, client }) => {
    await ack();
    const [channel, ts] = String((body as { actions?: { value?: string }[] }).actions?.[0]?.value ?? '').split(':');
    void escalate(client, channel, ts, body.user.id).catch((err) => logger.error({ err }, 'escalation failed'));
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
