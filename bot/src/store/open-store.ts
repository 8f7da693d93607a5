import { databaseUrlProblem } from './database-url';
import { StoreError } from './errors';
import { openPostgresStore } from './postgres-store';
import { openSqliteStore } from './sqlite-store';
import type { Store } from './store';

export interface StoreSelection {
  /** WHYSTUCK_DATABASE_URL: PostgreSQL, shared by every replica. */
  databaseUrl?: string;
  /** WHYSTUCK_DATABASE_MIGRATE_URL: the owner role that runs migrations and grants the runtime role its privileges. */
  migrateUrl?: string;
  /** WHYSTUCK_DB: the SQLite file, when there is no database URL. */
  sqlitePath: string;
  poolSize?: number;
  onError?(err: Error): void;
}

/**
 * PostgreSQL when a database URL is given, else SQLite; migrated before it is
 * returned. Throws StoreError (unreachable, migration failed) for the caller
 * to report at start.
 */
export async function openStore(sel: StoreSelection): Promise<Store> {
  if (sel.databaseUrl) {
    const problem = databaseUrlProblem(sel.databaseUrl);
    if (problem) throw new StoreError('BAD_DATABASE_URL', `WHYSTUCK_DATABASE_URL ${problem}`);
    const migrateProblem = sel.migrateUrl && databaseUrlProblem(sel.migrateUrl);
    if (migrateProblem) throw new StoreError('BAD_DATABASE_URL', `WHYSTUCK_DATABASE_MIGRATE_URL ${migrateProblem}`);
    return openPostgresStore({ url: sel.databaseUrl, migrateUrl: sel.migrateUrl, poolSize: sel.poolSize, onError: sel.onError });
  }
  try {
    return openSqliteStore(sel.sqlitePath);
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError(
      'STORE_UNREACHABLE',
      `cannot open the SQLite store ${sel.sqlitePath}: ${(err as Error).message}. Set WHYSTUCK_DB to a writable file (in Kubernetes on a volume), or WHYSTUCK_DATABASE_URL for PostgreSQL.`,
    );
  }
}
