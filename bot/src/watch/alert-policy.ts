import type { AlertEvent } from './alert-event';

/** What a channel accepts from watch mode: how many alerts, when, about what, and which page. */
export interface AlertPolicySettings {
  /** At most `max` new alert messages per `windowMs` in a channel; absent: no limit. */
  rateLimit?: { max: number; windowMs: number };
  /** Minutes after midnight UTC [start, end) (may wrap midnight): only alerts that page are posted. */
  quietHours?: { startMin: number; endMin: number };
  /** Never alerted: kinds ("zombie-growth"), nodes ("node-7"), a kind on a node ("node-7/oom-kill"), pod UIDs. */
  mute: string[];
  /** Kinds that page at once: PagerDuty and the channel's on-call group. */
  pageKinds: string[];
}

export type Admission = { post: true; page: boolean } | { post: false; reason: 'rate-limit' | 'quiet-hours'; page: boolean };

export interface AlertPolicy {
  muted(ev: AlertEvent): boolean;
  /** Whether a new incident gets a message now; a message admitted counts against the channel's rate limit. */
  admit(channel: string, ev: AlertEvent): Admission;
}

export function inQuietHours(q: { startMin: number; endMin: number }, atMs: number): boolean {
  const d = new Date(atMs);
  const m = d.getUTCHours() * 60 + d.getUTCMinutes();
  return q.startMin <= q.endMin ? m >= q.startMin && m < q.endMin : m >= q.startMin || m < q.endMin;
}

/**
 * Rate limit and quiet settings per channel, kept simple: muted events are
 * dropped; an alert that pages is posted even in quiet hours; the rate limit
 * counts every new message in a sliding window. What is not posted stays an
 * open incident and gets its message at its next event the policy admits.
 */
export function createAlertPolicy(s: AlertPolicySettings, now: () => number = Date.now): AlertPolicy {
  const posted = new Map<string, number[]>();
  const mute = new Set(s.mute);
  const pages = new Set(s.pageKinds);
  return {
    muted: (ev) => mute.has(ev.kind) || mute.has(ev.node) || mute.has(`${ev.node}/${ev.kind}`) || (ev.podUid !== undefined && mute.has(ev.podUid)),
    admit(channel, ev) {
      const t = now();
      const page = pages.has(ev.kind);
      if (s.quietHours && !page && inQuietHours(s.quietHours, t)) return { post: false, reason: 'quiet-hours', page };
      if (s.rateLimit) {
        const recent = (posted.get(channel) ?? []).filter((at) => t - at < s.rateLimit!.windowMs);
        posted.set(channel, recent);
        if (recent.length >= s.rateLimit.max) return { post: false, reason: 'rate-limit', page };
        recent.push(t);
      }
      return { post: true, page };
    },
  };
}
