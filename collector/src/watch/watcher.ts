import type { Logger } from 'pino';
import type { Snapshotter } from '../snapshot/snapshotter';
import { observeNode, type NodeObservation } from './observe';
import type { WatchJournal } from './journal';
import type { CollectorMetrics } from './metrics';
import { createKmsgClassifier, type KernelReport } from './classify-kmsg';
import { createKmsgFollower, type KmsgFollower } from './kmsg-follower';
import { createConditionTracker, DEFAULT_THRESHOLDS, type ConditionThresholds } from './conditions';
import { parseCgroupFile, podFromCgroupLines } from '../cgroups/parse-pod-cgroup';

export interface WatcherOptions {
  snapshotter: Snapshotter;
  journal: WatchJournal;
  logger: Logger;
  metrics?: CollectorMetrics;
  procRoot: string;
  kmsgPath?: string;
  bootTimeMs: number;
  /** How often /dev/kmsg is read (one syscall when nothing is new). */
  kmsgPollMs?: number;
  /** How often tasks are looked at for persistent conditions; 0 = never. */
  observeMs?: number;
  thresholds?: Partial<ConditionThresholds>;
}

export interface Watcher {
  start(): void;
  /** One look now (tests, and the first look at start). */
  observeNow(): Promise<void>;
  /** Reads new kernel-log records now. */
  pollKmsgNow(): Promise<void>;
  stop(): void;
}

/**
 * Watch mode: kernel-log reports are classified as they are written (the log
 * is read every `kmsgPollMs`) and persistent states are looked for every
 * `observeMs`; both go into the journal that Watch streams serve.
 */
export function createWatcher(opts: WatcherOptions): Watcher {
  const thresholds = { ...DEFAULT_THRESHOLDS, ...opts.thresholds };
  const classify = createKmsgClassifier();
  const tracker = createConditionTracker(thresholds);
  const follower: KmsgFollower = createKmsgFollower({ path: opts.kmsgPath, bootTimeMs: opts.bootTimeMs });
  const timers: NodeJS.Timeout[] = [];
  let observing: Promise<void> | undefined;
  let polling: Promise<void> | undefined;
  let warned = false;

  /** Which pod a reported task is in: read like any other cgroup file, under a deadline. */
  async function podOf(pid: number): Promise<{ podUid: string; path: string }> {
    const r = await opts.snapshotter.reader.read(`${opts.procRoot}/${pid}/cgroup`, { deadlineMs: 250 });
    if (r.status !== 'ok') return { podUid: '', path: '' };
    const { pod, path } = podFromCgroupLines(parseCgroupFile(r.text));
    return { podUid: pod?.podUid ?? '', path };
  }

  async function record(report: KernelReport): Promise<void> {
    if (!report.pod_uid && report.pid && report.kind !== 'oom-kill') {
      const where = await podOf(report.pid);
      report.pod_uid = where.podUid;
      report.cgroup_path ||= where.path;
    }
    opts.metrics?.kernelReports.inc({ kind: report.kind });
    const ev = opts.journal.append({ kernel_report: report });
    opts.metrics?.journalSeq.set(ev.seq);
    opts.logger.info({ seq: ev.seq, kind: report.kind, kmsgSeq: report.kmsg_seq, pod: report.pod_uid || undefined }, 'kernel report');
  }

  async function pollKmsg(): Promise<void> {
    const records = follower.poll();
    if (follower.problem && !warned) {
      warned = true;
      opts.logger.warn({ problem: follower.problem }, 'watch mode cannot read the kernel log');
    }
    opts.metrics?.kmsgLost.set(follower.lost);
    for (const rec of records) {
      const report = classify(rec);
      if (report) await record(report);
    }
  }

  function updateMetrics(o: NodeObservation): void {
    const m = opts.metrics;
    if (!m) return;
    m.tasks.reset();
    m.lookThreads.set(o.leadersOnly ? 0 : 1);
    m.zombies.reset();
    for (const [pod, states] of o.counts) {
      for (const [state, n] of states) m.tasks.set({ pod_uid: pod, state }, n);
      m.zombies.set({ pod_uid: pod }, states.get('Z') ?? 0);
    }
    m.observeSeconds.observe(o.durationMs / 1000);
    if (o.readTimeouts) m.readTimeouts.inc(o.readTimeouts);
    m.blockedReaders.set(opts.snapshotter.reader.stuck().length);
    m.conditionsActive.reset();
    for (const c of tracker.active()) m.conditionsActive.inc({ kind: c.kind ?? '' });
  }

  async function observe(): Promise<void> {
    const o = await observeNode(opts.snapshotter);
    for (const condition of tracker.observe(o)) {
      const ev = opts.journal.append({ condition });
      opts.metrics?.journalSeq.set(ev.seq);
      opts.logger.info({ seq: ev.seq, kind: condition.kind, state: condition.state, pod: condition.pod_uid || undefined, count: condition.count }, 'condition');
    }
    updateMetrics(o);
  }

  // One at a time each: a slow look is skipped, never stacked.
  const observeOnce = (): Promise<void> =>
    (observing ??= observe()
      .catch((err: Error) => {
        opts.logger.error({ err }, 'watch-mode look at the node failed');
      })
      .finally(() => {
        observing = undefined;
      }));
  const pollOnce = (): Promise<void> =>
    (polling ??= pollKmsg()
      .catch((err: Error) => {
        opts.logger.error({ err }, 'watch-mode kernel-log read failed');
      })
      .finally(() => {
        polling = undefined;
      }));

  return {
    start() {
      void pollOnce();
      timers.push(setInterval(() => void pollOnce(), opts.kmsgPollMs ?? 250));
      if ((opts.observeMs ?? 10000) > 0) {
        void observeOnce();
        timers.push(setInterval(() => void observeOnce(), opts.observeMs ?? 10000));
      }
      for (const t of timers) t.unref();
    },
    observeNow: observeOnce,
    pollKmsgNow: pollOnce,
    stop() {
      for (const t of timers.splice(0)) clearInterval(t);
      follower.close();
    },
  };
}
