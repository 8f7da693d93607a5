import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childrenOf } from '../kernel/processes';

const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((p) => existsSync(p));

export function sshdAvailable(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'needs root to run sshd and log in as root' };
  if (!SSHD) return { ok: false, reason: 'sshd is missing (apt-get install openssh-server; .ci/run installs it)' };
  if (spawnSync('ssh-keygen', ['-?']).error) return { ok: false, reason: 'ssh-keygen is missing' };
  return { ok: true };
}

export interface TestSshd {
  port: number;
  pid: number;
  dir: string;
  /** The client's private key file (authorised for root). */
  clientKey: string;
  /** A known_hosts file that lists this server's host key for [127.0.0.1]:port. */
  knownHosts: string;
  /** "[127.0.0.1]:PORT ssh-ed25519 AAAA…" */
  knownHostsLine: string;
  /** The host key's fingerprint as `ssh-keygen -lf` prints it (SHA256:…). */
  hostFingerprint: string;
  /** Makes another key pair in the server's directory (not authorised); returns the private key file. */
  newKey(name: string, opts?: { passphrase?: string; type?: string }): string;
  /** The non-root user that may log in (`opts.user`), as this sshd sees it, and its uid. */
  user?: { name: string; uid: number };
  stop(): Promise<void>;
}

export function keygen(file: string, opts: { passphrase?: string; type?: string; comment?: string } = {}): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', opts.type ?? 'ed25519', '-N', opts.passphrase ?? '', '-C', opts.comment ?? 'whystuck-test', '-f', file]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

export function fingerprintOf(pubFile: string): string {
  return spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], { encoding: 'utf8' }).stdout.split(/\s+/)[1];
}

/** A loopback port free a moment ago: nothing listens on it (also a collector address that refuses connections). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export interface SshdOptions {
  /** authorized_keys options before the client key, e.g. `restrict,command="…"` (a forced command). */
  keyOptions?: string;
  /**
   * A non-root user the key may log in as too: added to a copy of /etc/passwd
   * and /etc/shadow (not locked) that only this sshd sees, bind-mounted in a
   * mount namespace of its own; the machine's files are not touched.
   */
  user?: { name: string; uid: number };
}

/**
 * A real OpenSSH server on 127.0.0.1 and a free port, with its own
 * configuration, host key and authorised client key in a temporary
 * directory: root (and `opts.user`) may log in with the key only; no PAM.
 * `stop()` kills it and its session processes by pid and removes the directory.
 */
export async function startSshd(opts: SshdOptions = {}): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-sshd-'));
  // A non-root user reads authorized_keys as itself: it may pass through the directory (not list it) and read that file.
  chmodSync(dir, opts.user ? 0o711 : 0o700);
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  keygen(hostKey, { comment: 'whystuck-test-host' });
  keygen(clientKey);
  writeFileSync(join(dir, 'authorized_keys'), `${opts.keyOptions ? `${opts.keyOptions} ` : ''}${readFileSync(`${clientKey}.pub`, 'utf8')}`, { mode: 0o644 });
  let argv0 = SSHD as string;
  let prefix: string[] = [];
  if (opts.user) {
    const { name, uid } = opts.user;
    writeFileSync(join(dir, 'passwd'), `${readFileSync('/etc/passwd', 'utf8')}${name}:x:${uid}:${uid}:whystuck test:/:/bin/sh\n`);
    writeFileSync(join(dir, 'shadow'), `${readFileSync('/etc/shadow', 'utf8')}${name}:*:19000:0:99999:7:::\n`, { mode: 0o600 });
    argv0 = 'unshare';
    prefix = ['--mount', '--propagation', 'private', '--', 'sh', '-c', `mount --bind "$0/passwd" /etc/passwd && mount --bind "$0/shadow" /etc/shadow && exec "$@"`, dir, SSHD as string];
  }
  // The privilege-separation directory sshd insists on (created by the service unit normally).
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755, recursive: true });
  let lastErr = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const config = join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'AllowTcpForwarding yes',
        'MaxSessions 20',
        'MaxStartups 50',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
    const child = spawn(argv0, [...prefix, '-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    const pid = child.pid as number;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    const until = Date.now() + 10000;
    while (!exited && Date.now() < until && !(await accepts(port))) await new Promise((r) => setTimeout(r, 50));
    if (exited || Date.now() >= until) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      lastErr = stderr.trim();
      continue;
    }
    const hostLine = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const knownHostsLine = `[127.0.0.1]:${port} ${hostLine}`;
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `${knownHostsLine}\n`);
    return {
      port,
      pid,
      dir,
      clientKey,
      knownHosts,
      knownHostsLine,
      ...(opts.user ? { user: opts.user } : {}),
      hostFingerprint: fingerprintOf(`${hostKey}.pub`),
      newKey(name, opts = {}) {
        const file = join(dir, name);
        keygen(file, opts);
        return file;
      },
      async stop() {
        // Sessions still open are children of the listener: kill them by pid too.
        const sessions = exited ? [] : childrenOf(pid);
        for (const p of [pid, ...sessions]) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        if (!exited) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise((r) => {
            child.once('exit', r);
            timer = setTimeout(r, 2000);
          });
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`sshd did not start: ${lastErr || 'no output'}`);
}
