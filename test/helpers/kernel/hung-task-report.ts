import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readKmsg } from '../../../collector/src/kmsg/read-kmsg';
import type { PodCgroup } from './pod-cgroup';
import { stateOf, waitFor } from './processes';
import { spawnUnkillableStat } from './unkillable-task';
import type { FuseMount } from './fuse-mount';

const HUNG = { timeout: '/proc/sys/kernel/hung_task_timeout_secs', warnings: '/proc/sys/kernel/hung_task_warnings' };

export function hungTaskDetectorAvailable(): { ok: true } | { ok: false; reason: string } {
  if (!existsSync(HUNG.timeout) || !existsSync(HUNG.warnings))
    return { ok: false, reason: 'the kernel has no hung-task detector (CONFIG_DETECT_HUNG_TASK: /proc/sys/kernel/hung_task_timeout_secs is missing)' };
  return { ok: true };
}

/**
 * Lowers hung_task_timeout_secs to 2 (and hung_task_warnings to -1, no
 * limit) so the watchdog reports a task stuck in D within seconds. Returns
 * the restore step: call it in afterAll, after every task in D is gone (it
 * also runs at process exit as a last resort).
 */
export function lowerHungTaskTimeout(): () => void {
  const now = { timeout: readFileSync(HUNG.timeout, 'utf8').trim(), warnings: readFileSync(HUNG.warnings, 'utf8').trim() };
  // Already lowered by another test running at the same time: restoring is its job (writing back
  // its lowered value when it has restored meanwhile would leave the machine with a 2 s watchdog).
  let saved: { timeout: string; warnings: string } | undefined = now.timeout === '2' ? undefined : now;
  const restore = (): void => {
    if (!saved) return;
    writeFileSync(HUNG.timeout, saved.timeout);
    writeFileSync(HUNG.warnings, saved.warnings);
    saved = undefined;
  };
  process.once('exit', restore);
  writeFileSync(HUNG.timeout, '2');
  writeFileSync(HUNG.warnings, '-1');
  return restore;
}

/** The newest kernel-log record sequence (to read only what comes after). */
export function kmsgNextSeq(): bigint {
  const r = readKmsg({ sinceSeq: 0n, bootTimeMs: 0 });
  return r.status === 'ok' ? r.nextSeq : 0n;
}

/** Waits until the kernel logged "INFO: task COMM:PID blocked for more than N seconds" after `sinceSeq`; its monotonic time in seconds. */
export async function waitForHungTaskReport(comm: string, pid: number, sinceSeq: bigint, timeoutMs = 40_000): Promise<number> {
  let at = 0;
  await waitFor(
    () => {
      const r = readKmsg({ sinceSeq, bootTimeMs: 0 });
      const rec = r.status === 'ok' ? r.records.find((x) => (x.text ?? '').includes(`INFO: task ${comm}:${pid} blocked for more than`)) : undefined;
      if (rec) at = Number(rec.monotonic_us) / 1e6;
      return rec !== undefined;
    },
    `the hung-task report about ${comm}:${pid}`,
    timeoutMs,
  );
  return at;
}

/**
 * A `stat` stuck in D behind a FUSE request nobody answers, reported by the
 * hung-task watchdog (hung_task_timeout_secs must be low: lowerHungTaskTimeout).
 * `release` aborts the connection and waits for the task to be gone.
 */
export async function spawnReportedHungTask(pod: PodCgroup): Promise<{ pid: number; mnt: FuseMount; reportedAt: number; release(): Promise<void> }> {
  const since = kmsgNextSeq();
  const { pid, mnt } = await spawnUnkillableStat(pod);
  const reportedAt = await waitForHungTaskReport('stat', pid, since);
  return {
    pid,
    mnt,
    reportedAt,
    async release() {
      mnt.abort();
      await waitFor(() => stateOf(pid) === undefined, 'the released stat to exit');
    },
  };
}
