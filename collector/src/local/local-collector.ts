import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createCollectorClient, type CollectorClient } from '../grpc/client';
import { createCollectorServer } from '../grpc/server';
import { serverCredentials, type TlsFiles } from '../grpc/tls';
import { createRemediator } from '../remediate/remediator';
import { createSnapshotter } from '../snapshot/snapshotter';
import { createCertAuthority } from '../tls/dev-certs';
import { nodeIdentity } from '../tls/identity';

/** The certificate identity (URI SAN) the terminal's client presents; the only one allowed to call Snapshot, Watch and Remediate. */
export const TERMINAL_CLIENT_ID = 'spiffe://whystuck/terminal';
/** The name the local collector's certificate carries and the client verifies (as in a cluster). */
export const COLLECTOR_NAME = 'whystuck-collector';

export interface LocalCollector {
  address: string;
  client: CollectorClient;
  close(): Promise<void>;
}

/**
 * A collector for this machine, in this process (the terminal's `npm start`), on 127.0.0.1 and a free
 * port, with mutual TLS from a CA made for this run only (keys written to a
 * private temporary directory only until both ends have read them): the terminal
 * talks to it exactly as the Slack bot talks to a node's collector.
 */
export async function startLocalCollector(opts: {
  logger: Logger;
  allowHostProcesses: boolean;
  deadlineMs?: number;
  /** This machine's node name: the collector's identity, and the node its Remediate accepts. */ nodeName: string;
}): Promise<LocalCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-local-'));
  const write = (name: string, issued: { cert: string; key: string }, ca: string): TlsFiles => {
    const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`), ca: join(dir, 'ca.crt') };
    writeFileSync(files.cert, issued.cert);
    writeFileSync(files.key, issued.key, { mode: 0o600 });
    writeFileSync(files.ca, ca);
    return files;
  };
  const ca = createCertAuthority('whystuck local CA (this run only)', 2);
  const identity = nodeIdentity(opts.nodeName);
  const serverTls = write('server', ca.issue({ commonName: COLLECTOR_NAME, uris: [identity], dnsNames: [COLLECTOR_NAME, 'localhost'], ipAddresses: ['127.0.0.1'], client: false, days: 2 }), ca.cert);
  const clientTls = write('client', ca.issue({ commonName: 'whystuck-terminal', uris: [TERMINAL_CLIENT_ID], server: false, days: 2 }), ca.cert);
  const snapshotter = createSnapshotter({ logger: opts.logger.child({ component: 'snapshot' }) });
  const remediator = createRemediator({ allowHostProcesses: opts.allowHostProcesses, logger: opts.logger.child({ component: 'remediate' }), reader: snapshotter.reader });
  const server = createCollectorServer({ snapshotter, remediator, botIdentity: TERMINAL_CLIENT_ID, nodeName: opts.nodeName, logger: opts.logger.child({ component: 'grpc' }) });
  let port: number;
  try {
    port = await server.listen('127.0.0.1:0', serverCredentials('127.0.0.1', serverTls, false));
  } catch (err) {
    await snapshotter.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const address = `127.0.0.1:${port}`;
  const client = createCollectorClient({ address, tls: clientTls, serverName: COLLECTOR_NAME, expectedIdentity: identity, deadlineMs: opts.deadlineMs ?? 30_000, retries: 1 });
  // Both ends hold their keys in memory now: the files go at once.
  rmSync(dir, { recursive: true, force: true });
  return {
    address,
    client,
    async close() {
      client.close();
      await server.shutdown(1000);
      await snapshotter.close();
    },
  };
}
