import { randomUUID } from 'node:crypto';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Store } from '../store/store';
import type { ReadAuthoriser, ReadRefusal } from './read-authorise';

export interface ReadGateDeps {
  authoriser: ReadAuthoriser;
  logger: Logger;
  /** Whether a thread is whystuck's: a message in it would be read as a paste or a question. */
  isOurThread(channel: string, threadTs: string): Promise<boolean>;
  /** A refused remediation click is a row of the audit log (REFUSED_…), as the remediation service's own refusals are. */
  audit?: Pick<Store, 'recordIntent' | 'recordResult'>;
}

/**
 * What a request asks and how its requester is told a refusal:
 * `ack` (a command's ephemeral answer), `view` (the dialog shows it),
 * `ephemeral` (chat.postEphemeral), `once` (ephemeral, once per user and
 * thread: people talking in a whystuck thread are not told on every line),
 * `silent` (nothing the bot would have answered: dropped without a word).
 */
interface Asked {
  kind: string;
  teams: string[];
  channel?: string;
  user?: string;
  thread?: string;
  tell: 'ack' | 'view' | 'ephemeral' | 'once' | 'silent';
  /** A message in a thread: answered (so told) only when the thread is whystuck's, asked only once it is refused. */
  ifOurThread?: boolean;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const ids = (...vs: unknown[]): string[] => [...new Set(vs.map(str).filter((v): v is string => v !== undefined))];

function channelOfDialog(view: Obj): string | undefined {
  try {
    return str(obj(JSON.parse(str(view.private_metadata) ?? '{}')).channel);
  } catch {
    return undefined;
  }
}

/** Who asks what, from where, and how a refusal is told, from any body Slack sends (the ones no listener answers are `silent`). */
function asked(body: Obj, botUserId: string | undefined): Asked {
  const team = obj(body.team);
  const user = obj(body.user);
  if (typeof body.command === 'string') {
    return { kind: 'command', teams: ids(body.team_id), channel: str(body.channel_id), user: str(body.user_id), tell: 'ack' };
  }
  if (body.type === 'block_actions') {
    const action = obj((body.actions as unknown[] | undefined)?.[0]);
    const message = obj(body.message);
    return {
      kind: `action:${str(action.action_id) ?? '?'}`,
      teams: ids(team.id, user.team_id),
      channel: str(obj(body.channel).id) ?? str(obj(body.container).channel_id),
      user: str(user.id),
      thread: str(message.thread_ts) ?? str(message.ts),
      tell: 'ephemeral',
    };
  }
  if (body.type === 'view_submission' || body.type === 'view_closed') {
    return { kind: String(body.type), teams: ids(team.id, user.team_id), channel: channelOfDialog(obj(body.view)), user: str(user.id), tell: body.type === 'view_submission' ? 'view' : 'silent' };
  }
  if (body.type === 'event_callback') {
    const e = obj(body.event);
    const base = { kind: `event:${str(e.type) ?? '?'}`, teams: ids(body.team_id, e.team, e.user_team), channel: str(e.channel), user: str(e.user) };
    const files = Array.isArray(e.files) && e.files.length > 0;
    // A mention with a file: the message event of the same post reads the file, and says it.
    if (e.type === 'app_mention') return { ...base, thread: str(e.thread_ts), tell: files ? 'silent' : 'ephemeral' };
    if (e.type === 'message') {
      const thread = str(e.thread_ts);
      const mention = botUserId !== undefined && String(e.text ?? '').includes(`<@${botUserId}>`);
      const candidate = thread !== undefined && thread !== e.ts && !e.bot_id && base.user !== undefined && (e.subtype === undefined || e.subtype === 'file_share') && (files || !mention);
      if (!candidate || !base.channel) return { ...base, tell: 'silent' };
      const botsThread = botUserId !== undefined && e.parent_user_id === botUserId;
      return { ...base, thread, tell: files ? 'ephemeral' : 'once', ifOurThread: !botsThread };
    }
    return { ...base, tell: 'silent' };
  }
  return { kind: str(body.type) ?? 'unknown', teams: ids(body.team_id, team.id, user.team_id), user: str(user.id), tell: 'silent' };
}

/** The dialog replaced by the refusal: the requester reads it where they typed. */
const refusalView = (sentence: string) => ({
  type: 'modal' as const,
  title: { type: 'plain_text' as const, text: 'whystuck' },
  close: { type: 'plain_text' as const, text: 'Close' },
  blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: sentence } }],
});

