import { z } from 'zod';
import { numberWhere, pairsWhere, textWhere, type SettingTable, type Sources } from './sources';

export interface EscalationConfig {
  pagerduty?: { routingKey: string; eventsUrl: string };
  /** Slack channel id -> on-call user-group id (S…) mentioned on Escalate. */
  oncallGroups: Map<string, string>;
  /** Escalate a critical finding nobody acted on after this many minutes (fractions allowed); unset = never. */
  autoEscalateMinutes?: number;
}

export const ESCALATION_FILE_KEYS = {
  pagerdutyEventsUrl: z.string().optional(),
  oncallGroups: z.record(z.string(), z.string()).optional(),
  autoEscalateMinutes: z.number().optional(),
};

export const ESCALATION_SETTINGS = {
  routingKey: { env: 'PAGERDUTY_ROUTING_KEY', secret: true, blankIsUnset: true },
  eventsUrl: { env: 'PAGERDUTY_EVENTS_URL', file: 'pagerdutyEventsUrl' },
  oncallGroups: { env: 'WHYSTUCK_ONCALL_GROUPS', file: 'oncallGroups', type: 'pairs' },
  autoEscalateMinutes: { env: 'WHYSTUCK_AUTO_ESCALATE_MINUTES', file: 'autoEscalateMinutes', type: 'number' },
} satisfies SettingTable;

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;

const EscalationSchema = z.object({
  routingKey: z.string().optional(),
  eventsUrl: textWhere((u) => /^https?:\/\/\S+$/.test(u), 'must be an http(s) URL of the PagerDuty Events v2 API (e.g. https://events.pagerduty.com/v2/enqueue)').default(
    'https://events.pagerduty.com/v2/enqueue',
  ),
  oncallGroups: pairsWhere(
    (channel, group) => CHANNEL_ID.test(channel) && GROUP_ID.test(group),
    'CHANNEL=USERGROUP with a Slack channel id (C…/G…) and a user-group id (S…), e.g. "C0INCIDENT=S0ONCALL"',
  ).default(() => new Map()),
  autoEscalateMinutes: numberWhere((n) => n > 0 && n <= 1440, 'must be a number of minutes above 0 and at most 1440 (fractions allowed, e.g. 0.5); leave it unset to never auto-escalate').optional(),
});

/** Escalation: PagerDuty, the on-call user group of each channel, auto-escalation. */
export function escalationSection(src: Sources): EscalationConfig {
  const v = src.section('escalation', ESCALATION_SETTINGS, EscalationSchema);
  return {
    pagerduty: v.routingKey ? { routingKey: v.routingKey, eventsUrl: v.eventsUrl } : undefined,
    oncallGroups: v.oncallGroups,
    autoEscalateMinutes: v.autoEscalateMinutes,
  };
}
