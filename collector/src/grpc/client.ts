import * as grpc from '@grpc/grpc-js';
import type { NodeCollectorClient } from '../../../proto/generated/whystuck/v1/NodeCollector';
import type { SnapshotRequest } from '../../../proto/generated/whystuck/v1/SnapshotRequest';
import type { SnapshotResponse__Output } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { RemediateRequest } from '../../../proto/generated/whystuck/v1/RemediateRequest';
import type { RemediateResponse__Output } from '../../../proto/generated/whystuck/v1/RemediateResponse';
import type { HealthResponse__Output } from '../../../proto/generated/whystuck/v1/HealthResponse';
import type { WatchRequest } from '../../../proto/generated/whystuck/v1/WatchRequest';
import type { WatchEvent__Output } from '../../../proto/generated/whystuck/v1/WatchEvent';
import { loadCollectorProto } from '../proto/load-proto';
import { clientCredentials, type TlsFiles } from './tls';

export type CallResult<T> = { status: 'ok'; value: T } | { status: 'unreachable'; address: string; message: string } | { status: 'rejected'; code: grpc.status; message: string };

/** A Watch stream: its events in order; `close` ends it. */
export interface WatchStream {
  events: AsyncIterable<WatchEvent__Output>;
  close(): void;
}

export interface CollectorClient {
  /** Opens a Watch stream (no deadline: it lives until closed or the collector goes). */
  watch(req: WatchRequest): WatchStream;
  snapshot(req: SnapshotRequest): Promise<CallResult<SnapshotResponse__Output>>;
  remediate(req: RemediateRequest): Promise<CallResult<RemediateResponse__Output>>;
  health(): Promise<CallResult<HealthResponse__Output>>;
  close(): void;
}

export interface CollectorClientOptions {
  address: string;
  tls?: TlsFiles;
  /** Per-call deadline; every call has one. */
  deadlineMs?: number;
  /** Name the server certificate must carry, when it differs from the address host (without `expectedIdentity`). */
  serverName?: string;
  /**
   * The one URI SAN the server certificate must carry, e.g.
   * spiffe://whystuck/node/NAME (identity.ts), or exactly one of a list: it
   * replaces the host-name check, and another node's collector is refused.
   */
  expectedIdentity?: string | readonly string[];
  /**
   * Retries for idempotent reads (Snapshot, Health) answered UNAVAILABLE:
   * grpc-js's own retries (retryServiceConfig), every attempt inside the
   * call's one deadline; 0: none. Remediate and Watch are never retried.
   */
  retries?: number;
  /** The largest answer accepted, in bytes (default MAX_RECEIVE_BYTES). */
  maxReceiveBytes?: number;
}

const UNREACHABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);

/** The proto's service (proto/whystuck/v1/collector.proto: package whystuck.v1, service NodeCollector). */
const SERVICE = 'whystuck.v1.NodeCollector';

/**
 * The largest answer a client accepts: 32 MiB. Measured (issue 17) on a node
 * of 10,000 threads, as bench/ builds it, whole-node SnapshotResponse with the
 * whole kernel log (2,456 records, 0.15 MB): 0.65 MB (10 processes of 1,000
 * threads) and 1.0 MB (1,000 of 10) as the bot asks; 2.3 and 2.6 MB with
 * all_thread_details; 3.6 and 3.8 MB with that and a kernel stack for every
 * thread (stack_states of every state) — the largest realistic answer. 32 MiB
 * is eight times that: room for a bigger node, long command lines (4 KB each
 * at most) and a large kernel log ring, and a bound on what a client buffers.
 */
export const MAX_RECEIVE_BYTES = 32 * 1024 * 1024;

/**
 * grpc-js's retries for Snapshot and Health only: UNAVAILABLE (the collector
 * not reachable, restarting, or the connection lost) is tried again, up to
 * `retries` more times, after 0.1 s, 0.2 s, 0.4 s … (at most 1 s, ±20 %
 * jitter), all inside the call's one deadline. No method config names
 * Remediate or Watch: they are never retried by policy. (grpc-js still
 * retries any call, once, transparently when it is certain the request never
 * reached the server's handler: not sent, or refused by the server's HTTP/2
 * layer; that cannot signal twice.) `retries` 0: no policy at all.
 */
