import * as grpc from '@grpc/grpc-js';
import { CollectorError, InsecureListenError } from '../errors';
import { checkIdentity } from '../tls/identity';
import { createReloadingTls, type ReloadingTls, type ReloadingTlsOptions } from '../tls/reloading-tls';

export interface TlsFiles {
  cert: string;
  key: string;
  ca: string;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * Server credentials: mutual TLS (client certificates signed by the CA are
 * required), or plaintext only on a loopback address with --insecure. The
 * TLS files are read again when they change (a renewal needs no restart).
 */
export function serverCredentials(host: string, tls: TlsFiles | undefined, insecure: boolean, reload: ReloadingTlsOptions = {}): grpc.ServerCredentials {
  if (tls) {
    const files = createReloadingTls(tls, reload);
    // The same provider for CA and identity (grpc-js 1.14 swaps the two arguments internally).
    return grpc.experimental.createCertificateProviderServerCredentials(files, files, true);
  }
  if (!insecure) throw new CollectorError('TLS_FILES', 'the collector needs --tls-cert, --tls-key and --tls-ca (mutual TLS), or --insecure on a loopback address');
  if (!isLoopbackHost(host)) throw new InsecureListenError(host);
  return grpc.ServerCredentials.createInsecure();
}

/** One reloading provider per set of files, shared by every channel that uses them. */
const clientFiles = new Map<string, ReloadingTls>();

/**
 * Channel credentials. With `expectedIdentity`, the server's certificate must
 * carry exactly that one URI SAN (e.g. spiffe://whystuck/node/NAME), or
 * exactly one of a list of them (node N's identity or the identity of the
 * collector pod the API places on N): the collector of another node, whose
 * certificate the same CA signed, is refused. That check replaces the DNS
 * host-name check. Files are read again when they change.
 */
export function clientCredentials(tls: TlsFiles | undefined, opts: { expectedIdentity?: string | readonly string[] } = {}): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  const key = JSON.stringify([tls.cert, tls.key, tls.ca]);
  let files = clientFiles.get(key);
  if (files) files.check();
  else {
    files = createReloadingTls(tls);
    clientFiles.set(key, files);
  }
  const expected = opts.expectedIdentity;
  const verify: grpc.VerifyOptions = expected
    ? {
        checkServerIdentity: (_host, cert) => {
          const c = checkIdentity(cert, expected);
          return c.ok ? undefined : Object.assign(new Error(`the server is not ${typeof expected === 'string' ? expected : expected.join(' or ')}: ${c.reason}`), { code: 'ERR_WHYSTUCK_IDENTITY' });
        },
      }
    : {};
  return grpc.experimental.createCertificateProviderChannelCredentials(files, files, verify);
}
