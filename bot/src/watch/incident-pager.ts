import { dedupKeyFor, type EscalationTarget } from '../escalation/pagerduty';
import type { BotMetrics } from '../metrics/bot-metrics';
import type { Severity } from './alert-event';

/** What paging an incident did, in words for its thread; `dedupKey` when PagerDuty took it. */
export interface PageResult {
  line?: string;
  dedupKey?: string;
}

export interface IncidentPager {
  page(i: { node: string; podUid?: string; target?: string; findingId: string; kind: string; severity: Severity; summary: string; incidentId: number; link?: string }): Promise<PageResult>;
  /** Events API v2 `resolve` with the dedup key the trigger used. */
  resolve(dedupKey: string): Promise<{ ok: true } | { ok: false; message: string }>;
}

/**
 * Paging for watch mode, as the Escalate button does it: a PagerDuty trigger
 * (dedup key per node, pod and finding, so pressing Escalate in the thread
 * updates the same PagerDuty alert) and a mention of the channel's on-call
 * user group (WHYSTUCK_ONCALL_GROUPS).
 */
export function createIncidentPager(opts: { pagerduty?: EscalationTarget; oncallGroup?: string; metrics?: BotMetrics }): IncidentPager {
  return {
    async page(i) {
      const reached: string[] = [];
      let failure = '';
      let dedupKey: string | undefined;
      if (opts.oncallGroup) reached.push(`<!subteam^${opts.oncallGroup}> (on-call for this channel)`);
      if (opts.pagerduty) {
        const key = dedupKeyFor(i.node, i.podUid || i.target || '', i.findingId);
        const res = await opts.pagerduty.trigger({
          dedupKey: key,
          summary: i.summary,
          severity: i.severity === 'critical' ? 'critical' : 'warning',
          source: i.node,
          details: { kind: i.kind, pod_uid: i.podUid, target: i.target, incident: i.incidentId, by: 'whystuck watch mode' },
          link: i.link,
        });
        opts.metrics?.escalations.inc({ how: 'watch', result: res.status });
        if (res.status === 'ok') {
          dedupKey = key;
          reached.push(`PagerDuty (dedup key \`${key}\`)`);
        } else failure = res.message;
      }
      if (!reached.length) return failure ? { line: `:warning: Paging failed: ${failure}` } : {};
      return {
        dedupKey,
        line: `:rotating_light: ${i.kind} alerts page at once (WHYSTUCK_ALERT_PAGE_KINDS): paged ${reached.join(' and ')}.${failure ? ` :warning: PagerDuty failed: ${failure}` : ''}`,
      };
    },
    async resolve(dedupKey) {
      if (!opts.pagerduty) return { ok: false, message: 'PagerDuty is not configured (PAGERDUTY_ROUTING_KEY)' };
      const res = await opts.pagerduty.resolve(dedupKey);
      return res.status === 'ok' ? { ok: true } : { ok: false, message: res.message };
    },
  };
}
