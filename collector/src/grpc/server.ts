import * as grpc from '@grpc/grpc-js';
import { hostname, release } from 'node:os';
import type { Logger } from 'pino';
import type { NodeCollectorHandlers } from '../../../proto/generated/whystuck/v1/NodeCollector';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import { loadCollectorProto } from '../proto/load-proto';
import type { Snapshotter } from '../snapshot/snapshotter';
import type { Remediator } from '../remediate/remediator';
import { InvalidArgumentError } from '../errors';
import { authoriseCaller, type Rpc } from './authorise-caller';
import { BOT_IDENTITY } from '../tls/identity';
import { remediateRequestProblem, snapshotRequestProblem } from './validate-request';
import { CAPABILITY_USE, effectiveCapabilities } from './capabilities';
import { COLLECTOR_VERSION } from '../version';
import { createMemoryReleaser } from '../memory/release-memory';
import type { WatchJournal } from '../watch/journal';
import type { CollectorMetrics } from '../watch/metrics';
import { streamJournal } from './stream-journal';
import { createSnapshotGate, type SnapshotGateStats } from './snapshot-gate';
import type { EncodedSnapshot } from '../snapshot/snapshotter';
import type { SnapshotRequest__Output } from '../../../proto/generated/whystuck/v1/SnapshotRequest';

export interface CollectorServerOptions {
  snapshotter: Snapshotter;
  remediator: Remediator;
  /**
   * The one client identity (exact URI SAN) allowed to call Snapshot, Watch
   * and Remediate (default spiffe://whystuck/bot); Health is open to any
   * certificate from the CA. See authorise-caller.ts.
   */
  botIdentity?: string;
  /**
   * A read-only client identity (exact URI SAN) allowed to call Snapshot and
   * nothing else: Watch and Remediate refuse it (the collector's
   * --reader-identity, spiffe://whystuck/reader by default there). Unset or
   * '': no reader.
   */
  readerIdentity?: string;
  /** The node this collector serves (downward API spec.nodeName): Remediate refuses requests for another node. */
  nodeName: string;
  /** Told in Health. */
  procRoot?: string;
  logger: Logger;
  /** Watch mode's journal; without one, Watch answers UNIMPLEMENTED. */
  journal?: WatchJournal;
  metrics?: CollectorMetrics;
  /** Admission limits; defaults in DEFAULT_LIMITS. */
  limits?: Partial<CollectorLimits>;
  /**
   * Gives snapshots' memory back around them (collector/src/memory), as the
   * collector process does; false where the server shares its process with
   * others — a benchmark serving many nodes' collectors from one process,
   * where each server's full collection would be the whole process's.
   */
  releaseMemory?: boolean;
}

export interface CollectorLimits {
  /** Snapshots taken at the same time. */
  maxRunningSnapshots: number;
  /** Snapshot jobs (distinct requests) waiting to start; past it, RESOURCE_EXHAUSTED. */
  maxQueuedSnapshots: number;
  /** Snapshot calls waiting in all (coalesced ones included); past it, RESOURCE_EXHAUSTED. */
  maxWaitingSnapshotCalls: number;
  /** Open Watch streams; past it, RESOURCE_EXHAUSTED. */
  maxWatchStreams: number;
  /** HTTP/2 streams (calls) open at once on one connection. */
  maxConcurrentStreams: number;
}

export const DEFAULT_LIMITS: CollectorLimits = {
  maxRunningSnapshots: 2,
  maxQueuedSnapshots: 16,
  maxWaitingSnapshotCalls: 256,
  maxWatchStreams: 16,
  maxConcurrentStreams: 128,
};

export interface CollectorServer {
  /** Binds and starts; returns the bound port (useful with port 0). */
  listen(address: string, credentials: grpc.ServerCredentials): Promise<number>;
  setServing(serving: boolean): void;
  shutdown(graceMs: number): Promise<void>;
  /** Snapshot admission counters (queue, coalescing, drops, refusals) and open Watch streams. */
  stats(): SnapshotGateStats & { watchStreams: number };
}

/** The parts of a request that shape its answer: equal keys may share one snapshot (the deadline is not one). */
export function snapshotRequestKey(req: SnapshotRequest__Output): string {
  const scope = req.scope === 'pod_uid' ? `pod:${req.pod_uid}` : req.scope === 'pids' ? `pids:${[...new Set(req.pids?.pids ?? [])].sort((a, b) => a - b).join(',')}` : 'node';
  return [
    scope,
    [...new Set(req.stack_states ?? [])].sort().join(''),
    req.skip_kmsg ? 'nokmsg' : `kmsg:${String(req.kmsg_since_seq ?? '0')}`,
    req.all_thread_details ? 'all' : '',
    req.problems_only ? 'problems' : '',
    req.skip_runtime ? 'noruntime' : '',
  ].join('|');
}

