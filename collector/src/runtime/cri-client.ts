import * as grpc from '@grpc/grpc-js';
import { criCodecs, type CriMethod, type CriMethods } from './cri-proto';

/** How one CRI call ended. */
export type CriResult<T> =
  | { status: 'ok'; value: T; tookMs: number }
  /** No answer before the deadline: the runtime (or the socket's listener) hangs. */
  | { status: 'timed-out'; message: string; tookMs: number }
  /** Nothing to talk to: no such socket, connection refused or reset. */
  | { status: 'unreachable'; message: string; tookMs: number }
  /** The runtime answered with an error. */
  | { status: 'error'; code: grpc.status; message: string; tookMs: number };

export interface CriClient {
  /** "unix:///run/containerd/containerd.sock" */
  readonly endpoint: string;
  /** One unary call; `deadline` is absolute (all calls of a snapshot share one). */
  call<M extends CriMethod>(method: M, req: CriMethods[M][0], deadline: Date): Promise<CriResult<CriMethods[M][1]>>;
  close(): void;
}

/** "/run/x.sock" or "unix:///run/x.sock" -> "unix:///run/x.sock". */
export function unixEndpoint(socketOrEndpoint: string): string {
  return socketOrEndpoint.startsWith('unix://') ? socketOrEndpoint : `unix://${socketOrEndpoint}`;
}

/** "unix:///run/x.sock" -> "/run/x.sock". */
export function socketPath(endpoint: string): string {
  return endpoint.replace(/^unix:\/\//, '');
}

/**
 * A read-only client of the runtime's CRI RuntimeService on its unix socket.
 * Async gRPC (grpc-js) with a deadline on every call: a runtime that accepts
 * and never answers costs the deadline, never the event loop. Its owner
 * closes it after a failure (runtime-reader.ts): a runtime that was down a
 * moment ago is then tried afresh, not through grpc's reconnect backoff.
 */
export function createCriClient(opts: { endpoint: string }): CriClient {
  const endpoint = unixEndpoint(opts.endpoint);
  const codecs = criCodecs();
  const client = new grpc.Client(endpoint, grpc.credentials.createInsecure(), {
    // A node with hundreds of exited containers lists more than gRPC's default 4 MB allows.
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.enable_retries': 0,
    'grpc.service_config_disable_resolution': 1,
    // Its own subchannels, closed with it: no connection to the runtime outlives the client.
    'grpc.use_local_subchannel_pool': 1,
  });
  return {
    endpoint,
    call(method, req, deadline) {
      const c = codecs[method];
      const t0 = performance.now();
      return new Promise((resolve) => {
        client.makeUnaryRequest(c.path, c.serialize as (v: unknown) => Buffer, c.deserialize, req, new grpc.Metadata(), { deadline }, (err, value) => {
          const tookMs = Math.round(performance.now() - t0);
          if (!err) {
            resolve({ status: 'ok', value: value as CriMethods[typeof method][1], tookMs });
            return;
          }
          const message = err.details || err.message;
          if (err.code === grpc.status.DEADLINE_EXCEEDED) resolve({ status: 'timed-out', message, tookMs });
          else if (err.code === grpc.status.UNAVAILABLE) resolve({ status: 'unreachable', message, tookMs });
          else resolve({ status: 'error', code: err.code, message, tookMs });
        });
      });
    },
    close() {
      client.close();
    },
  };
}
