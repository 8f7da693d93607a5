import type { WebClient } from '@slack/web-api';
import type { Outbox } from '../conversation/outbox';
import type { Target } from '../conversation/thread-context';
import { slackOutbox } from '../slack/slack-outbox';

/**
 * The diagnosis under an alert, told the way a question is answered: the
 * conversation's reply in the alert's thread (same blocks, remediation
 * buttons, Recheck and Escalate), and the thread known to it for follow-ups.
 */
export interface ThreadDiagnoser {
  diagnose(client: WebClient, channel: string, ts: string, target: Target): Promise<void>;
  /** The incident paged on-call already: the thread does not auto-escalate again. */
  paged(channel: string, ts: string): Promise<void>;
}

/** The part of the conversation (bot/src/conversation/conversation.ts) an alert thread uses. */
export interface ConversationLike {
  answer(out: Outbox, channel: string, threadTs: string | undefined, user: string, target: Target): Promise<unknown>;
  acting(channel: string, threadTs: string): Promise<void> | void;
}

export function conversationDiagnoser(convo: ConversationLike): ThreadDiagnoser {
  return {
    diagnose: async (client, channel, ts, target) => {
      await convo.answer(slackOutbox(client), channel, ts, '', target);
    },
    paged: async (channel, ts) => {
      await convo.acting(channel, ts);
    },
  };
}
