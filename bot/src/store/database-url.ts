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
  try { u = new URL(url); } catch { return 'is not a URL: use postgres://USER:PASSWORD@HOST:5432/DATABASE (percent-encode special characters in the password)'; }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') return `has scheme "${u.protocol.replace(/:$/, '')}": use postgres://USER:PASSWORD@HOST:5432/DATABASE`;
  if (!u.hostname && !/[?&]host=/.test(u.search)) return 'names no host: use postgres://USER:PASSWORD@HOST:5432/DATABASE';
  return undefined;
}
