import { z } from 'zod';
import { ALERT_KINDS, DEFAULT_PAGE_KINDS } from './alert-event';
import type { AlertPolicySettings } from './alert-policy';

/** Watch mode in the bot: on when an alert channel is configured. */
export interface WatchConfig {
  /** Channel id (C…/G…) the alerts go to; the bot must be a member. */
  channel: string;
  policy: AlertPolicySettings;
  /** A kernel-report incident with no new event for this long is rechecked and resolved when the fresh look no longer shows it. */
  resolveAfterMs: number;
  /** Reading a node's journal from its start: kernel reports older than this are not alerted. */
  maxAgeMs: number;
}

/** The YAML keys (WHYSTUCK_CONFIG) of watch mode and the bot's metrics; each is also an environment variable. */
export const WATCH_FILE_KEYS = {
  alertChannel: z.string().optional(),
  alertRateLimit: z.string().optional(),
  alertQuietHours: z.string().optional(),
  alertMute: z.array(z.string()).optional(),
  alertPageKinds: z.array(z.string()).optional(),
  alertResolveAfterMinutes: z.number().positive().max(10080).optional(),
  watchMaxAgeMinutes: z.number().positive().max(10080).optional(),
  metricsListen: z.string().optional(),
};

type FileSettings = { [K in keyof typeof WATCH_FILE_KEYS]?: z.infer<(typeof WATCH_FILE_KEYS)[K]> };
type Fail = (key: string, message: string) => never;

const CHANNEL = /^[CG][A-Z0-9]{2,}$/;
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };
const LISTEN = /^(\[[0-9a-f:]+\]|[\w.-]+):(\d{1,5})$/i;

/** "10/15m": at most 10 new alerts per 15 minutes; "off" (or "0"): no limit. */
export function parseRateLimit(text: string): { max: number; windowMs: number } | undefined | 'bad' {
  const t = text.trim();
  if (t === 'off' || t === '0') return undefined;
  const m = /^(\d{1,6})\s*\/\s*(\d{1,6})\s*([smh])$/.exec(t);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) return 'bad';
  return { max: Number(m[1]), windowMs: Number(m[2]) * UNITS[m[3]] };
}

/** "22:00-07:00" (UTC; may wrap midnight) as minutes after midnight. */
export function parseQuietHours(text: string): { startMin: number; endMin: number } | 'bad' {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!m) return 'bad';
  const startMin = Number(m[1]) * 60 + Number(m[2]);
  const endMin = Number(m[3]) * 60 + Number(m[4]);
  return startMin === endMin ? 'bad' : { startMin, endMin };
}

const list = (envValue: string | undefined, fileValue: string[] | undefined): string[] =>
  (envValue !== undefined ? envValue.split(',') : fileValue ?? []).map((s) => s.trim()).filter(Boolean);

function minutesSetting(fail: Fail, key: string, envValue: string | undefined, fileValue: number | undefined, fallback: number): number {
  if (envValue === undefined) return fileValue ?? fallback;
  const n = Number(envValue);
  if (envValue.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 10080) fail(key, `"${envValue}" must be a number of minutes above 0 and at most 10080 (fractions allowed, e.g. 0.5)`);
  return n;
}

