import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client } from 'pg';
import { databaseUrlRole, databaseUrlWarnings, describeDatabaseUrl } from './database-url';
import { MIGRATIONS } from './migrations';
import { auditGuardProblem, schemaVersions } from './postgres-store';
import type { StoreSelection } from './open-store';

/**
 * `whystuck config check`: which store the bot would use and whether it can
 * reach it, without changing anything (no file created, no migration run).
 */
export async function checkStore(sel: StoreSelection, timeoutMs = 5000): Promise<{ line: string; problem?: string; warnings?: string[] }> {
  const latest = Math.max(...MIGRATIONS.map((m) => m.version));
  if (!sel.databaseUrl) {
    const line = `store: SQLite ${sel.sqlitePath} (one replica; set WHYSTUCK_DATABASE_URL for PostgreSQL shared by several)`;
    const target = existsSync(sel.sqlitePath) ? sel.sqlitePath : dirname(sel.sqlitePath);
    try {
      accessSync(target, constants.W_OK);
      return { line: `${line}, ${target === sel.sqlitePath ? 'writable' : 'will be created'}` };
    } catch (err) {
      return { line, problem: `the SQLite store ${sel.sqlitePath} is not writable (${(err as NodeJS.ErrnoException).code}): set WHYSTUCK_DB to a file on a writable volume` };
    }
  }
  const where = `PostgreSQL ${describeDatabaseUrl(sel.databaseUrl)}`;
  const warnings = [...databaseUrlWarnings(sel.databaseUrl, 'WHYSTUCK_DATABASE_URL'), ...(sel.migrateUrl ? databaseUrlWarnings(sel.migrateUrl, 'WHYSTUCK_DATABASE_MIGRATE_URL') : [])];
  const roles = sel.migrateUrl
    ? `; migrations as ${databaseUrlRole(sel.migrateUrl) ?? '(no user)'} (WHYSTUCK_DATABASE_MIGRATE_URL), the bot as ${databaseUrlRole(sel.databaseUrl) ?? '(no user)'}`
    : '';
  const client = new Client({ connectionString: sel.databaseUrl, connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs });
  client.on('error', () => undefined);
  const t0 = performance.now();
  try {
    await client.connect();
    const ms = performance.now() - t0;
    const versions = await schemaVersions(client);
    const have = versions.size ? Math.max(...versions) : undefined;
    const schema =
      have === undefined ? `empty: migrations to version ${latest} run at start` : have < latest ? `schema version ${have}: migrations to ${latest} run at start` : `schema version ${have}`;
    const guard = have === undefined ? undefined : await auditGuardProblem(client);
    return { line: `store: ${where} (shared by every replica), connected in ${ms.toFixed(0)} ms, ${schema}${roles}`, warnings: [...warnings, ...(guard ? [guard] : [])] };
  } catch (err) {
    return {
      line: `store: ${where} (shared by every replica)${roles}`,
      problem: `cannot connect to ${where}: ${(err as Error).message}; check WHYSTUCK_DATABASE_URL (host, port, user, password, database) and that the server accepts this pod`,
      warnings,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}
