import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { slackOutbox } from './slack-outbox';
import { analyzePasteStream, analyzePasteText, refusedPaste, slackMessageText, type PasteAnalysis } from '../conversation/analyze-paste';
import type { Conversation } from '../conversation/conversation';
import { pasteAdmission, PasteRateLimited } from '../paste/paste-admission';
import { FileRefused, prepareSlackFiles, type SlackFile } from './slack-files';

export interface ThreadPasteDeps {
  convo: Conversation;
  botToken: string;
  apiUrl?: string;
  maxBytes: number;
  /** Time for reading one paste (default 10 s). */
  timeBudgetMs?: number;
  logger: Logger;
  /** True the first time an event id is seen (Slack retries events). */
  firstDelivery(eventId: string): Promise<boolean>;
}

interface MessageEvent {
  subtype?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  parent_user_id?: string;
  channel: string;
  files?: SlackFile[];
}

/**
 * Whether a message refused before it was read (the bot busy, the user over
 * the rate) is worth telling so: a code block or three lines or more looks
 * pasted; a line of talk in the thread is left alone, as it would be anyway.
 */
export function looksPasted(text: string): boolean {
  return text.includes('```') || text.split('\n').filter((l) => l.trim()).length >= 3;
}

/**
 * Text and files posted in a whystuck thread are analysed like
 * `whystuck analyze`. A file is always answered (it was posted to be read);
 * a text message only when it reads as logs or process listings, so the
 * people talking in the thread are not answered with "nothing recognised".
 * Each goes through the bot's paste admission (paste-admission.ts): a few at
 * a time, a few per user per minute; a file counts at once, a text message
 * only if it was a paste.
 */
export function registerThreadPastes(app: App, deps: ThreadPasteDeps): void {
  app.event('message', async ({ event, body, context, client }) => {
    const m = event as unknown as MessageEvent;
    if (!m.thread_ts || m.thread_ts === m.ts || m.bot_id || !m.user || (m.subtype && m.subtype !== 'file_share')) return;
    const mention = context.botUserId ? `<@${context.botUserId}>` : undefined;
    const files = m.files ?? [];
    if (!files.length && mention && m.text?.includes(mention)) return; // the app_mention handler answers it
    const ours = (context.botUserId !== undefined && m.parent_user_id === context.botUserId) || (await deps.convo.thread(m.channel, m.thread_ts)) !== undefined;
    if (!ours) return;
    if (!(await deps.firstDelivery((body as { event_id?: string }).event_id ?? `${m.channel}:${m.ts}`))) return;
    const log = deps.logger.child({ channel: m.channel, user: m.user, files: files.length });
    void (async () => {
      const analysis = files.length ? await readFiles(client, files, m.user!, log) : await readText(m.text ?? '', m.user!);
      if (!analysis) return; // conversation, not a paste
      await deps.convo.answerPaste(slackOutbox(client), m.channel, m.thread_ts, m.user!, analysis);
    })().catch((err) => log.error({ err }, 'analysing a paste in a thread failed'));
  });

  /** A text message: null when it is talk, not a paste (or a refused one that does not look pasted). */
  async function readText(raw: string, user: string): Promise<PasteAnalysis | null> {
    const over = pasteAdmission.overRate(user);
    if (over) {
      if (!looksPasted(raw)) return null;
      pasteAdmission.noteRateRefusal();
      return refusedPaste(over);
    }
    const analysis = await analyzePasteText(slackMessageText(raw), 'this message', deps.timeBudgetMs);
    if (analysis.status === 'ok') {
      pasteAdmission.countPaste(user);
      return analysis;
    }
    return analysis.refused && looksPasted(raw) ? analysis : null;
  }

  async function readFiles(client: WebClient, files: SlackFile[], user: string, log: Logger): Promise<PasteAnalysis> {
    const what = files.length === 1 ? (files[0].name ?? 'the file') : `${files.length} files`;
    try {
      pasteAdmission.takeRate(user);
      // Checked now (files.info, sizes); downloaded only once a slot is free.
      const open = await prepareSlackFiles(files, { client, botToken: deps.botToken, apiUrl: deps.apiUrl, maxBytes: deps.maxBytes });
      return await analyzePasteStream(async () => open(), what, deps.timeBudgetMs);
    } catch (err) {
      if (err instanceof PasteRateLimited) return refusedPaste(err);
      if (err instanceof FileRefused) return { status: 'unusable', message: err.message };
      log.warn({ err }, 'file download failed');
      return { status: 'unusable', message: `downloading ${what} from Slack failed: ${(err as Error).message}` };
    }
  }
}
