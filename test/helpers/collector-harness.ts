import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createCertAuthority, type CertAuthority } from '../../collector/src/tls/dev-certs';
import { BOT_IDENTITY, nodeIdentity, READER_IDENTITY } from '../../collector/src/tls/identity';
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
  /** The node this collector serves (its certificate's spiffe://whystuck/node/NAME, the node its Remediate accepts). */
  nodeName: string;
  /** The server's certificate files (rewrite them to test reloading). */
  serverTls: TlsFiles;
  /**
   * A client whose certificate carries `identity` (signed by the test CA unless
   * `foreignCa`): "whystuck-bot" is the bot's certificate as `whystuck certs`
   * issues it (CN whystuck-bot, URI SAN spiffe://whystuck/bot); a spiffe:// URI
   * is that URI SAN alone; anything else is a CN without a URI SAN.
   */
  client(identity: string, opts?: { foreignCa?: CertAuthority; deadlineMs?: number; expectedIdentity?: string }): CollectorClient;
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
/** What a client certificate for `identity` carries (see Harness.client). */
export function clientCertFor(identity: string): { commonName: string; uris: string[] } {
  if (identity === 'whystuck-bot') return { commonName: identity, uris: [BOT_IDENTITY] };
  if (identity.startsWith('spiffe://')) return { commonName: 'client', uris: [identity] };
  return { commonName: identity, uris: [] };
}

export async function startHarness(
  opts: {
    /** Default node-a. */ nodeName?: string;
    /** The server certificate's one URI SAN (default the node's identity; e.g. a collector pod's, spiffe://whystuck/ns/NS/pod/POD). */ serverIdentity?: string;
    botIdentity?: string;
    /** The read-only identity (Snapshot only), as the collector's --reader-identity: default spiffe://whystuck/reader, '' none. */ readerIdentity?: string;
    /** How often the server's TLS files are looked at (default 10 s). */ reloadIntervalMs?: number;
    snapshotter?: SnapshotterOptions;
    remediator?: RemediatorOptions;
    /** Names in the server certificate (default localhost and 127.0.0.1). */ serverNames?: { dnsNames: string[]; ipAddresses?: string[] };
    /** Watch mode (not started: call watcher.start() or its *Now methods). */ watch?: Partial<WatcherOptions>;
  } = {},
): Promise<Harness> {
  const authority = testCa();
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-grpc-'));
  const names = opts.serverNames ?? { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
  const nodeName = opts.nodeName ?? 'node-a';
  const serverTls = writeTls(
    dir,
    'server',
    authority.issue({ commonName: 'collector', uris: [opts.serverIdentity ?? nodeIdentity(nodeName)], dnsNames: names.dnsNames, ipAddresses: names.ipAddresses ?? [] }),
    authority.cert,
  );
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
  const server = createCollectorServer({
    snapshotter,
    remediator,
    botIdentity: opts.botIdentity,
    readerIdentity: opts.readerIdentity ?? READER_IDENTITY,
    nodeName,
    logger,
    journal: watch?.journal,
    metrics: watch?.metrics,
  });
  const port = await server.listen('127.0.0.1:0', serverCredentials('127.0.0.1', serverTls, false, { intervalMs: opts.reloadIntervalMs }));
  const address = `127.0.0.1:${port}`;
  const clients: CollectorClient[] = [];
  return {
    address,
    dir,
    snapshotter,
    server,
    nodeName,
    serverTls,
    ...watch,
    client(identity, o = {}) {
      const issuer = o.foreignCa ?? authority;
      const tls = writeTls(dir, `client-${clients.length}`, issuer.issue({ ...clientCertFor(identity), server: false }), authority.cert);
      const c = createCollectorClient({ address, tls, deadlineMs: o.deadlineMs ?? 20000, retries: 0, expectedIdentity: o.expectedIdentity });
      clients.push(c);
      return c;
    },
    clientTls(identity) {
      return writeTls(dir, `files-${identity.replace(/[^\w.-]/g, '_')}`, authority.issue({ ...clientCertFor(identity), server: false }), authority.cert);
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
