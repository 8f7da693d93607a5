/**
 * Worker thread that performs reads which may block in the kernel
 * (cmdline/environ/maps wait on the target's mmap lock, stack/io/syscall on
 * its exec lock, anything on a FUSE-backed proc root). It reads one path at a
 * time and answers each; the main thread decides when it has waited too long.
 *
 * The same thread also runs the task scan (scan-proc.ts), streaming batches
 * back before its final answer: one V8 isolate costs ~9 MB of the collector's
 * memory budget, and the scan and the risky reads of a snapshot never overlap.
 */
import { closeSync, openSync, readSync, statfsSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import type { ScanMessage, ScanRequest, TaskBatch } from './raw-task';
import type * as ScanProc from './scan-proc';
import { readCgroupMap, type CgroupMap } from './cgroup-pass';
import { runHolderPass, type HolderRequest } from '../volumes/holder-pass';

export type ReadRequest =
  | { id: number; kind: 'read'; path: string; maxBytes: number }
  | { id: number; kind: 'scan'; scan: ScanRequest; progress: SharedArrayBuffer }
  /** Every process's cgroup membership (see cgroup-pass.ts). */
  | { id: number; kind: 'cgroups'; procRoot: string; only?: number[]; progress: SharedArrayBuffer; abort?: SharedArrayBuffer }
  /** Many reads in one message; progress[0] = 1 + the index being read (a stuck one is known by it). */
  | { id: number; kind: 'many'; paths: string[]; maxBytes: number; progress: SharedArrayBuffer; shortReadEnds?: boolean }
  /** Who holds a pod's volume mounts (collector/src/volumes/holder-pass.ts); the answer's text is its JSON. */
  | { id: number; kind: 'holders'; holders: HolderRequest }
  /** statfs(2) of a path: whether the filesystem behind it answers; the text is its type, in hex. */
  | { id: number; kind: 'statfs'; path: string }
  /** A full garbage collection of this thread's heap if it grew past COLLECT_GROWTH since the last; the text says which. */
  | { id: number; kind: 'collect' };
/** One read of a `many` request. */
export type ManyResult = { ok: true; text: string; truncated: boolean } | { ok: false; code: string; message: string };
export type ReadReply =
  | { id: number; ok: true; text: string; truncated: boolean; cgroups?: CgroupMap }
  | { id: number; ok: false; code: string; message: string }
  /** A scan's batch, sent before the scan's final reply. */
  | { id: number; partial: TaskBatch }
  /** Results of a `many` request from index `from` on, sent before its final reply. */
  | { id: number; many: { from: number; results: ManyResult[] } }
  /** The scan's code is loaded and the walk begins: its deadline counts from here. */
  | { id: number; started: true }
  /** The thread has loaded its code: deadlines of reads sent before count from here. */
  | { ready: true };

/** `shortReadEnds`: a read that returns fewer bytes than asked for is the end (see GuardedReader.readMany). */
function readCapped(path: string, maxBytes: number, shortReadEnds = false): { text: string; truncated: boolean } {
  const buf = Buffer.allocUnsafe(Math.min(maxBytes, 1 << 20));
  const fd = openSync(path, 'r');
  try {
    let used = 0;
    for (;;) {
      const n = readSync(fd, buf, used, buf.length - used, null);
      if (n === 0 || (shortReadEnds && used + n < buf.length)) return { text: buf.toString('utf8', 0, used + n), truncated: false };
      used += n;
      if (used >= buf.length) return { text: buf.toString('utf8', 0, used), truncated: true };
    }
  } finally {
    closeSync(fd);
  }
}

/** Loaded on the first scan: reads must not wait for the scan's code (protobuf schema) to load. */
let scanProc: typeof ScanProc.scanProc | undefined;

function runScan(req: Extract<ReadRequest, { kind: 'scan' }>): ReadReply {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on the first scan, not with the worker (see scanProc above)
  scanProc ??= (require('./scan-proc') as typeof ScanProc).scanProc;
  parentPort?.postMessage({ id: req.id, started: true } satisfies ReadReply);
  let visited = 0;
  scanProc(req.scan, req.progress, (msg: ScanMessage, transfer) => {
    if (msg.type === 'tasks') parentPort?.postMessage({ id: req.id, partial: msg } satisfies ReadReply, transfer);
    else visited = msg.visitedProcesses;
  });
  return { id: req.id, ok: true, text: String(visited), truncated: false };
}

/** Results go back in chunks: a read stuck later in the list does not hold back those done before it. */
const MANY_CHUNK = 64;

function runMany(req: Extract<ReadRequest, { kind: 'many' }>): ReadReply {
  const progress = new Int32Array(req.progress);
  let results: ManyResult[] = [];
  let from = 0;
  for (let i = 0; i < req.paths.length; i++) {
    Atomics.store(progress, 0, i + 1);
    try {
      results.push({ ok: true, ...readCapped(req.paths[i], req.maxBytes, req.shortReadEnds) });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      results.push({ ok: false, code: e.code ?? 'EIO', message: e.message });
    }
    if (results.length === MANY_CHUNK || i === req.paths.length - 1) {
      parentPort?.postMessage({ id: req.id, many: { from, results } } satisfies ReadReply);
      from = i + 1;
      results = [];
    }
  }
  return { id: req.id, ok: true, text: '', truncated: false };
}

/**
 * What this thread's heap may grow by between full collections (bytes). Each
 * scan leaves a few hundred KB in the old generation (the lists it walked,
 * the requests and cgroup texts), which V8 collects only once the heap is far
 * larger: at 10,000 threads it grew ~0.5 MB a snapshot, past the collector's
 * memory budget within twenty snapshots.
 */
const COLLECT_GROWTH = 4 * 1024 * 1024;
let heapAfterCollect = 0;

function collect(): string {
  const gc = (globalThis as { gc?: () => void }).gc;
  const used = getHeapStatistics().used_heap_size;
  if (!gc || used - heapAfterCollect < COLLECT_GROWTH) return 'skipped';
  gc();
  heapAfterCollect = getHeapStatistics().used_heap_size;
  return 'collected';
}

parentPort?.on('message', (req: ReadRequest) => {
  let reply: ReadReply;
  try {
    if (req.kind === 'scan') reply = runScan(req);
    else if (req.kind === 'many') reply = runMany(req);
    else if (req.kind === 'cgroups')
      reply = { id: req.id, ok: true, text: '', truncated: false, cgroups: readCgroupMap(req.procRoot, new Int32Array(req.progress), req.only, req.abort && new Int32Array(req.abort)) };
    else if (req.kind === 'holders') reply = { id: req.id, ok: true, text: JSON.stringify(runHolderPass(req.holders)), truncated: false };
    else if (req.kind === 'statfs') reply = { id: req.id, ok: true, text: statfsSync(req.path).type.toString(16), truncated: false };
    else if (req.kind === 'collect') reply = { id: req.id, ok: true, text: collect(), truncated: false };
    else reply = { id: req.id, ok: true, ...readCapped(req.path, req.maxBytes) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    reply = { id: req.id, ok: false, code: e.code ?? 'EIO', message: e.message };
  }
  parentPort?.postMessage(reply);
});

// Loaded: from now on a read's deadline measures the read, not the thread's start.
parentPort?.postMessage({ ready: true } satisfies ReadReply);
