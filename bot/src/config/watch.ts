import { z } from 'zod';
import { ALERT_KINDS, DEFAULT_PAGE_KINDS } from '../watch/alert-event';
import type { AlertPolicySettings } from '../watch/alert-policy';
import { ConfigError } from './errors';
import { numberWhere, textWhere, type SettingTable, type Sources } from './sources';

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
  alertResolveAfterMinutes: z.number().optional(),
  watchMaxAgeMinutes: z.number().optional(),
  metricsListen: z.string().optional(),
};

export const WATCH_SETTINGS = {
  channel: { env: 'WHYSTUCK_ALERT_CHANNEL', file: 'alertChannel' },
  rateLimit: { env: 'WHYSTUCK_ALERT_RATE_LIMIT', file: 'alertRateLimit' },
  quietHours: { env: 'WHYSTUCK_ALERT_QUIET_HOURS', file: 'alertQuietHours' },
  mute: { env: 'WHYSTUCK_ALERT_MUTE', file: 'alertMute', type: 'list' },
  pageKinds: { env: 'WHYSTUCK_ALERT_PAGE_KINDS', file: 'alertPageKinds', type: 'list' },
  resolveAfterMinutes: { env: 'WHYSTUCK_ALERT_RESOLVE_AFTER_MINUTES', file: 'alertResolveAfterMinutes', type: 'number' },
  maxAgeMinutes: { env: 'WHYSTUCK_WATCH_MAX_AGE_MINUTES', file: 'watchMaxAgeMinutes', type: 'number' },
} satisfies SettingTable;

export const METRICS_SETTINGS = {
  metricsListen: { env: 'WHYSTUCK_METRICS_LISTEN', file: 'metricsListen' },
} satisfies SettingTable;

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

const minutes = numberWhere((n) => n > 0 && n <= 10080, 'must be a number of minutes above 0 and at most 10080 (fractions allowed, e.g. 0.5)');

const WatchSchema = z.object({
  channel: z
    .string()
    .transform((s) => s.trim())
    .default(''),
  rateLimit: z
    .string()
    .transform((text, ctx) => {
      const r = parseRateLimit(text);
      if (r === 'bad') {
        ctx.addIssue({ code: 'custom', message: 'must be MAX/WINDOW with the window in s, m or h (e.g. "10/15m": at most 10 new alerts per 15 minutes), or "off"' });
        return z.NEVER;
      }
      return r ?? null; // null: "off" (undefined would take the default)
    })
    .default({ max: 10, windowMs: 15 * 60_000 }),
  quietHours: z
    .string()
    .transform((text, ctx) => {
      if (text.trim() === '') return undefined;
      const q = parseQuietHours(text);
      if (q === 'bad') {
        ctx.addIssue({ code: 'custom', message: 'must be HH:MM-HH:MM in UTC, e.g. "22:00-07:00" (may wrap midnight; start and end differ)' });
        return z.NEVER;
      }
      return q;
    })
    .optional(),
  mute: z
    .array(z.string())
    .transform((l) => l.map((s) => s.trim()).filter(Boolean))
    .default([]),
  pageKinds: z
    .array(z.string())
    .transform((l, ctx) => {
      const kinds = l.map((s) => s.trim()).filter((s) => s && s !== 'none');
      const bad = kinds.find((k) => !ALERT_KINDS.includes(k));
      if (bad !== undefined) {
        ctx.addIssue({ code: 'custom', message: `is not a watch kind; allowed: ${ALERT_KINDS.join(', ')} (or "none")`, params: { value: bad } });
        return z.NEVER;
      }
      return kinds;
    })
    .default(() => [...DEFAULT_PAGE_KINDS]),
  resolveAfterMinutes: minutes.default(15),
  maxAgeMinutes: minutes.default(5),
});

const MetricsSchema = z.object({
  metricsListen: z
    .string()
    .transform((text, ctx) => {
      if (text.trim() === '') return undefined;
      const m = LISTEN.exec(text.trim());
      if (!m || Number(m[2]) > 65535) {
        ctx.addIssue({ code: 'custom', message: 'must be HOST:PORT, e.g. 0.0.0.0:9465 (port 0-65535)' });
        return z.NEVER;
      }
      return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
    })
    .optional(),
});

const CHANNEL = /^[CG][A-Z0-9]{2,}$/;
const channelId = textWhere((c) => CHANNEL.test(c), "is not a Slack channel id: use the id (C… or G…, in the channel's details), not its name");

/** Watch mode: alerts from the collectors' Watch streams to one channel; undefined (off) when no alert channel is set. */
export function watchSection(src: Sources): WatchConfig | undefined {
  const v = src.section('watch mode', WATCH_SETTINGS, WatchSchema);
  if (!v.channel) {
    const others = ['WHYSTUCK_ALERT_RATE_LIMIT', 'WHYSTUCK_ALERT_QUIET_HOURS', 'WHYSTUCK_ALERT_MUTE', 'WHYSTUCK_ALERT_PAGE_KINDS'].filter((k) => src.env[k]);
    if (others.length)
      throw new ConfigError(
        'WHYSTUCK_ALERT_CHANNEL',
        `not set, but ${others.join(', ')} ${others.length > 1 ? 'are' : 'is'}: watch mode posts to one channel; set its id (C…, from the channel's details in Slack) or unset those`,
      );
    return undefined;
  }
  const ok = channelId.safeParse(v.channel);
  if (!ok.success) throw src.bad(WATCH_SETTINGS.channel, ok.error.issues[0].message, v.channel);
  return {
    channel: v.channel,
    policy: { rateLimit: v.rateLimit ?? undefined, quietHours: v.quietHours, mute: v.mute, pageKinds: v.pageKinds },
    resolveAfterMs: Math.round(v.resolveAfterMinutes * 60_000),
    maxAgeMs: Math.round(v.maxAgeMinutes * 60_000),
  };
}

/** WHYSTUCK_METRICS_LISTEN / metricsListen: HOST:PORT of the bot's Prometheus endpoint (GET /metrics); off when unset. */
export const metricsSection = (src: Sources): { host: string; port: number } | undefined => src.section('metrics', METRICS_SETTINGS, MetricsSchema).metricsListen;

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
  ]
    .filter(Boolean)
    .join('; ');
}

const fmt = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
