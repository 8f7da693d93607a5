import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { trackPid } from './cleanup';
import type { PodCgroup } from './pod-cgroup';

export const stateOf = (pid: number, tid = pid): string | undefined => {
  try {
    const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
    return s.slice(s.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
};

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const childrenOf = (pid: number): number[] =>
  readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((p) => {
      try {
        const s = readFileSync(`/proc/${p}/stat`, 'latin1');
        return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    });

/**
 * Runs a python3 program that waits for "go" on stdin before doing anything,
 * so it can be moved into a pod cgroup first (its children are born there).
 */
export async function spawnPython(code: string, cgroup?: PodCgroup): Promise<ChildProcess & { pid: number }> {
  const child = spawn('python3', ['-c', `import sys\nsys.stdin.readline()\n${code}`], { stdio: ['pipe', 'ignore', 'inherit'] });
  trackPid(child.pid);
  if (cgroup) cgroup.addPid(child.pid as number);
  child.stdin?.write('go\n');
  return child as ChildProcess & { pid: number };
}

/** A parent that forks `count` children which exit at once, and never calls wait(). */
export async function spawnZombies(count: number, cgroup?: PodCgroup): Promise<{ parentPid: number; zombiePids: number[] }> {
  const parent = await spawnPython(`import os, time\nfor _ in range(${count}):\n    if os.fork() == 0:\n        os._exit(0)\ntime.sleep(100000)`, cgroup);
  let zombies: number[] = [];
  await waitFor(() => (zombies = childrenOf(parent.pid).filter((p) => stateOf(p) === 'Z')).length === count, `${count} zombies`);
  return { parentPid: parent.pid, zombiePids: zombies };
}

/** Main thread pthread_exit()s while another thread lives on: leader Z, thread S. */
export async function spawnFakeZombie(cgroup?: PodCgroup): Promise<{ pid: number; threadTid: number }> {
  const p = await spawnPython('import ctypes, threading, time\nthreading.Thread(target=lambda: time.sleep(100000)).start()\ntime.sleep(0.1)\nctypes.CDLL(None).pthread_exit(None)', cgroup);
  let tid = 0;
  await waitFor(() => {
    if (stateOf(p.pid) !== 'Z') return false;
    tid =
      readdirSync(`/proc/${p.pid}/task`)
        .map(Number)
        .find((t) => t !== p.pid) ?? 0;
    return tid > 0;
  }, 'a fake zombie');
  return { pid: p.pid, threadTid: tid };
}

/** A stopped task (SIGSTOP): state T. */
export async function spawnStopped(cgroup?: PodCgroup): Promise<number> {
  const p = await spawnPython('import time\ntime.sleep(100000)', cgroup);
  process.kill(p.pid, 'SIGSTOP');
  await waitFor(() => stateOf(p.pid) === 'T', 'a stopped task');
  return p.pid;
}

/**
 * `unshare -pf` whose PID 1 is `sleep` (not an init): orphans re-parented to
 * it are never reaped and stay zombies. Returns the host pids.
 */
export async function spawnPidNamespace(opts: { orphans: number; cgroup?: PodCgroup; extra?: string }): Promise<{ unsharePid: number; initPid: number; zombiePids: number[] }> {
  const orphans = Array.from({ length: opts.orphans }, () => '(sleep 0.2 &)');
  const script = [...orphans, ...(opts.extra ? [opts.extra] : []), 'exec sleep 100000'].join('; ');
  // The shell waits for a line so it can be put in the pod cgroup before unshare forks.
  const child = spawn('sh', ['-c', 'read go; exec unshare --pid --fork sh -c "$0"', script], { stdio: ['pipe', 'ignore', 'inherit'] });
  const unsharePid = trackPid(child.pid);
  if (opts.cgroup) opts.cgroup.addPid(unsharePid);
  child.stdin?.end('go\n');
  let initPid = 0;
  await waitFor(() => (initPid = childrenOf(unsharePid)[0] ?? 0) > 0, 'the namespace init');
  trackPid(initPid);
  let zombies: number[] = [];
  await waitFor(
    () => (zombies = childrenOf(initPid).filter((p) => stateOf(p) === 'Z')).length === opts.orphans && readFileSync(`/proc/${initPid}/comm`, 'latin1').trim() === 'sleep',
    `${opts.orphans} orphan zombies under the namespace init`,
  );
  return { unsharePid, initPid, zombiePids: zombies };
}
