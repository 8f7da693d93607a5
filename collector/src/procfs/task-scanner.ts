import type { Worker } from 'node:worker_threads';
import type { PodEntry, RawProblem, ScanMessage, ScanRequest, TaskBatch } from './raw-task';
import { siblingEntry, startWorker } from '../workers/start-worker';

/** Every task the scan read: encoded messages plus columns, indexed 0..count-1. */
export interface TaskTable {
  count: number;
  /** The encoded Task message (fields only) of task i. */
  bytes(i: number): Uint8Array;
  tid: Int32Array;
  tgid: Int32Array;
  ppid: Int32Array;
  pidNs: Float64Array;
  state: Uint8Array;
  bits: Uint8Array;
  pod: Int32Array;
  freezer: Int32Array;
  pods: PodEntry[];
  paths: string[];
}

export interface ScanResult {
  tasks: TaskTable;
  problems: RawProblem[];
  /** Set when the scan did not finish before its deadline: where it stalled. */
  stalled?: { pid: number; tid: number; afterMs: number };
}

export interface TaskScanner {
  scan(req: ScanRequest, deadlineMs: number): Promise<ScanResult>;
  close(): Promise<void>;
}

type Column = 'tid' | 'tgid' | 'ppid' | 'pidNs' | 'state' | 'bits' | 'pod' | 'freezer';
const COLUMNS: Column[] = ['tid', 'tgid', 'ppid', 'pidNs', 'state', 'bits', 'pod', 'freezer'];

function join<T extends Int32Array | Float64Array | Uint8Array>(parts: T[], make: (n: number) => T): T {
  const out = make(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p as never, at);
    at += p.length;
  }
  return out;
}

function tableOf(batches: TaskBatch[], pods: PodEntry[], paths: string[]): TaskTable {
  const first: number[] = [];
  let count = 0;
  for (const b of batches) {
    first.push(count);
    count += b.ends.length;
  }
  const col = <K extends Column>(k: K): TaskBatch[K] => {
    const parts = batches.map((b) => b[k]);
    const ctor = (parts[0]?.constructor ?? (k === 'pidNs' ? Float64Array : k === 'state' || k === 'bits' ? Uint8Array : Int32Array)) as new (n: number) => TaskBatch[K];
    return join(parts as Array<TaskBatch[K]>, (n) => new ctor(n));
  };
  const columns = Object.fromEntries(COLUMNS.map((k) => [k, col(k)])) as Pick<TaskTable, Column>;
  // Task i lives in batch `owner[i]`.
  const owner = new Uint16Array(count);
  batches.forEach((b, k) => owner.fill(k, first[k], first[k] + b.ends.length));
  return {
    count,
    ...columns,
    pods,
    paths,
    bytes(i) {
      const b = batches[owner[i]];
      const j = i - first[owner[i]];
      return b.bytes.subarray(j === 0 ? 0 : b.ends[j - 1], b.ends[j]);
    },
  };
}

/**
 * Runs the /proc walk on a long-lived worker thread, so the event loop — and
 * with it the gRPC server — stays free while tens of thousands of files are
 * read. A scan that passes its deadline returns what it has; the worker is
 * written off (it may be blocked in the kernel) and a fresh one serves the
 * next snapshot. One worker: a second one bought ~30 ms on two cores and cost
 * a whole V8 isolate (~9 MB) of the collector's memory budget.
 */
export function createTaskScanner(): TaskScanner {
  const entry = siblingEntry(__filename, 'scan-worker');
  let current: { worker: Worker; progress: Int32Array } | undefined;
  let busy: Promise<unknown> = Promise.resolve();

  const ensure = (): { worker: Worker; progress: Int32Array } => {
    if (!current) {
      const sab = new SharedArrayBuffer(8);
      const worker = startWorker(entry, { progress: sab });
      worker.unref();
      current = { worker, progress: new Int32Array(sab) };
    }
    return current;
  };

  const run = (req: ScanRequest, deadlineMs: number): Promise<ScanResult> =>
    new Promise<ScanResult>((resolve) => {
      const sw = ensure();
      const batches: TaskBatch[] = [];
      const pods: PodEntry[] = [];
      const paths: string[] = [];
      const problems: RawProblem[] = [];
      const started = performance.now();
      let stalled: ScanResult['stalled'];
      const finish = (): void => {
        clearTimeout(timer);
        sw.worker.off('message', onMessage);
        sw.worker.off('error', onError);
        resolve({ tasks: tableOf(batches, pods, paths), problems, stalled });
      };
      const onMessage = (msg: ScanMessage): void => {
        if (msg.type === 'tasks') {
          batches.push(msg);
          pods.push(...msg.newPods);
          paths.push(...msg.newPaths);
          problems.push(...msg.problems);
        } else {
          finish();
        }
      };
      const onError = (err: Error): void => {
        current = undefined;
        problems.push({ path: req.procRoot, code: `scan worker failed: ${err.message}`, pid: 0, tid: 0 });
        finish();
      };
      sw.worker.on('message', onMessage);
      sw.worker.on('error', onError);
      sw.worker.postMessage(req);
      const timer = setTimeout(() => {
        stalled = { pid: sw.progress[0], tid: sw.progress[1], afterMs: Math.round(performance.now() - started) };
        // The thread may be blocked in the kernel: never wait for it again.
        void sw.worker.terminate().catch(() => 0);
        current = undefined;
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
      const sw = current;
      current = undefined;
      await sw?.worker.terminate().catch(() => 0);
    },
  };
}
