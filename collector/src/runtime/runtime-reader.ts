import type { Logger } from 'pino';
import { createCriClient, type CriClient } from './cri-client';
import { findRuntimeEndpoint } from './find-runtime-endpoint';
import { readRuntime, type RuntimeRead } from './read-runtime';

export interface RuntimeReaderOptions {
  /** The CRI socket (`--runtime-endpoint`, "unix:///…" or a path); unset: the first usual socket found. */
  endpoint?: string;
  /** Where the usual sockets are looked for (default "/"; /proc/1/root is tried too on the real procfs). */
  hostRoot?: string;
  procRoot?: string;
  /** Deadline of the runtime's answers, all calls together (default 2000 ms). */
  deadlineMs?: number;
  logger?: Logger;
}

export interface RuntimeReader {
  /** The runtime's view of one pod (`podUid`) or of every pod (''): never throws, never waits past the deadline. */
  read(podUid: string, deadlineMs?: number): Promise<RuntimeRead>;
  /** Closes the channel to the runtime. */
  close(): void;
}

export const DEFAULT_RUNTIME_DEADLINE_MS = 2000;

export function createRuntimeReader(opts: RuntimeReaderOptions = {}): RuntimeReader {
  const defaultDeadline = opts.deadlineMs ?? DEFAULT_RUNTIME_DEADLINE_MS;
  let warnedNotFound = false;
  // One channel to the runtime, kept while it answers (a connected channel sends at once).
  let cached: CriClient | undefined;
  const drop = (): void => {
    cached?.close();
    cached = undefined;
  };
  return {
    async read(podUid, deadlineMs = defaultDeadline) {
      const t0 = performance.now();
      const found = await findRuntimeEndpoint({ configured: opts.endpoint, hostRoot: opts.hostRoot, procRoot: opts.procRoot });
      if (found.status === 'not-found') {
        drop();
        if (!warnedNotFound) opts.logger?.info({ searched: found.searched }, 'no container runtime socket found: snapshots carry no runtime view (set --runtime-endpoint)');
        warnedNotFound = true;
        return {
          view: {
            status: 'not-found',
            endpoint: '',
            endpoint_source: '',
            deadline_ms: deadlineMs,
            error: `no container runtime socket found (looked for ${found.searched.join(', ')}); give the collector --runtime-endpoint`,
            duration_ms: Math.round(performance.now() - t0),
          },
          problems: [],
        };
      }
      try {
        if (cached && cached.endpoint !== found.endpoint) drop();
        cached ??= createCriClient({ endpoint: found.endpoint });
        const read = await readRuntime(cached, { podUid, deadlineMs, endpointSource: found.status });
        // A runtime that did not answer gets a fresh channel next time, not grpc's reconnect backoff.
        if (read.view.status !== 'ok') drop();
        return read;
      } catch (err) {
        drop();
        opts.logger?.error({ err, endpoint: found.endpoint }, 'reading the container runtime failed');
        return {
          view: {
            status: 'error',
            endpoint: found.endpoint,
            endpoint_source: found.status,
            deadline_ms: deadlineMs,
            error: `cannot read the runtime at ${found.endpoint}: ${(err as Error).message}`,
            duration_ms: Math.round(performance.now() - t0),
          },
          problems: [],
        };
      }
    },
    close: drop,
  };
}
