/**
 * A PostgreSQL URL for logs and `config check`: user, host, port and
 * database, never the password (nor query parameters, which may carry one).
 */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || '(default database)';
    return `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.hostname || '(local socket)'}${u.port ? `:${u.port}` : ''}/${db}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** Why a WHYSTUCK_DATABASE_URL is not a PostgreSQL URL, or undefined when it is one. */
export function databaseUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL: use postgres://USER:PASSWORD@HOST:5432/DATABASE (percent-encode special characters in the password)';
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') return `has scheme "${u.protocol.replace(/:$/, '')}": use postgres://USER:PASSWORD@HOST:5432/DATABASE`;
  if (!u.hostname && !/[?&]host=/.test(u.search)) return 'names no host: use postgres://USER:PASSWORD@HOST:5432/DATABASE';
  return undefined;
}

/** The user a PostgreSQL URL connects as (percent-decoded), if it names one. */
export function databaseUrlRole(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.username ? decodeURIComponent(u.username) : undefined;
  } catch {
    return undefined;
  }
}

/** Loopback or a Unix socket: traffic that never leaves the machine (or the pod). */
function isLocalDatabaseHost(u: URL): boolean {
  const hostParam = u.searchParams.get('host');
  const host = u.hostname.replace(/^\[|\]$/g, '') || hostParam || '';
  if (!host || host.startsWith('/')) return true; // a socket directory
  return host === 'localhost' || /^127\./.test(host) || host === '::1';
}

/**
 * Warnings (not errors) about a PostgreSQL URL: one that reaches another host
 * and says nothing about TLS (no `sslmode`) connects in plaintext — the
 * password and the audit log cross the network readable.
 */
export function databaseUrlWarnings(url: string, key: string): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [];
  }
  if (isLocalDatabaseHost(u) || u.searchParams.has('sslmode')) return [];
  return [
    `${key} reaches ${u.hostname}${u.port ? `:${u.port}` : ''} without sslmode: the connection, its password and the audit log travel in plaintext. Add ?sslmode=verify-full (with sslrootcert=/path/to/ca.crt for a private CA); sslmode=disable says plaintext on purpose and silences this`,
  ];
}