const DEFAULT_SNAPSHOT_DEADLINE_MS = 5000;

export function createCollectorServer(opts: CollectorServerOptions): CollectorServer {
  const proto = loadCollectorProto();
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const server = new grpc.Server({ 'grpc.max_concurrent_streams': limits.maxConcurrentStreams });
  let serving = true;
  let watchStreams = 0;
  let nextRpc = 1;
  const botIdentity = opts.botIdentity ?? BOT_IDENTITY;
  // A plaintext listener exists only on loopback (serverCredentials refuses others).
  let plaintext = false;
  const refusedCaller = (rpc: Rpc, call: { getAuthContext(): unknown; getPeer(): string }, log: Logger): string | null => {
    const v = authoriseCaller(call, rpc, botIdentity, plaintext, opts.readerIdentity);
    if (v.ok) return null;
    log.warn({ peer: call.getPeer(), presented: v.presented, reason: v.message }, `${rpc} refused: caller not authorised`);
    return v.message;
  };
  const releaser = opts.releaseMemory === false ? { schedule: () => undefined, beforeSnapshot: () => undefined, cancel: () => undefined } : createMemoryReleaser();
  const gate = createSnapshotGate<SnapshotRequest__Output, EncodedSnapshot>({
    maxRunning: limits.maxRunningSnapshots,
    maxQueued: limits.maxQueuedSnapshots,
    maxWaiting: limits.maxWaitingSnapshotCalls,
    // The signal fires when every caller of a started snapshot has cancelled: it stops mid-scan.
    // Memory is given back (when past snapshots left too much) while the reader thread reads cgroup
    // membership at the start of the scan, when this thread would only wait: not before the snapshot,
    // where its full collection (15-30 ms, before nearly every snapshot of a 10,000-thread node) was waited for.
    run(req, signal) {
      releaser.cancel();
      return opts.snapshotter.snapshotBytes(req, signal, () => releaser.beforeSnapshot()).finally(() => releaser.schedule());
    },
    // Callers sharing a snapshot get the longest of their deadlines.
    merge: (a, b) => ({ ...a, deadline_ms: Math.max(a.deadline_ms || DEFAULT_SNAPSHOT_DEADLINE_MS, b.deadline_ms || DEFAULT_SNAPSHOT_DEADLINE_MS) }),
  });

  opts.metrics?.setHeldFilesSource(() => opts.snapshotter.stats?.().heldFiles.held ?? 0);
  const gateMetrics = (): void => {
    const g = opts.metrics?.snapshotGate;
    if (!g) return;
    const st = gate.stats();
    for (const [what, v] of [
      ['running', st.running],
      ['queued_jobs', st.queuedJobs],
      ['admitted', st.admitted],
      ['coalesced', st.coalesced],
      ['started', st.started],
      ['dropped_cancelled', st.droppedCancelled],
      ['dropped_deadline', st.droppedDeadline],
      ['jobs_dropped', st.jobsDropped],
      ['aborted', st.aborted],
      ['refused', st.refused],
    ] as const)
      g.set({ what }, v);
  };

  const handlers: NodeCollectorHandlers = {
    Snapshot(call, callback) {
      const log = opts.logger.child({ rpc: 'Snapshot', rpcId: nextRpc++ });
      const notAllowed = refusedCaller('Snapshot', call, log);
      if (notAllowed) {
        callback({ code: grpc.status.PERMISSION_DENIED, details: notAllowed });
        return;
      }
      const problem = snapshotRequestProblem(call.request);
      if (problem) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: problem });
        return;
      }
      const deadline = call.getDeadline();
      const deadlineAt = deadline instanceof Date ? deadline.getTime() : Number(deadline);
      const admitted = gate.submit(snapshotRequestKey(call.request), call.request, {
        state: () => (call.cancelled ? 'cancelled' : Number.isFinite(deadlineAt) && deadlineAt <= Date.now() ? 'deadline' : 'ok'),
        answer(result) {
          gateMetrics();
          if (!result.ok) {
            const err = result.error;
            if (err instanceof InvalidArgumentError) {
              callback({ code: grpc.status.INVALID_ARGUMENT, details: err.message });
              return;
            }
            log.error({ err }, 'snapshot failed');
            callback({ code: grpc.status.INTERNAL, details: `snapshot failed: ${err.message}` });
            return;
          }
          const res = result.value;
          log.debug({ tasks: res.taskCount, ms: res.durationMs, problems: res.problemCount, bytes: res.bytes.length }, 'snapshot taken');
          opts.metrics?.snapshotSeconds.observe(res.durationMs / 1000);
          // Already protobuf: the service's serializer passes encoded snapshots through.
          callback(null, res.bytes as unknown as SnapshotResponse);
        },
      });
      gateMetrics();
      if ('ok' in admitted) {
        log.warn({ stats: gate.stats() }, 'snapshot refused: queue full');
        callback({ code: grpc.status.RESOURCE_EXHAUSTED, details: admitted.message });
        return;
      }
      call.once('cancelled', () => {
        admitted.leave();
        gateMetrics();
      });
    },

    Remediate(call, callback) {
      const log = opts.logger.child({ rpc: 'Remediate', rpcId: nextRpc++ });
      const notAllowed = refusedCaller('Remediate', call, log);
      if (notAllowed) {
        callback(null, { status: 'NOT_AUTHORISED', message: notAllowed, still_present: true });
        return;
      }
      const problem = remediateRequestProblem(call.request);
      if (problem) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: problem });
        return;
      }
      if (call.request.node !== opts.nodeName) {
        log.warn({ node: call.request.node, pid: call.request.pid, requester: call.request.requester }, 'remediation refused: another node');
        callback(null, { status: 'WRONG_NODE', message: `this collector serves node ${opts.nodeName}, not ${call.request.node}: nothing was signalled`, still_present: true });
        return;
      }
      opts.remediator.remediate(call.request).then(
        (res) => {
          log.info({ pid: call.request.pid, signal: call.request.signal, requester: call.request.requester, node: call.request.node, client: botIdentity, status: res.status }, 'remediation answered');
          callback(null, res);
        },
        (err: Error) => {
          log.error({ err }, 'remediation failed');
          callback({ code: grpc.status.INTERNAL, details: `remediation failed: ${err.message}` });
        },
      );
    },

    Watch(call) {
      const log = opts.logger.child({ rpc: 'Watch', rpcId: nextRpc++ });
      const notAllowed = refusedCaller('Watch', call, log);
      if (notAllowed) {
        call.emit('error', { code: grpc.status.PERMISSION_DENIED, details: notAllowed });
        return;
      }
      if (!opts.journal) {
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'this collector runs without watch mode' });
        return;
      }
      const journal = opts.journal;
      const since = Number(call.request.since_seq ?? 0);
      if (call.request.journal_id === journal.id && since > journal.lastSeq) {
        call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: `since_seq ${since} is beyond this journal's last event ${journal.lastSeq}; resume from a sequence you received, or 0` });
        return;
      }
      if (watchStreams >= limits.maxWatchStreams) {
        log.warn({ open: watchStreams }, 'watch stream refused: too many open');
        call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: `collector busy: ${watchStreams} Watch streams are open (limit ${limits.maxWatchStreams}); close one or retry later` });
        return;
      }
      watchStreams++;
      opts.metrics?.watchSubscribers.inc();
      log.info({ journal: call.request.journal_id || undefined, since }, 'watch stream opened');
      void streamJournal(call, journal, call.request.journal_id === journal.id ? since : 0).finally(() => {
        watchStreams--;
        opts.metrics?.watchSubscribers.dec();
        log.info('watch stream closed');
      });
    },

    Health(_call, callback) {
      const caps = effectiveCapabilities();
      const missing = Object.entries(CAPABILITY_USE)
        .filter(([cap]) => !caps.includes(cap))
        .map(([cap, use]) => `${cap}: cannot ${use}`);
      callback(null, {
        status: serving ? 'SERVING' : 'NOT_SERVING',
        version: COLLECTOR_VERSION,
        hostname: hostname(),
        kernel_release: release(),
        capabilities: caps,
        missing,
        pidfd_supported: opts.remediator.pidfdSupported,
        blocked_readers: opts.snapshotter.reader.stuck().length,
        proc_root: opts.procRoot ?? '/proc',
        node_name: opts.nodeName,
      });
    },
  };
  server.addService(proto.whystuck.v1.NodeCollector.service, handlers);

  return {
    listen(address, credentials) {
      return new Promise((resolve, reject) => {
        plaintext = !credentials._isSecure();
        server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port)));
      });
    },
    setServing(s) {
      serving = s;
    },
    stats: () => ({ ...gate.stats(), watchStreams }),
    shutdown(graceMs) {
      serving = false;
      releaser.cancel();
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
