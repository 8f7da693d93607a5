import { readFileSync } from 'node:fs';
import { startFuse, type FuseMount } from './fuse-mount';
import type { PodCgroup } from './pod-cgroup';
import { spawnPidNamespace, waitFor } from './processes';

/**
 * Seed 000 on the real kernel: in `pod`, a PID namespace whose init has been
 * killed and waits in zap_pid_ns_processes for a `stat` stuck in D on a FUSE
 * request nobody answers — until `mnt.abort()`. Torn down by cleanupAll().
 */
export async function spawnBlockedPidnsTeardown(pod: PodCgroup): Promise<{ initPid: number; mnt: FuseMount }> {
  const mnt = await startFuse({ hang: '*' });
  const ns = await spawnPidNamespace({ orphans: 0, cgroup: pod, extra: `(stat ${mnt.mountpoint}/vol/x >/dev/null 2>&1 &)` });
  await mnt.waitHung(1);
  process.kill(ns.initPid, 'SIGKILL');
  await waitFor(() => /zap_pid_ns_processes/.test(readFileSync(`/proc/${ns.initPid}/stack`, 'latin1')), 'the init to wait in zap_pid_ns_processes');
  return { initPid: ns.initPid, mnt };
}
