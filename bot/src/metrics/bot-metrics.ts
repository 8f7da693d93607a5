import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The bot's Prometheus metrics, in their own registry (nothing global, nothing sampled in the background). */
export interface BotMetrics {
  registry: Registry;
  questions: Counter<'intent'>;
  diagnoses: Counter<'finding_id'>;
  remediations: Counter<'outcome'>;
  escalations: Counter<'how' | 'result'>;
  watchEvents: Counter<'type' | 'kind'>;
  incidentsOpen: Gauge<'kind'>;
  alerts: Counter<'outcome'>;
  alertLatency: Histogram;
  watchStreams: Gauge;
}

export function createBotMetrics(): BotMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    questions: new Counter({ name: 'whystuck_bot_questions_total', help: 'Questions asked (slash commands, mentions, thread follow-ups), by intent', labelNames: ['intent'], registers }),
    diagnoses: new Counter({ name: 'whystuck_bot_diagnoses_total', help: 'Diagnoses posted, by finding id ("none" for a diagnosis without findings)', labelNames: ['finding_id'], registers }),
    remediations: new Counter({
      name: 'whystuck_bot_remediations_total',
      help: 'Remediation buttons carried out, by outcome (SIGNALLED, PID_REUSED, FAILED, ...)',
      labelNames: ['outcome'],
      registers,
    }),
    escalations: new Counter({ name: 'whystuck_bot_escalations_total', help: 'PagerDuty triggers, by how (button, auto, watch) and result (ok, failed)', labelNames: ['how', 'result'], registers }),
    watchEvents: new Counter({
      name: 'whystuck_bot_watch_events_total',
      help: 'Watch events received from collectors, by type (kernel_report, condition, lost, heartbeat) and kind',
      labelNames: ['type', 'kind'],
      registers,
    }),
    incidentsOpen: new Gauge({ name: 'whystuck_bot_incidents_open', help: 'Watch-mode incidents open in this replica, by kind', labelNames: ['kind'], registers }),
    alerts: new Counter({
      name: 'whystuck_bot_alerts_total',
      help: 'Watch-mode alert messages, by outcome (posted, updated, resolved, rate-limit, quiet-hours, muted, replayed-old)',
      labelNames: ['outcome'],
      registers,
    }),
    alertLatency: new Histogram({
      name: 'whystuck_bot_alert_latency_seconds',
      help: 'From the kernel event (or the condition being raised) to its alert message in Slack',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    watchStreams: new Gauge({ name: 'whystuck_bot_watch_streams', help: 'Watch streams to collectors open right now', registers }),
  };
}
