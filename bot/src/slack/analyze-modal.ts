import type { App } from '@slack/bolt';
import type { View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { slackOutbox } from './slack-outbox';
import { analyzePasteText, type PasteAnalysis } from '../conversation/analyze-paste';
import { pasteAdmission, PasteRateLimited } from '../paste/paste-admission';
import type { Conversation } from '../conversation/conversation';
import { clip } from './diagnosis-blocks';

export const ANALYZE_CALLBACK = 'whystuck_analyze';
const BLOCK = 'paste';
const INPUT = 'text';
/** Slack's limit for a plain_text_input. */
const MAX_CHARS = 3000;
const CHANNEL = /^[CGD][A-Z0-9]{2,}$/;
const capital = (s: string): string => `${s.slice(0, 1).toUpperCase()}${s.slice(1)}`;

/** The paste dialog; the channel the command came from rides in private_metadata. */
export function analyzeModal(channel: string): View {
  return {
    type: 'modal',
    callback_id: ANALYZE_CALLBACK,
    private_metadata: JSON.stringify({ channel }),
    title: { type: 'plain_text', text: 'whystuck analyze' },
    submit: { type: 'plain_text', text: 'Analyse' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: BLOCK,
        label: { type: 'plain_text', text: 'Paste what you have' },
        element: {
          type: 'plain_text_input',
          action_id: INPUT,
          multiline: true,
          max_length: MAX_CHARS,
          placeholder: { type: 'plain_text', text: 'dmesg, journalctl -k, ps aux, top -H, /proc/PID/stack, crash bt… mixed is fine' },
        },
        hint: { type: 'plain_text', text: `Up to ${MAX_CHARS.toLocaleString('en')} characters. For longer logs, upload the file in a whystuck thread.` },
      },
    ],
  };
}

/** A submitted dialog waits for its answer (Slack allows 3 s): its paste (3,000 characters at most) gets this long to be read. */
const MODAL_BUDGET_MS = 2000;
/** The longest a dialog's paste waits for an analysis slot; the wait comes off its 2 s, so the answer still comes within Slack's 3 s. */
const MODAL_MAX_WAIT_MS = 1000;

/** `/whystuck analyze`: the dialog must open within the trigger id's 3 seconds. */
export async function openAnalyzeModal(client: WebClient, triggerId: string, channel: string): Promise<void> {
  await client.views.open({ trigger_id: triggerId, view: analyzeModal(channel) });
}

interface Submission {
  user: { id: string };
  view: { private_metadata?: string; state: { values: Record<string, Record<string, { value?: string | null }>> } };
}

/**
 * The dialog's submission: an empty or unreadable paste keeps the dialog open
 * with the reason under the box; a usable one closes it and the diagnosis is
 * posted in the channel (root message + thread), like any other answer.
 */
export function registerAnalyzeModal(app: App, convo: Conversation, logger: Logger, timeBudgetMs = MODAL_BUDGET_MS): void {
  app.view(ANALYZE_CALLBACK, async ({ ack, body, client }) => {
    const b = body as unknown as Submission;
    const text = b.view.state.values[BLOCK]?.[INPUT]?.value ?? '';
    let channel = '';
    try {
      channel = String((JSON.parse(b.view.private_metadata || '{}') as { channel?: unknown }).channel ?? '');
    } catch {
      channel = '';
    }
    const refuse = (message: string): Promise<void> => ack({ response_action: 'errors', errors: { [BLOCK]: clip(message, 300) } });
    if (!CHANNEL.test(channel)) {
      await refuse('This dialog lost track of its channel: close it and run /whystuck analyze again in the channel.');
      return;
    }
    if (!text.trim()) {
      await refuse('The box is empty: paste dmesg, journalctl -k, ps or top output, /proc/PID/stack|stat|status or a crash bt.');
      return;
    }
    // One person's pastes per minute (WHYSTUCK_PASTE_RATE_PER_MINUTE), counted in this process.
    try {
      pasteAdmission.takeRate(b.user.id);
    } catch (err) {
      if (!(err instanceof PasteRateLimited)) throw err;
      await refuse(`${capital(err.message)}.`);
      return;
    }
    // The dialog must be answered within Slack's 3 s: the paste waits at most 1 s for a slot (else it is refused as busy)
    // and is read off the event loop within what is left of a shorter budget.
    const analysis = await analyzePasteText(text, undefined, Math.min(timeBudgetMs, MODAL_BUDGET_MS), { maxWaitMs: MODAL_MAX_WAIT_MS, waitCountsToBudget: true });
    if (analysis.status !== 'ok') {
      await refuse(`${capital(analysis.message)}.`);
      return;
    }
    await ack();
    void postAnalysis(client, convo, channel, b.user.id, analysis).catch((err) => logger.error({ err }, 'posting a paste analysis failed'));
  });
}

/**
 * Slash commands work in channels the bot is not a member of; posting there
 * does not. Then the analysis goes to the user's direct messages with the bot,
 * saying why.
 */
async function postAnalysis(client: WebClient, convo: Conversation, channel: string, user: string, analysis: PasteAnalysis): Promise<void> {
  try {
    await convo.answerPaste(slackOutbox(client), channel, undefined, user, analysis);
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    if (code !== 'not_in_channel' && code !== 'channel_not_found') throw err;
    const dm = (await client.conversations.open({ users: user })).channel?.id;
    if (!dm) throw err;
    await client.chat.postMessage({ channel: dm, text: `I cannot post in <#${channel}> (${code}): invite me there with \`/invite @whystuck\`. Here is your analysis instead.` });
    await convo.answerPaste(slackOutbox(client), dm, undefined, user, analysis);
  }
}
