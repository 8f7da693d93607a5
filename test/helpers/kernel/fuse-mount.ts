import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup, trackPid } from './cleanup';

export interface Hung {
  opcode: number;
  unique: string;
  pid: number;
  path: string;
}

export interface FuseMount {
  mountpoint: string;
  daemonPid: number;
  /** Resolves once `count` requests are being held unanswered. */
  waitHung(count?: number, timeoutMs?: number): Promise<Hung[]>;
  /** Aborts the connection: every task waiting on it gets an error and leaves D. */
  abort(): void;
}

export function fuseAvailable(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'needs root to mount FUSE' };
  if (!existsSync('/dev/fuse')) return { ok: false, reason: '/dev/fuse is missing' };
  if (spawnSync('python3', ['--version']).status !== 0) return { ok: false, reason: 'python3 is missing' };
  return { ok: true };
}

/** The fusectl connection number of a mount: the minor of its device in mountinfo. */
function connectionOf(mountpoint: string): string | undefined {
  const line = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === mountpoint);
  return line?.split(' ')[2]?.split(':')[1];
}

function abortConnection(mountpoint: string): void {
  if (!existsSync('/sys/fs/fuse/connections/')) return;
  if (spawnSync('mountpoint', ['-q', '/sys/fs/fuse/connections']).status !== 0) {
    spawnSync('mount', ['-t', 'fusectl', 'none', '/sys/fs/fuse/connections']);
  }
  const conn = connectionOf(mountpoint);
  if (conn && existsSync(`/sys/fs/fuse/connections/${conn}/abort`)) writeFileSync(`/sys/fs/fuse/connections/${conn}/abort`, '1');
}

/**
 * Mounts test/helpers/kernel/fuse_server.py serving `files` (relative path ->
 * content). Reads of paths matching `hang` are never answered (hang 'statfs':
 * statfs requests only); hang '*' holds
 * every request after INIT. Torn down by cleanupAll(): abort, kill, umount -l.
 */
export async function startFuse(opts: { files?: Record<string, string>; /** relative path -> symlink target */ links?: Record<string, string>; hang: string }): Promise<FuseMount> {
  const base = mkdtempSync(join(tmpdir(), 'whystuck-fuse-'));
  const mountpoint = join(base, 'mnt');
  const backing = join(base, 'backing');
  spawnSync('mkdir', ['-p', mountpoint, backing]);
  for (const [rel, content] of Object.entries(opts.files ?? {})) {
    spawnSync('mkdir', ['-p', join(backing, rel, '..')]);
    writeFileSync(join(backing, rel), content);
  }
  for (const [rel, target] of Object.entries(opts.links ?? {})) {
    spawnSync('mkdir', ['-p', join(backing, rel, '..')]);
    symlinkSync(target, join(backing, rel));
  }
  const daemon = spawn('python3', [join(__dirname, 'fuse_server.py'), mountpoint, backing, opts.hang], { stdio: ['ignore', 'pipe', 'inherit'] });
  const daemonPid = trackPid(daemon.pid);
  onCleanup(`fuse ${mountpoint}`, () => {
    abortConnection(mountpoint);
    try {
      process.kill(daemonPid, 'SIGKILL');
    } catch {
      /* gone */
    }
    spawnSync('umount', ['-l', mountpoint], { timeout: 5000 });
    rmSync(base, { recursive: true, force: true });
  });
  const hung: Hung[] = [];
  let ready = false;
  let buffered = '';
  const waiters: Array<() => void> = [];
  daemon.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line === 'READY') ready = true;
      const m = /^HUNG (\d+) (\d+) (\d+) ?(.*)$/.exec(line);
      if (m) hung.push({ opcode: Number(m[1]), unique: m[2], pid: Number(m[3]), path: m[4] });
      for (const w of waiters.splice(0)) w();
    }
  });
  const until = (cond: () => boolean, timeoutMs: number, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = (): void => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        } else {
          waiters.push(check);
        }
      };
      check();
    });
  await until(() => ready, 10000, 'FUSE INIT');
  return {
    mountpoint,
    daemonPid,
    async waitHung(count = 1, timeoutMs = 10000) {
      await until(() => hung.length >= count, timeoutMs, `${count} unanswered FUSE requests`);
      return hung.slice();
    },
    abort: () => abortConnection(mountpoint),
  };
}
