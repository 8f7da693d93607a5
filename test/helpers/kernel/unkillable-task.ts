import { spawn } from 'node:child_process';
import { trackPid } from './cleanup';
import { startFuse, type FuseMount } from './fuse-mount';
import type { PodCgroup } from './pod-cgroup';
import { stateOf, waitFor } from './processes';

/**
 * A `stat` in `pod` that sits in D with SIGKILL pending, behind a FUSE request
 * nobody answers — until `mnt.abort()`. Torn down by cleanupAll().
 */
export async function spawnUnkillableStat(pod: PodCgroup): Promise<{ pid: number; mnt: FuseMount }> {
  const mnt = await startFuse({ hang: '*' });
  const child = spawn('sh', ['-c', 'read go; exec stat "$0"', `${mnt.mountpoint}/data/file`], { stdio: ['pipe', 'ignore', 'ignore'] });
  const pid = trackPid(child.pid);
  pod.addPid(pid);
  child.stdin?.end('go\n');
  await mnt.waitHung(1);
  process.kill(pid, 'SIGKILL');
  await waitFor(() => stateOf(pid) === 'D', 'the killed stat to sit in D');
  return { pid, mnt };
}
