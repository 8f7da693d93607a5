import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { CollectorPool } from '../../../bot/src/nodes/collector-pool';
import { collectorPoolFromConfig } from '../../../bot/src/nodes/pool-from-config';
import { loadConfig, type BotConfig } from '../../../bot/src/config';
import type { EscalationTarget } from '../../../bot/src/escalation/pagerduty';
import type { KubeLookup } from '../../../bot/src/kube/pod-lookup';
import type { BotMetrics } from '../../../bot/src/metrics/bot-metrics';
import { createSlackApp, type SlackBot } from '../../../bot/src/slack/create-slack-app';
import type { Scheduler } from '../../../bot/src/conversation/scheduler';
import { openSqliteStore } from '../../../bot/src/store/sqlite-store';
import type { Store } from '../../../bot/src/store/store';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall } from './fake-slack-api';
import { postSigned, slashCommandBody, viewSubmissionBody } from './signed-request';

export const SIGNING_SECRET = 'test-signing-secret-8f2a';
export const BOT_TOKEN = 'xoxb-test-token-do-not-log';
export const ACTION_SECRET = 'test-action-secret-19c4';

type Element = { type?: string; action_id?: string; value?: string; text?: { text: string } | string; confirm?: unknown };
export type Block = { type: string; text?: { text: string }; elements?: Element[] };
const elementText = (e: Element): string => (typeof e.text === 'string' ? e.text : (e.text?.text ?? ''));
export const blocksOf = (c: SlackCall): Block[] => (c.args.blocks as Block[]) ?? [];
/** Everything a reader sees in a message's blocks, one block per line. */
export const allText = (c: SlackCall): string =>
  blocksOf(c)
    .map((b) => b.text?.text ?? (b.elements ?? []).map(elementText).join(' '))
    .join('\n');
export const actionIds = (c: SlackCall): string[] =>
  blocksOf(c)
    .flatMap((b) => b.elements ?? [])
    .map((e) => e.action_id ?? '')
    .filter(Boolean);

export interface TestBot {
  url: string;
  slack: FakeSlackApi;
  bot: SlackBot;
  config: BotConfig;
  /** The bot's store (SQLite in a temporary directory): audit log, event claims, threads. */
  store: Store;
  collectors: CollectorPool;
  logLines: string[];
  /** Posts a form (slash command, interaction) or JSON (event) body signed like Slack. */
  send(body: string): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

/**
 * The real Bolt app on 127.0.0.1:0 against a fake Slack Web API, configured
 * through loadConfig from `env` like production (the collector pool too, with
 * discovery through KUBECONFIG); Kubernetes lookups and escalation are passed in.
 */
export async function startTestBot(
  opts: {
    env?: Record<string, string>;
    kube?: KubeLookup;
    collectors?: (config: BotConfig) => CollectorPool;
    escalation?: EscalationTarget;
    scheduler?: Scheduler;
    recheckDelayMs?: number;
    metrics?: BotMetrics;
    slackProbeTtlMs?: number;
  } = {},
): Promise<TestBot> {
  const slack = await startFakeSlackApi();
  const dbDir = mkdtempSync(join(tmpdir(), 'whystuck-audit-'));
  const store = openSqliteStore(join(dbDir, 'store.db'));
  // The suites paste far more than 6 times a minute as one user: a test of the rate limit sets WHYSTUCK_PASTE_RATE_PER_MINUTE itself.
  const config = loadConfig({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url, WHYSTUCK_PASTE_RATE_PER_MINUTE: '600', ...opts.env }, undefined);
  const collectors = opts.collectors?.(config) ?? collectorPoolFromConfig(config);
  const logLines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (s: string) => {
        logLines.push(s);
      },
    },
  );
  const kube: KubeLookup = opts.kube ?? { getPod: async (ns, name) => ({ status: 'not-found', message: `pod ${ns}/${name} does not exist` }) };
  const bot = createSlackApp({
    config,
    logger,
    actionSecret: ACTION_SECRET,
    store,
    kube,
    collectors,
    escalation: opts.escalation,
    scheduler: opts.scheduler,
    recheckDelayMs: opts.recheckDelayMs ?? 300,
    metrics: opts.metrics,
    slackProbeTtlMs: opts.slackProbeTtlMs,
  });
  const port = await bot.start(0);
  const url = `http://127.0.0.1:${port}/slack/events`;
  return {
    url,
    slack,
    bot,
    config,
    store,
    collectors,
    logLines,
    send: (body) => postSigned(url, SIGNING_SECRET, body, body.startsWith('{') ? { contentType: 'application/json' } : {}),
    async close() {
      await bot.stop();
      collectors.close();
      await slack.close();
      await store.close();
      rmSync(dbDir, { recursive: true, force: true });
    },
  };
}

export type AnalyzeModal = {
  callback_id: string;
  private_metadata: string;
  blocks: { type: string; block_id: string; element: { type: string; action_id: string; multiline?: boolean; max_length?: number } }[];
};

/** `/whystuck analyze` in `channel`: the dialog the bot opened (views.open with the command's trigger id). */
export async function openAnalyzeDialog(t: TestBot, channel = 'C0INCIDENT', user = 'U0ONCALL'): Promise<AnalyzeModal> {
  const mark = t.slack.calls.length;
  const res = await t.send(slashCommandBody('analyze', user, channel));
  if (res.status !== 200) throw new Error(`slash command answered ${res.status}`);
  const open = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'views.open');
  if (open.args.trigger_id !== '1.2.3') throw new Error(`views.open with trigger_id ${String(open.args.trigger_id)}`);
  return open.args.view as AnalyzeModal;
}

/** Submits the dialog with `text` in its box (as a view_submission interaction). */
export function submitAnalyzeDialog(t: TestBot, modal: AnalyzeModal, text: string | null, privateMetadata = modal.private_metadata): Promise<{ status: number; text: string }> {
  const input = modal.blocks[0];
  return t.send(viewSubmissionBody({ callbackId: modal.callback_id, privateMetadata, values: { [input.block_id]: { [input.element.action_id]: { type: 'plain_text_input', value: text } } } }));
}

/** A paste through the dialog: the root message in the channel and the diagnosis in its thread. */
export async function pasteThread(t: TestBot, text: string, channel = 'C0INCIDENT'): Promise<{ root: SlackCall; reply: SlackCall; threadTs: string }> {
  const modal = await openAnalyzeDialog(t, channel);
  const mark = t.slack.calls.length;
  const res = await submitAnalyzeDialog(t, modal, text);
  if (res.status !== 200 || /errors/.test(res.text)) throw new Error(`the dialog refused the paste: ${res.status} ${res.text}`);
  const root = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === undefined && c.args.channel === channel);
  const threadTs = String(root.reply?.ts);
  const reply = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);
  return { root, reply, threadTs };
}
