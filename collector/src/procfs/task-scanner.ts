import type { Worker } from 'node:worker_threads';
import type { RawProblem, RawProcess, ScanMessage, ScanRequest } from './raw-task';
import { siblingEntry, startWorker } from '../workers/start-worker';

export interface ScanResult {
  processes: RawProcess[];
  problems: RawProblem[];
  /** Set when the scan did not finish before its deadline: where it stalled. */
  stalled?: { pid: number; tid: number; afterMs: number };
}

export interface TaskScanner {
  scan(req: ScanRequest, deadlineMs: number): Promise<ScanResult>;
  close(): Promise<void>;
}

interface ScanWorker {
  worker: Worker;
  progress: Int32Array;
}

/** tgids are below pid_max, at most 2^22 on Linux. */
const MAX_PID = 1 << 22;

/**
 * Runs the /proc walk on long-lived worker threads (two by default, one per
 * direction) so the event loop — and with it the gRPC server — stays free
 * while tens of thousands of files are read. A scan that passes its deadline
 * returns what it has; its workers are written off (they may be blocked in
 * the kernel) and fresh ones serve the next snapshot.
 */
export function createTaskScanner(opts: { workers?: 1 | 2 } = {}): TaskScanner {
  const entry = siblingEntry(__filename, 'scan-worker');
  const count = opts.workers ?? 2;
  let pool: ScanWorker[] = [];
  let busy: Promise<unknown> = Promise.resolve();

  const ensure = (): ScanWorker[] => {
    while (pool.length < count) {
      const sab = new SharedArrayBuffer(8);
      const worker = startWorker(entry, { progress: sab });
      worker.unref();
      pool.push({ worker, progress: new Int32Array(sab) });
    }
    return pool;
  };

  const run = (req: ScanRequest, deadlineMs: number): Promise<ScanResult> =>
    new Promise<ScanResult>((resolve) => {
      const workers = ensure();
      const claims = new SharedArrayBuffer(MAX_PID / 8);
      const result: ScanResult = { processes: [], problems: [] };
      const started = performance.now();
      let pending = workers.length;
      const detach: Array<() => void> = [];
      const finish = (): void => {
        clearTimeout(timer);
        for (const d of detach) d();
        result.processes.sort((a, b) => a.tgid - b.tgid);
        resolve(result);
      };
      workers.forEach((sw, i) => {
        const onMessage = (msg: ScanMessage): void => {
          if (msg.type === 'processes') {
            for (const p of msg.processes) result.processes.push(p);
            for (const p of msg.problems) result.problems.push(p);
          } else if (--pending === 0) {
            finish();
          }
        };
        const onError = (err: Error): void => {
          pool = pool.filter((x) => x !== sw);
          result.problems.push({ path: req.procRoot, code: `scan worker failed: ${err.message}`, pid: 0, tid: 0 });
          if (--pending === 0) finish();
        };
        sw.worker.on('message', onMessage);
        sw.worker.on('error', onError);
        detach.push(() => {
          sw.worker.off('message', onMessage);
          sw.worker.off('error', onError);
        });
        sw.worker.postMessage({ req, direction: i === 0 ? 1 : -1, claims });
      });
      const timer = setTimeout(() => {
        const stuck = workers[0];
        result.stalled = { pid: stuck.progress[0], tid: stuck.progress[1], afterMs: Math.round(performance.now() - started) };
        // The threads may be blocked in the kernel: never wait for them again.
        for (const sw of workers) void sw.worker.terminate().catch(() => 0);
        pool = [];
        finish();
      }, deadlineMs);
    });

  return {
    scan(req, deadlineMs) {
      const next = busy.then(() => run(req, deadlineMs));
      busy = next.catch(() => undefined);
      return next;
    },
    async close() {
      const workers = pool;
      pool = [];
      await Promise.all(workers.map((sw) => sw.worker.terminate().catch(() => 0)));
    },
  };
}
