import { createHmac } from 'node:crypto';

/** Posts to the bot like Slack does: v0 signature over "v0:TIMESTAMP:BODY" with the signing secret. */
export async function postSigned(
  url: string,
  secret: string,
  body: string,
  opts: { contentType?: string; timestamp?: number; badSignature?: boolean; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string; ms: number }> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  let sig = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  if (opts.badSignature) sig = `v0=${'0'.repeat(64)}`;
  const t0 = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': opts.contentType ?? 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig, ...opts.headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - t0 };
}

export function slashCommandBody(text: string, user = 'U0ONCALL', channel = 'C0INCIDENT'): string {
  return new URLSearchParams({
    token: 'legacy',
    team_id: 'T1',
    team_domain: 'example',
    channel_id: channel,
    channel_name: 'incidents',
    user_id: user,
    user_name: 'oncall',
    command: '/whystuck',
    text,
    api_app_id: 'A1',
    response_url: 'http://127.0.0.1:9/response',
    trigger_id: '1.2.3',
  }).toString();
}

export function blockActionBody(opts: { user: string; channel: string; messageTs: string; threadTs: string; actionId: string; value: string }): string {
  const payload = {
    type: 'block_actions',
    token: 'legacy',
    api_app_id: 'A1',
    trigger_id: '1.2.3',
    user: { id: opts.user, username: 'someone', team_id: 'T1' },
    team: { id: 'T1', domain: 'example' },
    channel: { id: opts.channel, name: 'incidents' },
    container: { type: 'message', message_ts: opts.messageTs, channel_id: opts.channel, is_ephemeral: false, thread_ts: opts.threadTs },
    message: { type: 'message', ts: opts.messageTs, thread_ts: opts.threadTs, text: 'diagnosis' },
    response_url: 'http://127.0.0.1:9/response',
    actions: [{ type: 'button', action_id: opts.actionId, block_id: 'b', value: opts.value, action_ts: '1700000000.1', text: { type: 'plain_text', text: 'x' } }],
  };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

const newTs = (): string => `${Math.floor(Date.now() / 1000)}.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;

/** The Events API envelope around one event. */
function eventCallback(event: Record<string, unknown>, eventId?: string): string {
  return JSON.stringify({
    token: 'legacy',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: eventId ?? `Ev${Math.random().toString(36).slice(2)}`,
    event_time: Math.floor(Date.now() / 1000),
    event,
  });
}

export function mentionEventBody(opts: { text: string; user?: string; channel?: string; threadTs?: string; eventId?: string }): string {
  const ts = newTs();
  return eventCallback(
    { type: 'app_mention', user: opts.user ?? 'U0ONCALL', text: opts.text, ts, channel: opts.channel ?? 'C0INCIDENT', event_ts: ts, ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}) },
    opts.eventId,
  );
}

/**
 * A message event (message.channels) as Slack sends it for a reply in a
 * thread: plain text, or subtype file_share with the uploaded files' objects.
 */
export function messageEventBody(opts: { text?: string; user?: string; channel?: string; threadTs?: string; parentUserId?: string; files?: object[]; botId?: string; eventId?: string }): string {
  const ts = newTs();
  return eventCallback(
    {
      type: 'message',
      channel_type: 'channel',
      user: opts.user ?? 'U0ONCALL',
      text: opts.text ?? '',
      ts,
      event_ts: ts,
      channel: opts.channel ?? 'C0INCIDENT',
      ...(opts.threadTs ? { thread_ts: opts.threadTs, parent_user_id: opts.parentUserId ?? 'UBOT' } : {}),
      ...(opts.files ? { subtype: 'file_share', files: opts.files, upload: false, display_as_bot: false } : {}),
      ...(opts.botId ? { bot_id: opts.botId } : {}),
    },
    opts.eventId,
  );
}

/** The view_submission interaction Slack posts when someone submits a modal. */
export function viewSubmissionBody(opts: { user?: string; callbackId: string; privateMetadata: string; values: Record<string, Record<string, { type: string; value: string | null }>> }): string {
  const payload = {
    type: 'view_submission',
    token: 'legacy',
    api_app_id: 'A1',
    trigger_id: '4.5.6',
    team: { id: 'T1', domain: 'example' },
    user: { id: opts.user ?? 'U0ONCALL', username: 'oncall', team_id: 'T1' },
    view: {
      id: 'V1',
      team_id: 'T1',
      type: 'modal',
      callback_id: opts.callbackId,
      private_metadata: opts.privateMetadata,
      title: { type: 'plain_text', text: 'whystuck analyze' },
      blocks: [],
      hash: '1.abc',
      app_id: 'A1',
      bot_id: 'BBOT',
      state: { values: opts.values },
    },
    response_urls: [],
  };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
