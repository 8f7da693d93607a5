import { z } from 'zod';
import { databaseUrlProblem } from '../store/database-url';
import { ConfigError } from './errors';
import type { SettingTable, Sources } from './sources';

export interface StoreConfig {
  /** The SQLite store (one replica), used when there is no databaseUrl. */
  db: string;
  /** WHYSTUCK_DATABASE_URL (environment only: it carries a password): PostgreSQL shared by every replica. */
  databaseUrl?: string;
  /**
   * WHYSTUCK_DATABASE_MIGRATE_URL (environment only): the owner role that runs
   * migrations at start and grants the runtime role of databaseUrl only what
   * it needs (it cannot drop the audit log's triggers). Unset: databaseUrl
   * migrates, or `whystuck store migrate` did it before.
   */
  databaseMigrateUrl?: string;
}

export const STORE_FILE_KEYS = { db: z.string().optional() };

export const STORE_SETTINGS = {
  db: { env: 'WHYSTUCK_DB', file: 'db' },
  databaseUrl: { env: 'WHYSTUCK_DATABASE_URL', secret: true, blankIsUnset: true },
  databaseMigrateUrl: { env: 'WHYSTUCK_DATABASE_MIGRATE_URL', secret: true, blankIsUnset: true },
} satisfies SettingTable;

const StoreSchema = z.object({
  db: z.string().default('whystuck.db'),
  databaseUrl: z.string().optional(),
  databaseMigrateUrl: z.string().optional(),
});

/** The store: SQLite for one replica, or PostgreSQL (a runtime role, and optionally an owner role that migrates). */
export function storeSection(src: Sources): StoreConfig {
  const { db, databaseUrl, databaseMigrateUrl } = src.section('store', STORE_SETTINGS, StoreSchema);
  const problem = databaseUrl && databaseUrlProblem(databaseUrl);
  if (problem) throw src.bad(STORE_SETTINGS.databaseUrl, problem, undefined, 'unset it for the embedded SQLite store of one replica (WHYSTUCK_DB)');
  if (databaseMigrateUrl) checkMigrateUrl(databaseMigrateUrl, databaseUrl);
  return { db, databaseUrl, databaseMigrateUrl };
}

/** WHYSTUCK_DATABASE_MIGRATE_URL: a PostgreSQL URL for the same server and database as WHYSTUCK_DATABASE_URL, as another user. */
function checkMigrateUrl(url: string, databaseUrl: string | undefined): void {
  const key = 'WHYSTUCK_DATABASE_MIGRATE_URL';
  if (!databaseUrl)
    throw new ConfigError(
      key,
      'is set without WHYSTUCK_DATABASE_URL (value not shown): it is the owner role that migrates the PostgreSQL store; set WHYSTUCK_DATABASE_URL to the runtime role, or unset it',
    );
  const problem = databaseUrlProblem(url);
  if (problem) throw new ConfigError(key, `${problem} (value not shown)`);
  const a = new URL(url);
  const b = new URL(databaseUrl);
  const where = (u: URL): string => `${u.hostname}:${u.port || '5432'}/${u.pathname.replace(/^\//, '')}`;
  if (where(a) !== where(b))
    throw new ConfigError(key, `names ${where(a)}, WHYSTUCK_DATABASE_URL ${where(b)}: both must name the same server and database (the owner role and the bot's runtime role of one database)`);
  if (!a.username || decodeURIComponent(a.username) === decodeURIComponent(b.username))
    throw new ConfigError(
      key,
      `must name another user than WHYSTUCK_DATABASE_URL (both are "${decodeURIComponent(b.username)}"): the owner role migrates, the runtime role only uses the tables, so it cannot drop the audit log's triggers`,
    );
}
