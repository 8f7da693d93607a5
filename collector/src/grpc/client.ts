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

export type CallResult<T> =
  | { status: 'ok'; value: T }
  | { status: 'unreachable'; address: string; message: string }
  | { status: 'rejected'; code: grpc.status; message: string };

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
  /** Retries for idempotent reads (Snapshot, Health): capped, jittered. */
  retries?: number;
}

const UNREACHABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);

export function createCollectorClient(opts: CollectorClientOptions): CollectorClient {
  const proto = loadCollectorProto();
  const channelOptions: grpc.ChannelOptions = {
    // A 10,000-thread node snapshot is ~4-5 MB; gRPC's default limit is 4 MB.
    'grpc.max_receive_message_length': 256 * 1024 * 1024,
    // HTTP/2 starts each stream with a 64 KB window: a snapshot would wait for a
    // WINDOW_UPDATE round trip through both event loops every 64 KB.
    'grpc-node.flow_control_window': 16 * 1024 * 1024,
    ...(opts.serverName ? { 'grpc.ssl_target_name_override': opts.serverName, 'grpc.default_authority': opts.serverName } : {}),
  };
  const client = new proto.whystuck.v1.NodeCollector(opts.address, clientCredentials(opts.tls, { expectedIdentity: opts.expectedIdentity }), channelOptions) as NodeCollectorClient;
  const deadlineMs = opts.deadlineMs ?? 15000;
  const retries = opts.retries ?? 2;

  function once<T>(fn: (deadline: grpc.Deadline, cb: (err: grpc.ServiceError | null, v?: T) => void) => void): Promise<CallResult<T>> {
    return new Promise((resolve) => {
      fn(new Date(Date.now() + deadlineMs), (err, value) => {
        if (!err) resolve({ status: 'ok', value: value as T });
        else if (UNREACHABLE.has(err.code)) resolve({ status: 'unreachable', address: opts.address, message: err.details || err.message });
        else resolve({ status: 'rejected', code: err.code, message: err.details || err.message });
      });
    });
  }

  async function idempotent<T>(fn: Parameters<typeof once<T>>[0]): Promise<CallResult<T>> {
    let result = await once(fn);
    for (let attempt = 1; attempt <= retries && result.status === 'unreachable'; attempt++) {
      const backoff = Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
      await new Promise((r) => setTimeout(r, backoff));
      result = await once(fn);
    }
    return result;
  }

  return {
    snapshot: (req) => idempotent((deadline, cb) => client.Snapshot(req, { deadline }, cb)),
    remediate: (req) => once((deadline, cb) => client.Remediate(req, { deadline }, cb)),
    health: () => idempotent((deadline, cb) => client.Health({}, { deadline }, cb)),
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
