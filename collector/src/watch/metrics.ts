import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The collector's Prometheus metrics (its own registry: nothing global, nothing sampled in the background). */
export interface CollectorMetrics {
  registry: Registry;
  tasks: Gauge<'pod_uid' | 'state'>;
  zombies: Gauge<'pod_uid'>;
  lookThreads: Gauge;
  kernelReports: Counter<'kind'>;
  conditionsActive: Gauge<'kind'>;
  observeSeconds: Histogram;
  snapshotSeconds: Histogram;
  snapshotGate: Gauge<'what'>;
  readTimeouts: Counter;
  blockedReaders: Gauge;
  watchSubscribers: Gauge;
  journalSeq: Gauge;
  kmsgLost: Gauge;
  heldProcFiles: Gauge;
  /** Where heldProcFiles reads its value at each scrape (the snapshotter's kept-open /proc files). */
  setHeldFilesSource(count: () => number): void;
}

export function createCollectorMetrics(): CollectorMetrics {
  const registry = new Registry();
  const registers = [registry];
  let heldNow: (() => number) | undefined;
  return {
    registry,
    tasks: new Gauge({
      name: 'whystuck_collector_tasks',
      help: 'Tasks on the node by pod UID ("" = not in a pod) and state letter at the last look: every thread when some task was in D, thread-group leaders otherwise (see whystuck_collector_look_threads)',
      labelNames: ['pod_uid', 'state'],
      registers,
    }),
    lookThreads: new Gauge({ name: 'whystuck_collector_look_threads', help: '1 when the last look read every thread (some task was in D), 0 when it read thread-group leaders only', registers }),
    zombies: new Gauge({ name: 'whystuck_collector_zombies', help: 'Zombie processes by pod UID ("" = not in a pod), at the last look', labelNames: ['pod_uid'], registers }),
    kernelReports: new Counter({ name: 'whystuck_collector_kernel_reports_total', help: 'Kernel-log reports classified by watch mode, by kind', labelNames: ['kind'], registers }),
    conditionsActive: new Gauge({ name: 'whystuck_collector_conditions_active', help: 'Persistent conditions raised and not yet cleared, by kind', labelNames: ['kind'], registers }),
    observeSeconds: new Histogram({ name: 'whystuck_collector_observe_seconds', help: 'Time of a watch-mode look at the node', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers }),
    snapshotSeconds: new Histogram({ name: 'whystuck_collector_snapshot_seconds', help: 'Time to take a Snapshot RPC in the collector', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers }),
    snapshotGate: new Gauge({
      name: 'whystuck_collector_snapshot_gate',
      help: 'Snapshot admission (collector/src/grpc/snapshot-gate.ts): what="running" and "queued_jobs" now; since start: "admitted" calls, "coalesced" into a waiting snapshot, "started" snapshots, callers dropped before their snapshot started ("dropped_cancelled", "dropped_deadline"), "jobs_dropped" with no caller left, "refused" past the queue (RESOURCE_EXHAUSTED)',
      labelNames: ['what'],
      registers,
    }),
    readTimeouts: new Counter({ name: 'whystuck_collector_read_timeouts_total', help: 'Reads that passed their deadline (blocked in the kernel)', registers }),
    blockedReaders: new Gauge({ name: 'whystuck_collector_blocked_readers', help: 'Reader threads stuck in the kernel right now', registers }),
    watchSubscribers: new Gauge({ name: 'whystuck_collector_watch_subscribers', help: 'Open Watch streams', registers }),
    journalSeq: new Gauge({ name: 'whystuck_collector_watch_journal_seq', help: 'Sequence number of the last watch event', registers }),
    kmsgLost: new Gauge({ name: 'whystuck_collector_kmsg_lost', help: 'Kernel-log records overwritten before watch mode read them', registers }),
    heldProcFiles: new Gauge({
      name: 'whystuck_collector_held_proc_files',
      help: '/proc files the task scan keeps open between snapshots (collector/src/procfs/held-files.ts): each holds about a page of kernel memory; closed a minute after the last snapshot',
      registers,
      collect() {
        this.set(heldNow?.() ?? 0);
      },
    }),
    setHeldFilesSource(count) {
      heldNow = count;
    },
  };
}