/**
 * The global Bolt middleware that authorises reads: every request the app
 * listens to — slash command, mention, message in a thread (a paste or an
 * upload), button, dialog — passes `authoriser.check` before any listener,
 * so before the conversation, a collector or the Kubernetes API is asked.
 * A refused request gets one sentence, for its requester only (none when it
 * comes from another workspace: only a command or a dialog can answer there,
 * through Slack's own response), and a log line with the reason, the kind,
 * workspace, channel and user — never the text.
 */
export function readGate(deps: ReadGateDeps): Middleware<AnyMiddlewareArgs> {
  const told = new Set<string>();
  return async (args) => {
    const { body, context, client, next } = args;
    const ack = (args as { ack?: (response?: unknown) => Promise<void> }).ack;
    const a = asked(obj(body), context.botUserId);
    const refusal = await deps.authoriser.check(a);
    if (!refusal) {
      await next();
      return;
    }
    if (a.ifOurThread && !(await deps.isOurThread(a.channel!, a.thread!).catch(() => false))) a.tell = 'silent';
    const elsewhere = refusal.reason === 'other-workspace';
    const fields = { reason: refusal.reason, kind: a.kind, teams: a.teams, channel: a.channel, user: a.user };
    if (a.tell === 'silent') deps.logger.debug(fields, 'request refused (nothing to answer)');
    else if (elsewhere || refusal.reason === 'workspace-unknown') deps.logger.warn(fields, 'request refused');
    else deps.logger.info(fields, 'request refused');
    if (a.kind.startsWith('action:remediate_')) await auditRefusal(deps, a, refusal);
    if (a.tell === 'ack') {
      await ack?.({ response_type: 'ephemeral', text: refusal.sentence });
      return;
    }
    if (a.tell === 'view') {
      await ack?.({ response_action: 'update', view: refusalView(refusal.sentence) });
      return;
    }
    await ack?.();
    if (elsewhere || a.tell === 'silent' || !a.channel || !a.user) return;
    if (a.tell === 'once') {
      const key = `${a.user} ${a.channel} ${a.thread ?? ''}`;
      if (told.has(key)) return;
      if (told.size >= 10_000) told.clear();
      told.add(key);
    }
    await whisper(client, a, refusal.sentence, deps.logger);
  };
}

async function whisper(client: WebClient, a: Asked, text: string, logger: Logger): Promise<void> {
  try {
    await client.chat.postEphemeral({ channel: a.channel!, user: a.user!, ...(a.thread ? { thread_ts: a.thread } : {}), text });
  } catch (err) {
    logger.info({ error: (err as { data?: { error?: string } }).data?.error ?? (err as Error).message, channel: a.channel, user: a.user }, 'could not tell a refused user why');
  }
}

/** A remediation button pressed by someone refused here never reaches the remediation service: its row is written here (the token is unread: the row names the user). */
async function auditRefusal(deps: ReadGateDeps, a: Asked, refusal: ReadRefusal): Promise<void> {
  if (!deps.audit) return;
  const outcome = `REFUSED_${refusal.reason.toUpperCase().replace(/-/g, '_')}`;
  try {
    const row = await deps.audit.recordIntent({ tokenId: `refused:${randomUUID()}`, user: a.user ?? '', node: '', pid: 0, startTime: 0, comm: '', signal: '', findingId: '' });
    if (row.status === 'new') await deps.audit.recordResult(row.id, outcome, `${refusal.reason} (team ${a.teams.join(',') || 'none'}, channel ${a.channel ?? 'none'})`);
  } catch (err) {
    deps.logger.error({ err, outcome }, 'could not write the refusal to the audit log');
  }
}
