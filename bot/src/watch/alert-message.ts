import { clip } from '../slack/diagnosis-blocks';
import type { Severity } from './alert-event';
import { escapeText as escape } from '../slack/slack-boundary';

/** What the one channel message of an incident shows; rebuilt and sent with chat.update as events arrive. */
export interface AlertView {
  incidentId: number;
  title: string;
  severity: Severity;
  node: string;
  podUid?: string;
  /** "shop/web-0" when the Kubernetes API named the pod. */
  podName?: string;
  target?: string;
  /** The latest report headline or condition, in plain text. */
  latest: string;
  firstMs: number;
  lastMs: number;
  /** Events this incident received (reports, raises). */
  events: number;
  pids?: number[];
  resolved?: { atMs: number; why: string };
}

type Block = Record<string, unknown>;

const ICON: Record<Severity, string> = { critical: ':red_circle:', warning: ':large_orange_circle:' };

/** A time every reader sees in their own zone, with a UTC fallback. */
export function slackTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `<!date^${s}^{date_short} {time_secs}|${new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC>`;
}

/** "pod shop/web-0 (uid …)" or "pod <uid>"; "" on the host. */
export function describePod(v: Pick<AlertView, 'podUid' | 'podName'>): string {
  if (!v.podUid) return '';
  return v.podName ? `pod ${v.podName} (uid ${v.podUid})` : `pod ${v.podUid}`;
}

/** The headline in words, for the notification text and logs: "Hung task on node-a, pod shop/web-0". */
export function alertHeadline(v: AlertView): string {
  const where = [v.node, describePod(v), v.target && !v.podUid ? v.target : ''].filter(Boolean).join(', ');
  return `${v.resolved ? 'Resolved: ' : ''}${v.title} on ${where}`;
}

export function alertMessage(v: AlertView): { text: string; blocks: Block[] } {
  const where = [`node *${escape(v.node)}*`, v.podUid ? escape(describePod(v)) : '', v.target && !v.podUid ? `\`${escape(v.target)}\`` : ''].filter(Boolean).join(' · ');
  const head = v.resolved ? `:white_check_mark: *Resolved — ${escape(v.title)}* · ${where}` : `${ICON[v.severity]} *${escape(v.title)}* · ${where}`;
  const pids = v.pids?.length ? `\npids ${v.pids.slice(0, 10).join(', ')}${v.pids.length > 10 ? ', …' : ''}` : '';
  const when = v.firstMs === v.lastMs ? slackTime(v.firstMs) : `${slackTime(v.firstMs)} → ${slackTime(v.lastMs)}`;
  const context = [
    when,
    `${v.events} event${v.events === 1 ? '' : 's'}`,
    `incident #${v.incidentId}`,
    v.resolved ? `resolved ${slackTime(v.resolved.atMs)}: ${escape(v.resolved.why)}` : 'diagnosis in the thread',
  ].join(' · ');
  return {
    text: clip(alertHeadline(v), 300),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: clip(`${head}\n\`\`\`${escape(v.latest).replace(/```/g, "'''")}\`\`\`${pids}`) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(context) }] },
    ],
  };
}
