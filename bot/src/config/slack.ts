import { z } from 'zod';
import { listWhere, numberWhere, textWhere, type SettingTable, type Sources } from './sources';

/** Slack: credentials (environment only), the Web API URL, the HTTP receiver, who may ask (read-authorise.ts). */
export interface SlackConfig {
  botToken?: string;
  signingSecret?: string;
  appToken?: string;
  apiUrl?: string;
  /**
   * WHYSTUCK_SLACK_TEAM_ID: the workspaces (T…) whose requests are answered — one, or several of an Enterprise Grid
   * organisation, whose users meet in channels shared across its workspaces; unset = the bot token's own (auth.test).
   */
  teams?: string[];
  /** WHYSTUCK_CHANNELS: the channel ids questions, commands, buttons and pastes are answered in; unset = every channel. */
  channels?: string[];
  /** WHYSTUCK_READERS: user ids (U…/W…) and user-group ids (S…) that may ask; unset = everyone in the allowed channels. */
  readers?: string[];
}

export const SLACK_FILE_KEYS = {
  port: z.number().optional(),
  slackTeamId: z.union([z.string(), z.array(z.string())]).optional(),
  channels: z.array(z.string()).optional(),
  readers: z.array(z.string()).optional(),
};

export const SLACK_SETTINGS = {
  botToken: { env: 'SLACK_BOT_TOKEN', secret: true },
  signingSecret: { env: 'SLACK_SIGNING_SECRET', secret: true },
  appToken: { env: 'SLACK_APP_TOKEN', secret: true },
  apiUrl: { env: 'SLACK_API_URL' },
  port: { env: 'PORT', file: 'port', type: 'number' },
  listenHost: { env: 'WHYSTUCK_LISTEN_HOST' },
  teams: { env: 'WHYSTUCK_SLACK_TEAM_ID', file: 'slackTeamId', type: 'list', blankIsUnset: true },
  channels: { env: 'WHYSTUCK_CHANNELS', file: 'channels', type: 'list', blankIsUnset: true },
  readers: { env: 'WHYSTUCK_READERS', file: 'readers', type: 'list', blankIsUnset: true },
} satisfies SettingTable;

/** A list that, when given, names at least one id: an empty allow-list is a mistake, not "nobody" (unset it for everyone). */
const idList = (ok: (id: string) => boolean, allowed: string, unset: string) =>
  listWhere(ok, allowed)
    .refine((l) => l.length > 0, { error: `is empty: list at least one id, or unset it (${unset})`, params: { value: '' } })
    .optional();

const SlackSchema = z.object({
  botToken: textWhere((t) => /^xox[bp]-/.test(t), 'must be a bot token starting with xoxb-').optional(),
  signingSecret: z.string().optional(),
  appToken: textWhere((t) => /^xapp-/.test(t), 'must be an app-level token starting with xapp-').optional(),
  apiUrl: textWhere((u) => /^https?:\/\/\S+\/$/.test(u), 'must be a URL ending in "/" (e.g. https://slack.com/api/)').optional(),
  port: numberWhere((n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'is not a port number (0-65535)').default(3000),
  listenHost: z.string().default('127.0.0.1'),
  // One id in the YAML file is a string, several a list (or a comma-separated string, as in the environment).
  teams: z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean)
        : v,
    idList(
      (t) => /^T[A-Z0-9]+$/.test(t),
      "is not a Slack workspace (team) id: T… (auth.test's team_id, or the workspace's URL in a browser); an Enterprise Grid organisation (E…) is named by its workspaces' ids",
      "unset = the bot token's own workspace",
    ),
  ),
  channels: idList((c) => /^[CGD][A-Z0-9]{2,}$/.test(c), "is not a Slack channel id: use the id (C…, G… or D…, in the channel's details), not its name", 'unset = every channel'),
  readers: idList((r) => /^[UWS][A-Z0-9]{2,}$/.test(r), 'is not a Slack user id (U…/W…) or user-group id (S…)', 'unset = everyone in the allowed channels'),
});

export function slackSection(src: Sources): { slack: SlackConfig; port: number; listenHost: string } {
  const v = src.section('slack', SLACK_SETTINGS, SlackSchema);
  return {
    slack: { botToken: v.botToken, signingSecret: v.signingSecret, appToken: v.appToken, apiUrl: v.apiUrl, teams: v.teams, channels: v.channels, readers: v.readers },
    port: v.port,
    listenHost: v.listenHost,
  };
}

/**
 * `whystuck config check`'s lines on who may ask: the workspace, the channels
 * (the watch-mode alert channel is always one: its threads are answered) and
 * the readers (remediators are readers too).
 */
export function describeReadAccess(slack: SlackConfig, alertChannel?: string): string[] {
  const channels = slack.channels
    ? `${[...new Set([...slack.channels, ...(alertChannel ? [alertChannel] : [])])].join(', ')} only (WHYSTUCK_CHANNELS${alertChannel && !slack.channels.includes(alertChannel) ? ', and the alert channel' : ''}); requests from any other channel are refused`
    : 'every channel the bot is in or is asked from (WHYSTUCK_CHANNELS unset)';
  return [
    `${slack.teams && slack.teams.length > 1 ? 'workspaces' : 'workspace'}: ${slack.teams ? `${slack.teams.join(', ')} (WHYSTUCK_SLACK_TEAM_ID)` : "the bot token's own, from auth.test at the first request (WHYSTUCK_SLACK_TEAM_ID unset)"}; requests from another are refused`,
    `answers in: ${channels}`,
    `readers: ${slack.readers ? `${slack.readers.join(', ')} and the remediators (WHYSTUCK_READERS)` : 'everyone in the allowed channels (WHYSTUCK_READERS unset)'}`,
  ];
}
