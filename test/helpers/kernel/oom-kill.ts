import { spawn } from 'node:child_process';
import { trackPid } from './cleanup';
import type { PodCgroup } from './pod-cgroup';

/**
 * A python3 in `pod` that allocates 256 MiB: with the pod's memory limit below
 * that (createPodCgroup({ memoryLimitBytes: 32 MiB })), the memcg OOM killer
 * ends it and the kernel logs the kill. Resolves when it has exited, with how
 * and when (performance.now(): the kernel logged the kill just before).
 */
export async function spawnOomVictim(pod: PodCgroup): Promise<{ pid: number; signal: NodeJS.Signals | null; exitedAt: number }> {
  const child = spawn('sh', ['-c', 'read go; exec python3 -c "x = bytearray(256 * 1024 * 1024)"'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const pid = trackPid(child.pid);
  pod.addPid(pid);
  const exited = new Promise<{ signal: NodeJS.Signals | null; exitedAt: number }>((r) => child.once('exit', (_c, signal) => r({ signal, exitedAt: performance.now() })));
  child.stdin?.end('go\n');
  return { pid, ...(await exited) };
}
