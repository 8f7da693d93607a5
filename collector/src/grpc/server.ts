import * as grpc from '@grpc/grpc-js';
import { hostname, release } from 'node:os';
import type { Logger } from 'pino';
import type { NodeCollectorHandlers } from '../../../proto/generated/whystuck/v1/NodeCollector';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import { loadCollectorProto } from '../proto/load-proto';
import type { Snapshotter } from '../snapshot/snapshotter';
import type { Remediator } from '../remediate/remediator';
import { InvalidArgumentError } from '../errors';
import { certificateIdentities } from './tls';
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
  /** Certificate identities (CN or SAN) allowed to call Remediate. */
  remediationClients: string[];
  logger: Logger;
  /** Watch mode's journal; without one, Watch answers UNIMPLEMENTED. */
  journal?: WatchJournal;
  metrics?: CollectorMetrics;
  /** Admission limits; defaults in DEFAULT_LIMITS. */
  limits?: Partial<CollectorLimits>;
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
  const allowed = new Set(opts.remediationClients);
  const releaser = createMemoryReleaser();
  const gate = createSnapshotGate<SnapshotRequest__Output, EncodedSnapshot>({
    maxRunning: limits.maxRunningSnapshots,
    maxQueued: limits.maxQueuedSnapshots,
    maxWaiting: limits.maxWaitingSnapshotCalls,
    run(req) {
      releaser.beforeSnapshot();
      return opts.snapshotter.snapshotBytes(req).finally(() => releaser.schedule());
    },
    // Callers sharing a snapshot get the longest of their deadlines.
    merge: (a, b) => ({ ...a, deadline_ms: Math.max(a.deadline_ms || DEFAULT_SNAPSHOT_DEADLINE_MS, b.deadline_ms || DEFAULT_SNAPSHOT_DEADLINE_MS) }),
  });

  const handlers: NodeCollectorHandlers = {
    Snapshot(call, callback) {
      const log = opts.logger.child({ rpc: 'Snapshot', rpcId: nextRpc++ });
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
      if ('ok' in admitted) {
        log.warn({ stats: gate.stats() }, 'snapshot refused: queue full');
        callback({ code: grpc.status.RESOURCE_EXHAUSTED, details: admitted.message });
        return;
      }
      call.once('cancelled', () => admitted.leave());
    },

    Remediate(call, callback) {
      const log = opts.logger.child({ rpc: 'Remediate', rpcId: nextRpc++ });
      const identities = certificateIdentities(call.getAuthContext()?.sslPeerCertificate);
      if (!identities.some((id) => allowed.has(id))) {
        log.warn({ identities, pid: call.request.pid }, 'remediation refused: client not authorised');
        callback(null, {
          status: 'NOT_AUTHORISED',
          message: identities.length > 0
            ? `client ${identities.join(', ')} may not remediate: add its certificate identity to the collector's --remediation-clients`
            : 'only clients with a certificate listed in --remediation-clients may remediate (this connection has no client certificate)',
          still_present: true,
        });
        return;
      }
      const problem = remediateRequestProblem(call.request);
      if (problem) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: problem });
        return;
      }
      opts.remediator.remediate(call.request).then((res) => {
        log.info({ pid: call.request.pid, signal: call.request.signal, requester: call.request.requester, client: identities[0], status: res.status }, 'remediation answered');
        callback(null, res);
      }, (err: Error) => {
        log.error({ err }, 'remediation failed');
        callback({ code: grpc.status.INTERNAL, details: `remediation failed: ${err.message}` });
      });
    },

    Watch(call) {
      const log = opts.logger.child({ rpc: 'Watch', rpcId: nextRpc++ });
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
      const missing = Object.entries(CAPABILITY_USE).filter(([cap]) => !caps.includes(cap)).map(([cap, use]) => `${cap}: cannot ${use}`);
      callback(null, {
        status: serving ? 'SERVING' : 'NOT_SERVING',
        version: COLLECTOR_VERSION,
        hostname: hostname(),
        kernel_release: release(),
        capabilities: caps,
        missing,
        pidfd_supported: opts.remediator.pidfdSupported,
        blocked_readers: opts.snapshotter.reader.stuck().length,
      });
    },
  };
  server.addService(proto.whystuck.v1.NodeCollector.service, handlers);

  return {
    listen(address, credentials) {
      return new Promise((resolve, reject) => {
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
