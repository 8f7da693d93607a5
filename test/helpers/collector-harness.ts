import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createCertAuthority, type CertAuthority } from '../../collector/src/tls/dev-certs';
import { createSnapshotter, type Snapshotter, type SnapshotterOptions } from '../../collector/src/snapshot/snapshotter';
import { createRemediator, type RemediatorOptions } from '../../collector/src/remediate/remediator';
import { createCollectorServer, type CollectorServer } from '../../collector/src/grpc/server';
import { serverCredentials, type TlsFiles } from '../../collector/src/grpc/tls';
import { createCollectorClient, type CollectorClient } from '../../collector/src/grpc/client';
import { createWatchJournal, type WatchJournal } from '../../collector/src/watch/journal';
import { createCollectorMetrics, type CollectorMetrics } from '../../collector/src/watch/metrics';
import { createWatcher, type Watcher, type WatcherOptions } from '../../collector/src/watch/watcher';

/** One CA for the whole test run: RSA key generation is the slow part. */
let ca: CertAuthority | undefined;
export function testCa(): CertAuthority {
  ca ??= createCertAuthority('whystuck test CA');
  return ca;
}

export interface Harness {
  address: string;
  dir: string;
  snapshotter: Snapshotter;
  server: CollectorServer;
  /** A client whose certificate carries `identity` (signed by the test CA unless `foreignCa`). */
  client(identity: string, opts?: { foreignCa?: CertAuthority; deadlineMs?: number }): CollectorClient;
  /** Certificate files for a client identity (for code that builds its own clients, like the bot). */
  clientTls(identity: string): TlsFiles;
  /** Watch mode, when the harness was started with `watch`. */
  watcher?: Watcher;
  journal?: WatchJournal;
  metrics?: CollectorMetrics;
  close(): Promise<void>;
}

function writeTls(dir: string, name: string, issued: { cert: string; key: string }, caCert: string): TlsFiles {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`), ca: join(dir, `${name}-ca.crt`) };
  writeFileSync(files.cert, issued.cert);
  writeFileSync(files.key, issued.key, { mode: 0o600 });
  writeFileSync(files.ca, caCert);
  return files;
}

/** A real collector gRPC server with mutual TLS on 127.0.0.1:0, and clients for it. */
export async function startHarness(opts: { remediationClients?: string[]; snapshotter?: SnapshotterOptions; remediator?: RemediatorOptions; /** Names in the server certificate (default localhost and 127.0.0.1). */ serverNames?: { dnsNames: string[]; ipAddresses?: string[] }; /** Watch mode (not started: call watcher.start() or its *Now methods). */ watch?: Partial<WatcherOptions> } = {}): Promise<Harness> {
  const authority = testCa();
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-grpc-'));
  const names = opts.serverNames ?? { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
  const serverTls = writeTls(dir, 'server', authority.issue({ commonName: 'collector', dnsNames: names.dnsNames, ipAddresses: names.ipAddresses ?? [] }), authority.cert);
  const logger = pino({ level: 'silent' });
  const snapshotter = createSnapshotter(opts.snapshotter);
  const remediator = createRemediator({ settleMs: 300, reader: snapshotter.reader, ...opts.remediator });
  let watch: { watcher: Watcher; journal: WatchJournal; metrics: CollectorMetrics } | undefined;
  if (opts.watch) {
    const journal = createWatchJournal({ hostname: 'harness' });
    const metrics = createCollectorMetrics();
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))?.[1] ?? 0) * 1000;
    const watcher = createWatcher({ snapshotter, journal, metrics, logger, procRoot: opts.snapshotter?.procRoot ?? '/proc', bootTimeMs: btime, ...opts.watch });
    watch = { watcher, journal, metrics };
  }
  const server = createCollectorServer({ snapshotter, remediator, remediationClients: opts.remediationClients ?? ['whystuck-bot'], logger, journal: watch?.journal, metrics: watch?.metrics });
  const port = await server.listen('127.0.0.1:0', serverCredentials('127.0.0.1', serverTls, false));
  const address = `127.0.0.1:${port}`;
  const clients: CollectorClient[] = [];
  return {
    address, dir, snapshotter, server, ...watch,
    client(identity, o = {}) {
      const issuer = o.foreignCa ?? authority;
      const tls = writeTls(dir, `client-${identity}-${clients.length}`, issuer.issue({ commonName: identity, server: false }), authority.cert);
      const c = createCollectorClient({ address, tls, deadlineMs: o.deadlineMs ?? 20000, retries: 0 });
      clients.push(c);
      return c;
    },
    clientTls(identity) {
      return writeTls(dir, `files-${identity}`, authority.issue({ commonName: identity, server: false }), authority.cert);
    },
    async close() {
      watch?.watcher.stop();
      for (const c of clients) c.close();
      await server.shutdown(1000);
      await snapshotter.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
