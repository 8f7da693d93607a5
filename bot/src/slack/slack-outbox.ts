import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Message, Outbox, Place, Posted } from '../conversation/outbox';
import { diagnosisBlocks } from './diagnosis-blocks';

/**
 * The conversation's outbox on Slack's Web API: sentences as mrkdwn text,
 * diagnosis replies as Block Kit (diagnosis-blocks.ts), one-user answers as
 * ephemeral messages. Every request still passes the Slack boundary
 * (slack-boundary.ts) in the client's fetch.
 */
export function slackOutbox(client: WebClient): Outbox {
  return {
    async post(place: Place, message: Message): Promise<Posted> {
      const thread = place.thread ? { thread_ts: place.thread } : {};
      if ('text' in message) {
        const res = await client.chat.postMessage({ channel: place.channel, ...thread, text: message.text });
        return { ts: res.ts ?? '' };
      }
      const r = diagnosisBlocks(message.reply);
      const res = await client.chat.postMessage({ channel: place.channel, ...thread, text: r.text, blocks: r.blocks as unknown as KnownBlock[] });
      return { ts: res.ts ?? '', overflow: r.overflow };
    },
    async whisper(place, user, text) {
      await client.chat.postEphemeral({ channel: place.channel, user, ...(place.thread ? { thread_ts: place.thread } : {}), text });
    },
    async link(channel, ts) {
      return (await client.chat.getPermalink({ channel, message_ts: ts })).permalink;
    },
  };
}
