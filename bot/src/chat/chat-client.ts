import type { WebClient } from '@slack/web-api';

/**
 * The part of Slack's Web API the conversation and the remediation flow call,
 * served by another transport (the terminal): every post becomes a
 * `PostedMessage` for the transport to show. Timestamps are Slack-shaped and
 * increasing, so threads work the same way.
 */
export interface PostedMessage {
  kind: 'message' | 'ephemeral';
  channel: string;
  ts: string;
  /** Set for replies in a thread. */
  threadTs?: string;
  text: string;
  blocks?: unknown[];
}

type PostArgs = { channel: string; thread_ts?: string; text?: string; blocks?: unknown[] };

export function createChatClient(onPost: (m: PostedMessage) => void): WebClient {
  let seq = 0;
  const nextTs = (): string => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
  const post = (kind: PostedMessage['kind'], a: PostArgs): { ok: true; ts: string; channel: string } => {
    const ts = nextTs();
    onPost({ kind, channel: a.channel, ts, threadTs: a.thread_ts, text: a.text ?? '', blocks: a.blocks });
    return { ok: true, ts, channel: a.channel };
  };
  const client = {
    chat: {
      postMessage: async (a: PostArgs) => post('message', a),
      postEphemeral: async (a: PostArgs) => ({ ok: true, message_ts: post('ephemeral', a).ts }),
      getPermalink: async (a: { channel: string; message_ts: string }) => ({ ok: true, permalink: `whystuck://${a.channel}/${a.message_ts}` }),
    },
    // Slack user groups do not exist here: membership grants nothing.
    usergroups: { users: { list: async () => ({ ok: true, users: [] as string[] }) } },
    conversations: { open: async (a: { users: string }) => ({ ok: true, channel: { id: a.users } }) },
  };
  // Only the methods above exist; a call to any other Web API method fails loudly (TypeError), never silently.
  return client as unknown as WebClient;
}
