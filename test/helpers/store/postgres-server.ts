import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * A real PostgreSQL server for one test file: initdb in a temporary
 * directory, listening on 127.0.0.1 and a free port only, password auth.
 * As root the server runs as the `postgres` user (initdb refuses root).
 * `stop()` shuts it down and removes the directory; it also runs when the
 * test process exits, so a crashed test leaves no server behind.
 */
export interface PostgresServer {
  /** postgres://whystuck:…@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** Creates a fresh database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL as the superuser on `url` (default: the server's postgres database). */
  sql(text: string, url?: string): Promise<Record<string, unknown>[]>;
  stop(): void;
}

/** Where initdb, pg_ctl and postgres are: on PATH, or Debian's /usr/lib/postgresql/VERSION/bin (newest). */
export function postgresBinDir(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  if (onPath && existsSync(onPath.replace(/pg_ctl$/, 'initdb'))) return onPath.replace(/\/pg_ctl$/, '');
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], 'bin') : undefined;
}

export function postgresAvailable(): { ok: true } | { ok: false; reason: string } {
  if (!postgresBinDir()) return { ok: false, reason: 'PostgreSQL is not installed (apt-get install postgresql; .ci/run does it)' };
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return { ok: false, reason: 'running as root without a postgres user to run the server as' };
  return { ok: true };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL binaries not found');
  const root = process.getuid?.() === 0;
  const asServerUser = (cmd: string, args: string[]): string[] => (root ? ['runuser', '-u', 'postgres', '--', cmd, ...args] : [cmd, ...args]);
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  let started = false;
  const stop = (): void => {
    process.removeListener('exit', stop);
    if (started) {
      started = false;
      const [cmd, ...args] = asServerUser(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', stop);
  try {
    const run = (cmd: string, args: string[]): void => {
      const [c, ...a] = asServerUser(join(bin, cmd), args);
      const r = spawnSync(c, a, { encoding: 'utf8', timeout: 60_000, cwd: dir });
      if (r.status !== 0) throw new Error(`${cmd} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}${existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').slice(-2000) : ''}`);
    };
    run('initdb', ['-D', data, '-U', 'whystuck', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const port = await freePort();
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-w',
      '-t',
      '30',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100`,
      'start',
    ]);
    started = true;
    const base = `postgres://whystuck:${password}@127.0.0.1:${port}`;
    const sql = async (text: string, url = `${base}/postgres`): Promise<Record<string, unknown>[]> => {
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query(text)).rows;
      } finally {
        await c.end();
      }
    };
    return {
      url: `${base}/postgres`,
      port,
      sql,
      stop,
      async createDatabase(name) {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
        await sql(`CREATE DATABASE ${name}`);
        return `${base}/${name}`;
      },
    };
  } catch (err) {
    stop();
    throw err;
  }
}
