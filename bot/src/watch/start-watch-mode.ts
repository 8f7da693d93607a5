import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { SnapshotRequest } from '../../../proto/generated/whystuck/v1/SnapshotRequest';
import type { CollectorPool } from '../collectors/collector-pool';
import type { SshFallback } from '../collectors/ssh-fallback';
import type { EscalationTarget } from '../escalation/pagerduty';
import type { PodNames } from '../kube/pod-names';
import type { BotMetrics } from '../metrics/bot-metrics';
import { snapshotNode } from '../slack/node-access';
import { timerScheduler, type Scheduler } from '../slack/scheduler';
import type { Store } from '../store/store';
import { createAlertPolicy } from './alert-policy';
import type { Backoff } from './backoff';
import { createIncidentAlerter, type Look } from './incident-alerter';
import { createIncidentPager } from './incident-pager';
import { stillThere, type IncidentSubject } from './still-there';
import { conversationDiagnoser, type ConversationLike } from './thread-diagnoser';
import type { WatchConfig } from './watch-config';
import { createWatchManager, type WatchManager } from './watch-manager';

export interface WatchModeDeps {
  watch: WatchConfig;
  collectors: CollectorPool;
  ssh?: SshFallback;
  store: Pick<Store, 'openIncident' | 'setIncidentMessage' | 'setIncidentDedupKey' | 'setIncidentState' | 'openIncidents' | 'kmsgCursor' | 'advanceKmsgCursor'>;
  /** The Slack app's Web API client. */
  client: WebClient;
  /** The Slack conversation: the alert's thread gets the diagnosis a question would, and its buttons work. */
  conversation?: ConversationLike;
  pagerduty?: EscalationTarget;
  /** Channel id -> on-call user group (WHYSTUCK_ONCALL_GROUPS): mentioned when an alert pages. */
  oncallGroups: Map<string, string>;
  podNames?: PodNames;
  metrics?: BotMetrics;
  logger: Logger;
  scheduler?: Scheduler;
  backoff?: () => Backoff;
  relistMs?: number;
  /** The clock replays are judged by (tests move it). */
  now?: () => number;
}

/** The request a quiet-period check needs: the task, the pod, or the node's problems. */
function lookRequest(s: IncidentSubject): SnapshotRequest {
  if (s.kind === 'hung-task' && s.pid) return { pids: { pids: [s.pid] }, skip_kmsg: true };
  if (s.podUid) return { pod_uid: s.podUid, skip_kmsg: true };
  return { whole_node: true, problems_only: s.kind !== 'pidns-teardown', skip_kmsg: true };
}

/** Watch mode, wired: streams from every collector, incidents in the store, alerts in the channel. Call start(). */
export function createWatchMode(deps: WatchModeDeps): WatchManager {
  const logger = deps.logger.child({ component: 'watch' });
  const look: Look = async (node, subject) => {
    const snap = await snapshotNode({ collectors: deps.collectors, ssh: deps.ssh }, node, lookRequest(subject));
    if (snap.status !== 'ok') return 'unknown';
    return stillThere(subject, snap.value) ? 'present' : 'gone';
  };
  const alerter = createIncidentAlerter({
    store: deps.store, client: deps.client, channel: deps.watch.channel,
    policy: createAlertPolicy(deps.watch.policy),
    pager: createIncidentPager({ pagerduty: deps.pagerduty, oncallGroup: deps.oncallGroups.get(deps.watch.channel), metrics: deps.metrics }),
    diagnoser: deps.conversation ? conversationDiagnoser(deps.conversation) : undefined,
    podNames: deps.podNames, look, resolveAfterMs: deps.watch.resolveAfterMs, scheduler: deps.scheduler ?? timerScheduler,
    metrics: deps.metrics, logger, now: deps.now,
  });
  return createWatchManager({
    collectors: deps.collectors, store: deps.store, alerter, maxAgeMs: deps.watch.maxAgeMs,
    relistMs: deps.relistMs, backoff: deps.backoff, logger, metrics: deps.metrics, now: deps.now,
  });
}
