import type { PodEntry, RawProblem, ScanRequest, TaskBatch, TaskColumns } from './raw-task';
import type { GuardedReader } from './guarded-reader';

/** Every task the scan read: encoded messages plus columns, indexed 0..count-1. */
export interface TaskTable extends TaskColumns {
  count: number;
  /** The encoded Task message (fields only) of task i. */
  bytes(i: number): Uint8Array;
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
}

type Column = keyof TaskColumns;
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
 * Runs the /proc walk on a guarded reader thread, so the event loop — and
 * with it the gRPC server — stays free while tens of thousands of files are
 * read. A scan that passes its deadline returns what it has; its thread is
 * written off (it may be blocked in the kernel) and a fresh one serves the
 * next read or snapshot.
 */
export function createTaskScanner(reader: GuardedReader, opts: { parts?: number; mainThreadShare?: boolean } = {}): TaskScanner {
  const parts = opts.parts ?? 1;
  let busy: Promise<unknown> = Promise.resolve();
  // tgids are below pid_max, at most 2^22 on Linux: one bit each. Reused, cleared per scan.
  let claimBits: SharedArrayBuffer | undefined;

  const run = async (req: ScanRequest, deadlineMs: number): Promise<ScanResult> => {
    const batches: TaskBatch[] = [];
    const pods: PodEntry[] = [];
    const paths: string[] = [];
    const problems: RawProblem[] = [];
    /** Each part numbers its own pods and paths: its batches are mapped into the scan's tables. */
    const collector = (): ((batch: TaskBatch) => void) => {
      const podOf: number[] = [];
      const pathOf: number[] = [];
      return (batch) => {
        for (const p of batch.newPods) podOf.push(pods.push(p) - 1);
        for (const p of batch.newPaths) pathOf.push(paths.push(p) - 1);
        for (let i = 0; i < batch.pod.length; i++) {
          if (batch.pod[i] >= 0) batch.pod[i] = podOf[batch.pod[i]];
          if (batch.freezer[i] >= 0) batch.freezer[i] = pathOf[batch.freezer[i]];
        }
        batches.push(batch);
        problems.push(...batch.problems);
      };
    };
    // The main thread joins the walk only on the real procfs, whose stat, status, wchan, cgroup and
    // ns links take no lock on the target (a proc root of another kind, like a FUSE mount in tests,
    // could block it); it takes processes from the other end, and stays off the risky files.
    const mainJoins = Boolean(opts.mainThreadShare) && req.procRoot === '/proc' && req.pids.length === 0 && !req.podUid;
    const shared = parts > 1 || mainJoins;
    let claims: SharedArrayBuffer | undefined;
    if (shared) {
      claimBits ??= new SharedArrayBuffer((1 << 22) / 8);
      new Int32Array(claimBits).fill(0);
      claims = claimBits;
    }
    const pending = Array.from({ length: parts }, (_, part) => {
      const progress = new SharedArrayBuffer(8);
      const result = reader.scan(claims ? { ...req, share: { claims, backwards: part % 2 === 1 } } : req, { deadlineMs, progress, onBatch: collector() });
      return result.then((r) => ({ r, progress }));
    });
    if (mainJoins && claims) {
      const onBatch = collector();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('./scan-proc') as typeof import('./scan-proc')).scanProc({ ...req, share: { claims, backwards: true } }, new SharedArrayBuffer(8), (msg) => {
        if (msg.type === 'tasks') onBatch(msg);
      });
    }
    const results = await Promise.all(pending);
    let stalled: ScanResult['stalled'];
    for (const { r, progress } of results) {
      if (r.status === 'timed-out') {
        const at = new Int32Array(progress);
        stalled ??= { pid: at[0], tid: at[1], afterMs: Math.round(r.tookMs) };
      } else if (r.status === 'error') {
        problems.push({ path: req.procRoot, code: `task scan failed: ${r.message}`, pid: 0, tid: 0 });
      } else if (r.status !== 'ok') {
        problems.push({ path: req.procRoot, code: `task scan not run: ${r.status === 'no-reader' ? r.reason : 'blocked'}`, pid: 0, tid: 0 });
      }
    }
    return { tasks: tableOf(batches, pods, paths), problems, stalled };
  };

  return {
    scan(req, deadlineMs) {
      const next = busy.then(() => run(req, deadlineMs));
      busy = next.catch(() => undefined);
      return next;
    },
  };
}