export function retryServiceConfig(retries: number): { methodConfig: Array<Record<string, unknown>> } {
  if (!(retries >= 1)) return { methodConfig: [] };
  return {
    methodConfig: [
      {
        name: [
          { service: SERVICE, method: 'Snapshot' },
          { service: SERVICE, method: 'Health' },
        ],
        retryPolicy: {
          maxAttempts: Math.floor(retries) + 1,
          initialBackoff: '0.1s',
          maxBackoff: '1s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
    ],
  };
}

/** grpc-js's "Received message larger than max (N vs M)", said with the limit and what to do. */
function tooLarge(message: string, limit: number): string | undefined {
  const m = /Received message larger than max \((\d+) vs\.? (\d+)\)/.exec(message);
  if (!m) return undefined;
  const mb = (n: number): string => `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return `the collector's answer is ${m[1]} bytes (${mb(Number(m[1]))}), larger than this client's receive limit of ${Number(m[2]) || limit} bytes (${mb(Number(m[2]) || limit)}, grpc.max_receive_message_length): ask for less (problems_only, one pod or a few pids, no all_thread_details)`;
}

export function createCollectorClient(opts: CollectorClientOptions): CollectorClient {
  const proto = loadCollectorProto();
  const retries = Math.max(0, Math.floor(opts.retries ?? 2));
  const maxReceiveBytes = opts.maxReceiveBytes ?? MAX_RECEIVE_BYTES;
  const channelOptions: grpc.ChannelOptions = {
    'grpc.max_receive_message_length': maxReceiveBytes,
    // HTTP/2 starts each stream with a 64 KB window: a snapshot would wait for a
    // WINDOW_UPDATE round trip through both event loops every 64 KB.
    'grpc-node.flow_control_window': 16 * 1024 * 1024,
    'grpc.enable_retries': 1,
    'grpc.service_config': JSON.stringify(retryServiceConfig(retries)),
    // This config, never one from a DNS TXT record of the collector's name.
    'grpc.service_config_disable_resolution': 1,
    // grpc-js caps attempts at 5 unless told otherwise.
    'grpc-node.retry_max_attempts_limit': Math.max(5, retries + 1),
    ...(opts.serverName ? { 'grpc.ssl_target_name_override': opts.serverName, 'grpc.default_authority': opts.serverName } : {}),
  };
  const client = new proto.whystuck.v1.NodeCollector(opts.address, clientCredentials(opts.tls, { expectedIdentity: opts.expectedIdentity }), channelOptions) as NodeCollectorClient;
  const deadlineMs = opts.deadlineMs ?? 15000;

  /** One call under one deadline, set here once: grpc-js's retries of Snapshot and Health happen inside it. */
  function unary<T>(fn: (deadline: grpc.Deadline, cb: (err: grpc.ServiceError | null, v?: T) => void) => void): Promise<CallResult<T>> {
    return new Promise((resolve) => {
      fn(new Date(Date.now() + deadlineMs), (err, value) => {
        if (!err) resolve({ status: 'ok', value: value as T });
        else if (UNREACHABLE.has(err.code)) resolve({ status: 'unreachable', address: opts.address, message: err.details || err.message });
        else {
          const message = err.details || err.message;
          // RESOURCE_EXHAUSTED is also the collector's own "busy" (its queue): only grpc-js's size check is reworded.
          resolve({ status: 'rejected', code: err.code, message: (err.code === grpc.status.RESOURCE_EXHAUSTED && tooLarge(message, maxReceiveBytes)) || message });
        }
      });
    });
  }

  return {
    snapshot: (req) => unary((deadline, cb) => client.Snapshot(req, { deadline }, cb)),
    remediate: (req) => unary((deadline, cb) => client.Remediate(req, { deadline }, cb)),
    health: () => unary((deadline, cb) => client.Health({}, { deadline }, cb)),
    watch(req) {
      const call = client.Watch(req);
      return {
        events: call as AsyncIterable<WatchEvent__Output>,
        close: () => call.cancel(),
      };
    },
    close: () => client.close(),
  };
}
