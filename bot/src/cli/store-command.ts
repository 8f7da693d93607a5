import { ConfigError, loadConfig } from '../config';
import { describeDatabaseUrl } from '../store/database-url';
import { StoreError } from '../store/errors';
import { migrateAsOwner } from '../store/postgres-store';

export const STORE_USAGE = `usage: whystuck store migrate
  Runs the PostgreSQL store's migrations as the owner role
  (WHYSTUCK_DATABASE_MIGRATE_URL) and grants the bot's runtime role (the user of
  WHYSTUCK_DATABASE_URL) only what it needs: insert and read the audit log and
  record results, never drop or disable its append-only triggers. Run it once
  per release (a Kubernetes Job, or by hand); the bot then needs no owner
  password. Exit 0 done, 1 failed, 2 bad configuration.`;

/** `whystuck store migrate`. */
export async function runStoreCommand(args: string[], env: NodeJS.ProcessEnv, out: { write(s: string): unknown }, err: { write(s: string): unknown }): Promise<number> {
  if (args[0] !== 'migrate' || args.length > 1) {
    err.write(`${STORE_USAGE}\n`);
    return 2;
  }
  let databaseUrl: string | undefined;
  let migrateUrl: string | undefined;
  try {
    const c = loadConfig(env);
    databaseUrl = c.databaseUrl;
    migrateUrl = c.databaseMigrateUrl;
  } catch (e) {
    if (e instanceof ConfigError) {
      err.write(`whystuck store migrate: configuration error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (!databaseUrl || !migrateUrl) {
    err.write(
      "whystuck store migrate: set WHYSTUCK_DATABASE_MIGRATE_URL (the owner role) and WHYSTUCK_DATABASE_URL (the bot's runtime role) of one PostgreSQL database; the SQLite store migrates itself at start\n",
    );
    return 2;
  }
  try {
    const r = await migrateAsOwner(migrateUrl, databaseUrl);
    out.write(
      `PostgreSQL ${describeDatabaseUrl(migrateUrl)}: ${r.applied.length ? `applied migrations ${r.applied.join(', ')}` : 'schema already current'}; runtime role "${r.runtime}" may insert and read the audit log and record results, and use the other tables; it owns nothing\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof StoreError) {
      err.write(`whystuck store migrate: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
