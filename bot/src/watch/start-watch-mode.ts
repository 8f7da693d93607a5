import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { SnapshotRequest } from '../../../proto/generated/whystuck/v1/SnapshotRequest';
import type { CollectorPool } from '../nodes/collector-pool';
import type { SshFallback } from '../nodes/ssh-fallback';
import type { EscalationTarget } from '../escalation/pagerduty';
import type { PodNames } from '../kube/pod-names';
import type { BotMetrics } from '../metrics/bot-metrics';
import { snapshotNode } from '../nodes/node-access';
import { timerScheduler, type Scheduler } from '../conversation/scheduler';
import type { Store } from '../store/store';
import { createAlertPolicy } from './alert-policy';
import type { Backoff } from './backoff';
import { createIncidentAlerter, type Look } from './incident-alerter';
import { createIncidentPager } from './incident-pager';
import { stillThere, type IncidentSubject } from './still-there';
import { conversationDiagnoser, type ConversationLike } from './thread-diagnoser';
import type { WatchConfig } from '../config';
import { createWatchManager, type WatchManager } from './watch-manager';
import type { LeaseApi } from '../kube/lease-types';
import { createShardLeases, type ShardLeases } from './shard-leases';

export interface WatchModeDeps {
  watch: WatchConfig;
  collectors: CollectorPool;
  ssh?: SshFallback;
  store: Pick<Store, 'openIncident' | 'setIncidentMessage' | 'setIncidentDedupKey' | 'setIncidentState' | 'openIncidents' | 'kmsgCursor' | 'advanceKmsgCursor' | 'fenceWatchShard' | 'watchFence'>;
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
  /**
   * Several replicas: nodes split into shards, one Kubernetes Lease each;
   * this replica watches only the nodes of the shards it holds. Without it
   * (one replica, no Kubernetes API) every node is watched.
   */
  shards?: WatchShards;
}

export interface WatchShards {
  api: LeaseApi;
  /** This replica (the pod name, or hostname-pid). */
  identity: string;
  shards: number;
  leaseDurationMs?: number;
  renewEveryMs?: number;
  /** Lease name prefix (default whystuck-watch). */
  prefix?: string;
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
    store: deps.store,
    client: deps.client,
    channel: deps.watch.channel,
    policy: createAlertPolicy(deps.watch.policy),
    pager: createIncidentPager({ pagerduty: deps.pagerduty, oncallGroup: deps.oncallGroups.get(deps.watch.channel), metrics: deps.metrics }),
    diagnoser: deps.conversation ? conversationDiagnoser(deps.conversation) : undefined,
    podNames: deps.podNames,
    look,
    resolveAfterMs: deps.watch.resolveAfterMs,
    scheduler: deps.scheduler ?? timerScheduler,
    metrics: deps.metrics,
    logger,
    now: deps.now,
    // Several replicas: only the incidents of nodes in the shards held here are restored, checked and resolved here.
    owns: deps.shards && ((node) => fenceFor(node) !== undefined),
  });
  const manager = createWatchManager({
    collectors: deps.collectors,
    store: deps.store,
    alerter,
    maxAgeMs: deps.watch.maxAgeMs,
    relistMs: deps.relistMs,
    backoff: deps.backoff,
    logger,
    metrics: deps.metrics,
    now: deps.now,
    ownership: deps.shards && { fenceFor: (node) => fenceFor(node) },
  });
  if (!deps.shards) return manager;
  const sh = deps.shards;
  let leases: ShardLeases | undefined;
  const fenceFor = (node: string): { shard: string; token: number; holder: string } | undefined => {
    const h = leases?.heldShard(leases.shardOf(node));
    return h && { shard: h.lease, token: h.token, holder: sh.identity };
  };
  leases = createShardLeases({
    api: sh.api,
    identity: sh.identity,
    shards: sh.shards,
    leaseDurationMs: sh.leaseDurationMs,
    renewEveryMs: sh.renewEveryMs,
    prefix: sh.prefix,
    logger,
    now: deps.now,
    // The lease's new transition count is kept above the token stored for the shard (a re-created Lease starts at 0).
    storedToken: async (lease) => (await deps.store.watchFence(lease))?.token,
    // Taken: fence the shard first (the previous holder's cursor writes are refused from now on), then watch its nodes from the stored cursors.
    onAcquired: async (s) => {
      if (!(await deps.store.fenceWatchShard({ shard: s.lease, token: s.token, holder: sh.identity }))) {
        logger.error({ lease: s.lease, token: s.token }, 'a newer holder of this watch shard is recorded in the store than the lease says (another replica fenced it meanwhile): not watching it');
        return false;
      }
      void manager.ownershipChanged();
      return true;
    },
    // Released or lost: its streams are closed (and the events being handled finished) before the lease is given up.
    onReleased: () => manager.ownershipChanged(),
  });
  const l = leases;
  return {
    ...manager,
    async start() {
      await manager.start();
      await l.start();
    },
    async stop() {
      await l.stop();
      await manager.stop();
    },
  };
}
