import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Authoriser } from '../conversation/outbox';

/**
 * Members of Slack user groups (usergroups.users.list), cached for `ttlMs`;
 * concurrent asks about one group share one call. An unreadable group has no
 * members: it grants nothing.
 */
export interface GroupMembers {
  has(group: string, user: string): Promise<boolean>;
}

export function createGroupMembers(client: WebClient, logger: Logger, ttlMs = 60_000): GroupMembers {
  const cache = new Map<string, { at: number; members: Promise<Set<string>> }>();
  return {
    async has(group, user) {
      let entry = cache.get(group);
      if (!entry || Date.now() - entry.at > ttlMs) {
        const members = client.usergroups.users.list({ usergroup: group }).then((r) => new Set(r.users ?? []));
        entry = { at: Date.now(), members };
        cache.set(group, entry);
        // A failed read is not kept: the next ask tries again.
        members.catch((err: Error & { data?: { error?: string } }) => {
          if (cache.get(group) === entry) cache.delete(group);
          logger.warn({ group, error: err.data?.error ?? err.message }, 'reading a user group failed; it grants nothing');
        });
      }
      try {
        return (await entry.members).has(user);
      } catch {
        return false;
      }
    },
  };
}

/** Why a request is refused: another workspace (or the bot's own unknown), a channel off the allow-list, a user who is no reader. */
export type ReadRefusalReason = 'other-workspace' | 'workspace-unknown' | 'channel-not-allowed' | 'not-a-reader';

export interface ReadRefusal {
  reason: ReadRefusalReason;
  /** The one sentence the requester is told. */
  sentence: string;
}

/** Who asks, from where: every team id the request carries (the envelope's, the user's, the event's), its channel, its user. */
export interface ReadRequest {
  teams: string[];
  channel?: string;
  user?: string;
}

/**
 * May this request be answered at all? The one place reads are authorised;
 * create-slack-app.ts applies it (read-gate.ts) to every command, mention,
 * message, button and dialog before anything reaches the conversation.
 */
export interface ReadAuthoriser {
  check(req: ReadRequest): Promise<ReadRefusal | undefined>;
}

export interface ReadAuthoriserOptions {
  /**
   * The workspaces whose requests are answered: WHYSTUCK_SLACK_TEAM_ID (one, or an Enterprise Grid organisation's),
   * else auth.test's team_id; undefined = not known (yet, or an organisation-wide install with no list): refuse.
   */
  workspaces(): string[] | undefined;
  /** WHYSTUCK_CHANNELS; undefined = every channel. */
  channels?: string[];
  /** Always allowed when there is an allow-list: the watch-mode alert channel, whose threads the bot answers. */
  alsoChannels?: string[];
  /** WHYSTUCK_READERS (users U…/W…, groups S…); undefined = everyone in the allowed channels. */
  readers?: string[];
  /** WHYSTUCK_REMEDIATORS: they may read too. */
  remediators?: string[];
  members: GroupMembers;
}

const shown = (channels: string[]): string => {
  const links = channels.slice(0, 5).map((c) => `<#${c}>`);
  return channels.length > 5 ? `${links.join(', ')} and ${channels.length - 5} more` : links.join(', ');
};

export function createReadAuthoriser(o: ReadAuthoriserOptions): ReadAuthoriser {
  const channels = o.channels ? new Set([...o.channels, ...(o.alsoChannels ?? [])]) : undefined;
  const whoMay = o.readers ? [...new Set([...o.readers, ...(o.remediators ?? [])])] : undefined;
  const users = new Set((whoMay ?? []).filter((r) => !r.startsWith('S')));
  const groups = (whoMay ?? []).filter((r) => r.startsWith('S'));

  async function isReader(user: string): Promise<boolean> {
    if (users.has(user)) return true;
    for (const group of groups) if (await o.members.has(group, user)) return true;
    return false;
  }

  return {
    async check(req) {
      const teams = o.workspaces();
      if (!teams?.length)
        return {
          reason: 'workspace-unknown',
          sentence:
            'whystuck does not know yet which Slack workspaces it answers (an install on a whole Enterprise Grid organisation needs WHYSTUCK_SLACK_TEAM_ID), so it answers nobody; try again in a minute, or ask its operators.',
        };
      // Every team the request carries — the envelope's, the user's, the event's — must be one of ours: a user of
      // another organisation in a shared channel (Slack Connect) is refused; one of a sister workspace of the same
      // Enterprise Grid organisation is answered when WHYSTUCK_SLACK_TEAM_ID lists that workspace too.
      if (!req.teams.length || req.teams.some((t) => !teams.includes(t))) {
        return { reason: 'other-workspace', sentence: 'whystuck answers only the Slack workspace it is installed in; this request came from another.' };
      }
      if (channels && (!req.channel || !channels.has(req.channel))) {
        return { reason: 'channel-not-allowed', sentence: `whystuck does not answer in this channel: ask in ${shown([...channels])} (WHYSTUCK_CHANNELS).` };
      }
      if (whoMay && (!req.user || !(await isReader(req.user)))) {
        return { reason: 'not-a-reader', sentence: 'You are not allowed to ask whystuck: only the users and groups in WHYSTUCK_READERS (and the remediators) may; ask on-call.' };
      }
      return undefined;
    },
  };
}

/**
 * Who may page PagerDuty from a thread whose diagnosis comes from a paste
 * (anyone can paste anything): the remediators and the members of the
 * channel's on-call group. Live diagnoses page for anyone who may read.
 */
export function pastePagers(remediators: Authoriser, oncallGroups: Map<string, string>, members: GroupMembers): (user: string, channel: string) => Promise<boolean> {
  return async (user, channel) => {
    if (await remediators.mayRemediate(user)) return true;
    const group = oncallGroups.get(channel);
    return group !== undefined && members.has(group, user);
  };
}
