import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { onCleanup, trackPid } from './cleanup';
import { waitFor } from './processes';

/** A fake kubelet root (its pods/ directory), removed at cleanup after everything under it is unmounted. */
export function fakeKubeletRoot(): string {
  const root = mkdtempSync('/tmp/whystuck-kubelet-');
  onCleanup(`kubelet root ${root}`, () => {
    for (const m of mountsUnder(root)) spawnSync('umount', ['-l', m], { timeout: 3000 });
    rmSync(root, { recursive: true, force: true });
  });
  return root;
}

/** Mount points in this process's mount namespace under `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m && (m === dir || m.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
}

/**
 * A pod volume as the kubelet mounts it: <root>/pods/<uid>/volumes/<plugin>/<name>,
 * a tmpfs (what emptyDir medium Memory, secrets and configmaps are), or a
 * bind of `source` (a FUSE mount standing for a network filesystem).
 * Unmounted at cleanup (lazily: a copy elsewhere keeps nothing here busy).
 */
export function mountPodVolume(root: string, uid: string, opts: { volume?: string; plugin?: string; source?: string } = {}): string {
  const path = join(root, 'pods', uid, 'volumes', opts.plugin ?? 'kubernetes.io~empty-dir', opts.volume ?? 'data');
  mkdirSync(path, { recursive: true });
  const r = opts.source ? spawnSync('mount', ['--bind', opts.source, path], { timeout: 5000 }) : spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', path], { timeout: 5000 });
  if (r.status !== 0) throw new Error(`mount ${path}: ${r.stderr?.toString() || r.error?.message}`);
  onCleanup(`pod volume ${path}`, () => {
    spawnSync('umount', ['-l', path], { timeout: 3000 });
  });
  return path;
}

/**
 * A process in a mount namespace of its own (`unshare -m`, private
 * propagation: what a container that mounted the host's /var/lib/kubelet
 * without rslave gets) that keeps a copy of every mount, the pod's volume
 * included; with `cwd`, its working directory is there too. Killed by pid at cleanup.
 */
export async function holdInOwnMountNs(opts: { cwd?: string } = {}): Promise<number> {
  // unshare execs sleep in the same process once the namespace is made.
  return spawnSleeper('unshare', ['-m', '--propagation', 'private', 'sleep', '3600'], 'mount-namespace holder', opts.cwd);
}

/** A process with a file under `dir` open (fd 3), in this mount namespace. Killed by pid at cleanup. */
export async function holdOpenFile(file: string): Promise<number> {
  return spawnSleeper('sh', ['-c', 'exec 3<"$1"; exec sleep 3600', 'sh', file], 'open-file holder');
}

/** A process that ends up as `sleep` (after exec), tracked and killed by pid at cleanup: its pid once it sleeps. */
async function spawnSleeper(command: string, args: string[], what: string, cwd?: string): Promise<number> {
  const child = spawn(command, args, { stdio: 'ignore', cwd });
  const pid = trackPid(child.pid);
  onCleanup(`${what} ${pid}`, () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  await waitFor(() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'latin1').includes('(sleep)');
    } catch {
      return false;
    }
  }, `the ${what}'s sleep`);
  return pid;
}
