import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { CollectorError, InsecureListenError } from '../errors';

export interface TlsFiles {
  cert: string;
  key: string;
  ca: string;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CollectorError('TLS_FILES', `cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/**
 * Server credentials: mutual TLS (client certificates signed by the CA are
 * required), or plaintext only on a loopback address with --insecure.
 */
export function serverCredentials(host: string, tls: TlsFiles | undefined, insecure: boolean): grpc.ServerCredentials {
  if (tls) {
    return grpc.ServerCredentials.createSsl(read(tls.ca, 'CA certificate'), [{ cert_chain: read(tls.cert, 'certificate'), private_key: read(tls.key, 'private key') }], true);
  }
  if (!insecure) throw new CollectorError('TLS_FILES', 'the collector needs --tls-cert, --tls-key and --tls-ca (mutual TLS), or --insecure on a loopback address');
  if (!isLoopbackHost(host)) throw new InsecureListenError(host);
  return grpc.ServerCredentials.createInsecure();
}

export function clientCredentials(tls: TlsFiles | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(read(tls.ca, 'CA certificate'), read(tls.key, 'private key'), read(tls.cert, 'certificate'));
}

/** The identities a peer certificate proves: its CN and every DNS / URI SAN. */
export function certificateIdentities(cert: { subject?: { CN?: string | string[] }; subjectaltname?: string } | undefined): string[] {
  if (!cert) return [];
  const ids: string[] = [];
  const cn = cert.subject?.CN;
  if (cn) ids.push(...(Array.isArray(cn) ? cn : [cn]));
  for (const part of (cert.subjectaltname ?? '').split(',')) {
    const m = /^\s*(DNS|URI):(.+)$/.exec(part);
    if (m) ids.push(m[2].trim());
  }
  return ids;
}
