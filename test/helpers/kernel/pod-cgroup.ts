import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { onCleanup } from './cleanup';

const ROOT = '/sys/fs/cgroup';

export interface PodCgroup {
  podUid: string;
  containerId: string;
  /** Path as /proc/PID/cgroup shows it: /kubepods/burstable/pod<uid>/<cid>. */
  path: string;
  addPid(pid: number): void;
  freeze(): Promise<void>;
  thaw(): void;
  dir(controller: string): string;
}

export function cgroupV1Available(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'needs root to create cgroups' };
  for (const c of ['memory', 'freezer', 'pids']) if (!existsSync(`${ROOT}/${c}/tasks`)) return { ok: false, reason: `cgroup v1 ${c} controller is not mounted at ${ROOT}/${c}` };
  return { ok: true };
}

/**
 * A kubelet-style (cgroupfs driver) pod cgroup under the v1 memory, freezer
 * and pids controllers. Cleanup thaws it, kills what is left in it by pid,
 * and removes the directories it created.
 */
export function createPodCgroup(opts: { qos?: 'burstable' | 'besteffort'; memoryLimitBytes?: number } = {}): PodCgroup {
  const podUid = randomUUID();
  const containerId = randomBytes(32).toString('hex');
  const path = `/kubepods/${opts.qos ?? 'burstable'}/pod${podUid}/${containerId}`;
  const controllers = ['memory', 'freezer', 'pids'];
  const created: string[] = [];
  for (const c of controllers) {
    let dir = `${ROOT}/${c}`;
    for (const part of path.split('/').filter(Boolean)) {
      dir = `${dir}/${part}`;
      if (!existsSync(dir)) {
        mkdirSync(dir);
        created.push(dir);
      }
    }
  }
  const dir = (c: string): string => `${ROOT}/${c}${path}`;
  if (opts.memoryLimitBytes) {
    writeFileSync(`${dir('memory')}/memory.limit_in_bytes`, String(opts.memoryLimitBytes));
    if (existsSync(`${dir('memory')}/memory.memsw.limit_in_bytes`)) writeFileSync(`${dir('memory')}/memory.memsw.limit_in_bytes`, String(opts.memoryLimitBytes));
  }
  const thaw = (): void => {
    if (existsSync(`${dir('freezer')}/freezer.state`)) writeFileSync(`${dir('freezer')}/freezer.state`, 'THAWED');
  };
  onCleanup(`pod cgroup ${podUid}`, async () => {
    thaw();
    for (let i = 0; i < 50; i++) {
      const left = readFileSync(`${dir('pids')}/cgroup.procs`, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(Number);
      if (left.length === 0) break;
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const d of created.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        /* busy or gone */
      }
    }
  });
  return {
    podUid,
    containerId,
    path,
    thaw,
    dir,
    addPid(pid) {
      for (const c of controllers) writeFileSync(`${dir(c)}/cgroup.procs`, String(pid));
    },
    async freeze() {
      writeFileSync(`${dir('freezer')}/freezer.state`, 'FROZEN');
      for (let i = 0; i < 100 && readFileSync(`${dir('freezer')}/freezer.state`, 'utf8').trim() !== 'FROZEN'; i++) await new Promise((r) => setTimeout(r, 50));
    },
  };
}