/** Watch-mode settings from the environment (first) and the YAML file; undefined when no alert channel is set. */
export function watchConfigFrom(env: NodeJS.ProcessEnv, f: FileSettings, fail: Fail): WatchConfig | undefined {
  const name = (envKey: string, fileKey: string): string => (env[envKey] !== undefined ? envKey : fileKey);
  const channel = (env.WHYSTUCK_ALERT_CHANNEL ?? f.alertChannel ?? '').trim();
  const others = ['WHYSTUCK_ALERT_RATE_LIMIT', 'WHYSTUCK_ALERT_QUIET_HOURS', 'WHYSTUCK_ALERT_MUTE', 'WHYSTUCK_ALERT_PAGE_KINDS'].filter((k) => env[k]);
  if (!channel) {
    if (others.length) fail('WHYSTUCK_ALERT_CHANNEL', `not set, but ${others.join(', ')} ${others.length > 1 ? 'are' : 'is'}: watch mode posts to one channel; set its id (C…, from the channel's details in Slack) or unset those`);
    return undefined;
  }
  if (!CHANNEL.test(channel)) fail(name('WHYSTUCK_ALERT_CHANNEL', 'alertChannel'), `"${channel}" is not a Slack channel id: use the id (C… or G…, in the channel's details), not its name`);
  const rateText = env.WHYSTUCK_ALERT_RATE_LIMIT ?? f.alertRateLimit ?? '10/15m';
  const rateLimit = parseRateLimit(rateText);
  if (rateLimit === 'bad') fail(name('WHYSTUCK_ALERT_RATE_LIMIT', 'alertRateLimit'), `"${rateText}" must be MAX/WINDOW with the window in s, m or h (e.g. "10/15m": at most 10 new alerts per 15 minutes), or "off"`);
  const quietText = env.WHYSTUCK_ALERT_QUIET_HOURS ?? f.alertQuietHours;
  let quietHours: AlertPolicySettings['quietHours'];
  if (quietText !== undefined && quietText.trim() !== '') {
    const q = parseQuietHours(quietText);
    if (q === 'bad') fail(name('WHYSTUCK_ALERT_QUIET_HOURS', 'alertQuietHours'), `"${quietText}" must be HH:MM-HH:MM in UTC, e.g. "22:00-07:00" (may wrap midnight; start and end differ)`);
    quietHours = q;
  }
  const mute = list(env.WHYSTUCK_ALERT_MUTE, f.alertMute);
  const pageText = env.WHYSTUCK_ALERT_PAGE_KINDS !== undefined ? env.WHYSTUCK_ALERT_PAGE_KINDS.split(',') : f.alertPageKinds;
  const pageKinds = pageText === undefined ? [...DEFAULT_PAGE_KINDS] : pageText.map((s) => s.trim()).filter((s) => s && s !== 'none');
  const badKind = pageKinds.find((k) => !ALERT_KINDS.includes(k));
  if (badKind !== undefined) fail(name('WHYSTUCK_ALERT_PAGE_KINDS', 'alertPageKinds'), `"${badKind}" is not a watch kind; allowed: ${ALERT_KINDS.join(', ')} (or "none")`);
  return {
    channel,
    policy: { rateLimit, quietHours, mute, pageKinds },
    resolveAfterMs: Math.round(minutesSetting(fail, 'WHYSTUCK_ALERT_RESOLVE_AFTER_MINUTES', env.WHYSTUCK_ALERT_RESOLVE_AFTER_MINUTES, f.alertResolveAfterMinutes, 15) * 60_000),
    maxAgeMs: Math.round(minutesSetting(fail, 'WHYSTUCK_WATCH_MAX_AGE_MINUTES', env.WHYSTUCK_WATCH_MAX_AGE_MINUTES, f.watchMaxAgeMinutes, 5) * 60_000),
  };
}

/** WHYSTUCK_METRICS_LISTEN / metricsListen: HOST:PORT of the bot's Prometheus endpoint (GET /metrics); off when unset. */
export function metricsListenFrom(env: NodeJS.ProcessEnv, f: FileSettings, fail: Fail): { host: string; port: number } | undefined {
  const text = env.WHYSTUCK_METRICS_LISTEN ?? f.metricsListen;
  if (text === undefined || text.trim() === '') return undefined;
  const m = LISTEN.exec(text.trim());
  if (!m || Number(m[2]) > 65535) fail(name(env), `"${text}" must be HOST:PORT, e.g. 0.0.0.0:9465 (port 0-65535)`);
  return { host: m![1].replace(/^\[|\]$/g, ''), port: Number(m![2]) };
}

const name = (env: NodeJS.ProcessEnv): string => (env.WHYSTUCK_METRICS_LISTEN !== undefined ? 'WHYSTUCK_METRICS_LISTEN' : 'metricsListen');

/** One line for `whystuck config check`. */
export function describeWatch(w: WatchConfig | undefined): string {
  if (!w) return 'off (set WHYSTUCK_ALERT_CHANNEL to a channel id)';
  const p = w.policy;
  return [
    `alerts to ${w.channel}`,
    p.rateLimit ? `at most ${p.rateLimit.max} new per ${Math.round(p.rateLimit.windowMs / 60_000)} min` : 'no rate limit',
    p.quietHours ? `quiet ${fmt(p.quietHours.startMin)}-${fmt(p.quietHours.endMin)} UTC (only paging alerts)` : 'no quiet hours',
    `paging: ${p.pageKinds.join(', ') || 'none'}`,
    p.mute.length ? `muted: ${p.mute.join(', ')}` : '',
    `resolve after ${w.resolveAfterMs / 60_000} min quiet`,
  ].filter(Boolean).join('; ');
}

const fmt = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
