import { z } from 'zod';
import { numberWhere, textWhere, type SettingTable, type Sources } from './sources';

/** Slack: credentials (environment only), the Web API URL, the HTTP receiver. */
export interface SlackConfig { botToken?: string; signingSecret?: string; appToken?: string; apiUrl?: string }

export const SLACK_FILE_KEYS = { port: z.number().optional() };

export const SLACK_SETTINGS = {
  botToken: { env: 'SLACK_BOT_TOKEN', secret: true },
  signingSecret: { env: 'SLACK_SIGNING_SECRET', secret: true },
  appToken: { env: 'SLACK_APP_TOKEN', secret: true },
  apiUrl: { env: 'SLACK_API_URL' },
  port: { env: 'PORT', file: 'port', type: 'number' },
  listenHost: { env: 'WHYSTUCK_LISTEN_HOST' },
} satisfies SettingTable;

const SlackSchema = z.object({
  botToken: textWhere((t) => /^xox[bp]-/.test(t), 'must be a bot token starting with xoxb-').optional(),
  signingSecret: z.string().optional(),
  appToken: textWhere((t) => /^xapp-/.test(t), 'must be an app-level token starting with xapp-').optional(),
  apiUrl: textWhere((u) => /^https?:\/\/\S+\/$/.test(u), 'must be a URL ending in "/" (e.g. https://slack.com/api/)').optional(),
  port: numberWhere((n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'is not a port number (0-65535)').default(3000),
  listenHost: z.string().default('127.0.0.1'),
});

export function slackSection(src: Sources): { slack: SlackConfig; port: number; listenHost: string } {
  const v = src.section('slack', SLACK_SETTINGS, SlackSchema);
  return { slack: { botToken: v.botToken, signingSecret: v.signingSecret, appToken: v.appToken, apiUrl: v.apiUrl }, port: v.port, listenHost: v.listenHost };
}
