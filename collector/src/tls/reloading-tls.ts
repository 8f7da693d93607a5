import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { experimental } from '@grpc/grpc-js';
import { CollectorError } from '../errors';

type CertificateProvider = experimental.CertificateProvider;
type CaListener = experimental.CaCertificateUpdateListener;
type IdListener = experimental.IdentityCertificateUpdateListener;

export interface TlsFilePaths {
  cert: string;
  key: string;
  ca: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
  /** The leaf certificate's validity end and serial, for logs. */
  validTo: string;
  serial: string;
}

/**
 * Certificate, key and CA read from files and read again when any of them
 * changes (size, mtime, ctime or inode: a Kubernetes Secret volume swaps a
 * symlink, cert-manager and `whystuck certs --force` rewrite files). A change
 * is taken only when the three files make a valid set — the certificate and
 * key match and the CA parses — so a renewal caught half-written keeps the
 * old material until the next poll. It is a grpc-js CertificateProvider: the
 * server's and the channels' TLS contexts follow it without a restart.
 */
export interface ReloadingTls extends CertificateProvider {
  readonly files: TlsFilePaths;
  current(): TlsMaterial;
  /** Looks at the files now; true when new material was taken. */
  check(): boolean;
  /** Stops polling (listeners keep the last material). */
  close(): void;
}

export interface ReloadingTlsOptions {
  /** How often the files' metadata is looked at (default 10 s). */
  intervalMs?: number;
  onReload?(m: TlsMaterial): void;
  onError?(err: Error): void;
}

function fingerprint(files: TlsFilePaths): string {
  return [files.cert, files.key, files.ca]
    .map((p) => {
      try {
        const s = statSync(p);
        return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
      } catch (err) {
        return `missing:${(err as NodeJS.ErrnoException).code}`;
      }
    })
    .join('|');
}

/** Reads and checks a set of files; throws a CollectorError saying what is wrong. */
export function readTlsMaterial(files: TlsFilePaths): TlsMaterial {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new CollectorError('TLS_FILES', `cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  };
  const cert = read(files.cert, 'certificate');
  const key = read(files.key, 'private key');
  const ca = read(files.ca, 'CA certificate');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new CollectorError('TLS_FILES', `the certificate ${files.cert} does not parse: ${(err as Error).message}`);
  }
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(key))) throw new Error('it belongs to another certificate');
  } catch (err) {
    throw new CollectorError('TLS_FILES', `the private key ${files.key} does not match the certificate ${files.cert}: ${(err as Error).message}`);
  }
  try {
    new X509Certificate(ca);
  } catch (err) {
    throw new CollectorError('TLS_FILES', `the CA certificate ${files.ca} does not parse: ${(err as Error).message}`);
  }
  return { cert, key, ca, validTo: leaf.validTo, serial: leaf.serialNumber };
}

export function createReloadingTls(files: TlsFilePaths, opts: ReloadingTlsOptions = {}): ReloadingTls {
  let material = readTlsMaterial(files);
  let seen = fingerprint(files);
  const caListeners = new Set<CaListener>();
  const idListeners = new Set<IdListener>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const emit = (): void => {
    for (const l of caListeners) l({ caCertificate: material.ca });
    for (const l of idListeners) l({ certificate: material.cert, privateKey: material.key });
  };

  function check(): boolean {
    const now = fingerprint(files);
    if (now === seen) return false;
    let next: TlsMaterial;
    try {
      next = readTlsMaterial(files);
    } catch (err) {
      // Half-written or broken: keep what works, look again next time.
      opts.onError?.(err as Error);
      return false;
    }
    seen = now;
    if (next.cert.equals(material.cert) && next.key.equals(material.key) && next.ca.equals(material.ca)) return false;
    material = next;
    emit();
    opts.onReload?.(material);
    return true;
  }

  const listening = (): boolean => caListeners.size + idListeners.size > 0;
  const startPolling = (): void => {
    if (timer || closed) return;
    timer = setInterval(check, opts.intervalMs ?? 10_000);
    timer.unref();
  };
  const stopPolling = (): void => {
    if (listening() || !timer) return;
    clearInterval(timer);
    timer = undefined;
  };

  return {
    files,
    current: () => material,
    check,
    close() {
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    addCaCertificateListener(l) {
      caListeners.add(l);
      startPolling();
      process.nextTick(() => {
        if (caListeners.has(l)) l({ caCertificate: material.ca });
      });
    },
    removeCaCertificateListener(l) {
      caListeners.delete(l);
      stopPolling();
    },
    addIdentityCertificateListener(l) {
      idListeners.add(l);
      startPolling();
      process.nextTick(() => {
        if (idListeners.has(l)) l({ certificate: material.cert, privateKey: material.key });
      });
    },
    removeIdentityCertificateListener(l) {
      idListeners.delete(l);
      stopPolling();
    },
  };
}
