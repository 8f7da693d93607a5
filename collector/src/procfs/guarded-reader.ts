import type { Worker } from 'node:worker_threads';
import type { ManyResult, ReadReply, ReadRequest } from './guarded-read-worker';
import type { ScanRequest, TaskBatch } from './raw-task';
import type { CgroupMap } from './cgroup-pass';
import type { HolderRequest } from '../volumes/holder-pass';
import { siblingEntry, startWorker } from '../workers/start-worker';

/**
 * Reads files that can block in the kernel without ever blocking the caller.
 *
 * Node's own async fs calls run on libuv's pool of four threads, shared with
 * dns and crypto: four reads stuck on a held mmap lock would freeze them all.
 * Instead every risky read goes to a small pool of dedicated worker threads.
 * A read that passes its deadline is answered `timed-out`; its worker is
 * written off (a thread blocked in the kernel cannot be cancelled) and
 * replaced, up to `maxStuck` written-off workers. Later reads of the same
 * lock of the same task answer `blocked-earlier` at once instead of sending
 * another thread into the same wait. When a written-off read finally
 * returns, its worker is retired and the task is readable again.
 */
export type GuardedResult =
  | { status: 'ok'; text: string; truncated: boolean; tookMs: number; cgroups?: CgroupMap }
  | { status: 'error'; code: string; message: string; tookMs: number }
  | { status: 'timed-out'; tookMs: number }
  | { status: 'blocked-earlier'; blockedForMs: number; path: string }
  | { status: 'no-reader'; reason: string };

export interface ReadManyOptions {
  deadlineMs?: number;
  maxBytes?: number;
  /** Each file read, as it comes back (the rest, and every failure, only in the answer). */
  onRead?: (index: number, result: GuardedResult & { status: 'ok' }) => void;
  /**
   * A read that returns fewer bytes than asked for is the file's end, so no
   * second read is made to see the end: true of /proc/PID/cmdline, which
   * copies all it has up to the count asked for. Not for files in general.
   */
  shortReadEnds?: boolean;
}

export interface GuardedReader {
  read(path: string, opts?: { deadlineMs?: number; maxBytes?: number }): Promise<GuardedResult>;
  /**
   * Reads many files with one message to a reader thread and a few back, each
   * read under its own deadline (a thread stuck on one is written off like
   * any other; the reads after it go on on another thread). Results in order.
   */
  readMany(paths: string[], opts?: ReadManyOptions): Promise<GuardedResult[]>;
  /**
   * Runs a task scan on a reader thread under the same guard: batches arrive
   * through `onBatch`; a scan past its deadline answers `timed-out` and its
   * thread is written off. On success the text is the count of processes visited.
   * `req.abort` (Int32 [0] set to 1) stops the walk before its next process.
   */
  scan(req: ScanRequest, opts: { deadlineMs: number; progress: SharedArrayBuffer; onBatch: (batch: TaskBatch) => void }): Promise<GuardedResult>;
  /**
   * Reads every process's /proc/PID/cgroup (or `only` these tgids) in one
   * request under one deadline (they all wait on the kernel's cgroup_mutex).
   * On success `cgroups` holds the map; `progress[0]` is the tgid being read.
   * `abort` (Int32 [0] set to 1): the pass stops before its next process.
   */
  cgroups(procRoot: string, opts: { deadlineMs: number; progress: SharedArrayBuffer; only?: number[]; abort?: SharedArrayBuffer }): Promise<GuardedResult>;
  /**
   * Who holds a pod's volume mounts (volumes/holder-pass.ts), in one request
   * under one deadline; on success the text is the HolderResult as JSON.
   * (Optional: a reader answering from files read elsewhere has no threads to run it.)
   */
  holders?(req: HolderRequest, opts: { deadlineMs: number }): Promise<GuardedResult>;
  /**
   * statfs(2) of a path under a deadline: a filesystem whose backend does not
   * answer (a hung NFS server, a FUSE daemon) holds the call; later ones of
   * the same path answer `blocked-earlier` until it returns. Text: f_type in hex.
   */
  statfs?(path: string, opts?: { deadlineMs?: number }): Promise<GuardedResult>;
  /**
   * Lets a reader thread collect its garbage (a full collection, when its
   * heap has grown enough since the last): asked once a snapshot's reads are
   * done, so that it runs while the main thread assembles the response.
   * Text: 'collected' or 'skipped'.
   */
  collect?(): Promise<GuardedResult>;
  /** Paths whose read is stuck in the kernel right now, with how long. */
  stuck(): Array<{ path: string; forMs: number }>;
  close(): Promise<void>;
}

export interface GuardedReaderOptions {
  poolSize?: number;
  maxStuck?: number;
  defaultDeadlineMs?: number;
  now?: () => number;
}

interface Pending {
  req: ReadRequest;
  onBatch?: (batch: TaskBatch) => void;
  onMany?: (from: number, results: ManyResult[]) => void;
  /** `many`: the item seen in progress, and since when (each item has the deadline). */
  itemAt?: number;
  itemSince?: number;
  deadlineMs: number;
  key: string;
  resolve: (r: GuardedResult) => void;
  startedAt: number;
}

interface Reader {
  worker: Worker;
  inFlight: Pending[];
  headSince: number;
  /** The thread has loaded its code (it said so); until then a deadline does not run out, for up to LOAD_GRACE_MS. */
  loaded: boolean;
  spawnedAt: number;
  stuckOn?: Pending;
}

/**
 * Files that wait on the same kernel lock of the same task share a key;
 * cgroup membership files of every task share one (the global cgroup_mutex).
 */
export function lockKey(path: string): string {
  const m = /^(.*\/\d+(?:\/task\/\d+)?)\/([a-z_]+)$/.exec(path);
  if (!m) return path;
  const taskDir = m[1].replace(/\/task\/\d+$/, '');
  if (m[2] === 'cgroup') return cgroupKey(taskDir.replace(/\/\d+$/, ''));
  if (['cmdline', 'environ', 'maps', 'smaps', 'smaps_rollup', 'numa_maps', 'mem'].includes(m[2])) return `${taskDir}#mm`;
  if (['stack', 'io', 'syscall', 'personality'].includes(m[2])) return `${m[1]}#exec`;
  return path;
}

/** The lock every /proc/PID/cgroup read under `procRoot` waits on. */
export const cgroupKey = (procRoot: string): string => `${procRoot}#cgroup_mutex`;

const PIPELINE = 8;
/** A thread that has not loaded its code after this long is judged like any other. */
const LOAD_GRACE_MS = 10_000;

/** What a request reads, for results and the stuck list. */
const what = (req: ReadRequest): string => {
  if (req.kind === 'read') return req.path;
  if (req.kind === 'scan') return `${req.scan.procRoot} (task scan)`;
  if (req.kind === 'many') return req.paths[Math.max(0, Atomics.load(new Int32Array(req.progress), 0) - 1)] ?? '?';
  if (req.kind === 'holders') return `${req.holders.procRoot}/*/{ns/mnt,mountinfo,cwd,fd} (volume holders)`;
  if (req.kind === 'statfs') return `${req.path} (statfs)`;
  if (req.kind === 'collect') return '(garbage collection)';
  return `${req.procRoot}/*/cgroup (cgroup membership)`;
};

export function createGuardedReader(opts: GuardedReaderOptions = {}): GuardedReader {
  const poolSize = opts.poolSize ?? 2;
  const maxStuck = opts.maxStuck ?? 16;
  const defaultDeadlineMs = opts.defaultDeadlineMs ?? 250;
  const now = opts.now ?? (() => performance.now());
  const entry = siblingEntry(__filename, 'guarded-read-worker');
  const idle: Reader[] = [];
  const stuckReaders: Reader[] = [];
  const blocked = new Map<string, number>();
  const queue: Pending[] = [];
  let nextId = 1;
  let closed = false;
  let watchdog: NodeJS.Timeout | undefined;

  function spawn(): Reader {
    const reader: Reader = { worker: startWorker(entry, null), inFlight: [], headSince: now(), loaded: false, spawnedAt: now() };
    reader.worker.unref();
    reader.worker.on('message', (reply: ReadReply) => onReply(reader, reply));
    reader.worker.on('error', () => retire(reader));
    return reader;
  }

  function onReply(reader: Reader, reply: ReadReply): void {
    if ('ready' in reply) {
      // Starting a thread (loading its code on a busy machine, compiling it in tests) is not the read.
      reader.loaded = true;
      if (reader.inFlight.length) reader.headSince = now();
      return;
    }
    if ('started' in reply) {
      // Loading the scan's code (the first time, on a busy machine, or compiling it in tests) is not the walk.
      if (!reader.stuckOn && reader.inFlight[0]?.req.id === reply.id) reader.headSince = now();
      return;
    }
    if ('many' in reply) {
      if (!reader.stuckOn && reader.inFlight[0]?.req.id === reply.id) reader.inFlight[0].onMany?.(reply.many.from, reply.many.results);
      return;
    }
    if ('partial' in reply) {
      // A scan's batch: delivered unless the scan was already written off.
      if (!reader.stuckOn && reader.inFlight[0]?.req.id === reply.id) reader.inFlight[0].onBatch?.(reply.partial);
      return;
    }
    if (reader.stuckOn) {
      // A written-off read came back: the lock is free again; retire the thread.
      blocked.delete(reader.stuckOn.key);
      retire(reader);
      return;
    }
    const head = reader.inFlight.shift();
    if (!head || head.req.id !== reply.id) return;
    const tookMs = now() - reader.headSince;
    reader.headSince = now();
    head.resolve(
      reply.ok
        ? { status: 'ok', text: reply.text, truncated: reply.truncated, tookMs, ...(reply.cgroups ? { cgroups: reply.cgroups } : {}) }
        : { status: 'error', code: reply.code, message: reply.message, tookMs },
    );
    pump();
  }

  function retire(reader: Reader): void {
    const i = stuckReaders.indexOf(reader);
    if (i >= 0) stuckReaders.splice(i, 1);
    const j = idle.indexOf(reader);
    if (j >= 0) idle.splice(j, 1);
    for (const p of reader.inFlight) queue.unshift(p);
    reader.inFlight = [];
    void reader.worker.terminate().catch(() => undefined);
    if (!closed) {
      while (idle.length < poolSize) idle.push(spawn());
      pump();
    }
  }

  function check(): void {
    const t = now();
    for (const reader of [...idle]) {
      const head = reader.inFlight[0];
      if (!head) continue;
      let since = reader.headSince;
      if (head.req.kind === 'many') {
        // Each read of the list has the deadline, counted from when the thread reached it.
        const at = Atomics.load(new Int32Array(head.req.progress), 0);
        if (at !== head.itemAt) {
          head.itemAt = at;
          head.itemSince = t;
        }
        since = Math.max(since, head.itemSince ?? since);
      }
      if (t - since <= head.deadlineMs) continue;
      if (!reader.loaded && t - reader.spawnedAt < LOAD_GRACE_MS) continue;
      reader.inFlight.shift();
      reader.stuckOn = head;
      // A list is stuck on one of its files: that file's lock is the one held.
      if (head.req.kind === 'many' && head.itemAt) head.key = lockKey(head.req.paths[head.itemAt - 1]);
      blocked.set(head.key, t);
      idle.splice(idle.indexOf(reader), 1);
      stuckReaders.push(reader);
      for (const p of reader.inFlight.reverse()) queue.unshift(p);
      reader.inFlight = [];
      head.resolve({ status: 'timed-out', tookMs: t - since });
      if (stuckReaders.length < maxStuck) idle.push(spawn());
    }
    pump();
    const busy = idle.some((r) => r.inFlight.length > 0);
    if (!busy && watchdog) {
      clearInterval(watchdog);
      watchdog = undefined;
    }
  }

  function pump(): void {
    while (queue.length > 0) {
      const p = queue[0];
      const since = blocked.get(p.key);
      if (since !== undefined) {
        queue.shift();
        p.resolve({ status: 'blocked-earlier', blockedForMs: now() - since, path: what(p.req) });
        continue;
      }
      if (idle.length === 0 || stuckReaders.length >= maxStuck) {
        queue.shift();
        p.resolve({ status: 'no-reader', reason: `${stuckReaders.length} reader threads are stuck in the kernel; no reader left` });
        continue;
      }
      const reader = idle.reduce((a, b) => (b.inFlight.length < a.inFlight.length ? b : a));
      if (reader.inFlight.length >= PIPELINE) break;
      queue.shift();
      if (reader.inFlight.length === 0) reader.headSince = now();
      reader.inFlight.push(p);
      reader.worker.postMessage(p.req);
    }
    if (!watchdog && idle.some((r) => r.inFlight.length > 0)) {
      watchdog = setInterval(check, 10);
      watchdog.unref();
    }
  }

  function submit(req: ReadRequest, deadlineMs: number, key: string, onBatch?: (batch: TaskBatch) => void, onMany?: Pending['onMany']): Promise<GuardedResult> {
    if (closed) return Promise.resolve({ status: 'no-reader', reason: 'reader closed' });
    return new Promise<GuardedResult>((resolve) => {
      queue.push({ req, onBatch, onMany, deadlineMs, key, resolve, startedAt: now() });
      pump();
    });
  }

  /** `o.onRead`: each file read, as it comes back (the rest, and every failure, only in the answer). */
  async function readMany(paths: string[], o: ReadManyOptions): Promise<GuardedResult[]> {
    const deadlineMs = o.deadlineMs ?? defaultDeadlineMs;
    const maxBytes = o.maxBytes ?? 64 * 1024;
    const results: Array<GuardedResult | undefined> = new Array(paths.length);
    let todo = paths.map((_, i) => i);
    while (todo.length > 0) {
      // Files whose lock is known stuck are not tried.
      const t = now();
      todo = todo.filter((i) => {
        const since = blocked.get(lockKey(paths[i]));
        if (since === undefined) return true;
        results[i] = { status: 'blocked-earlier', blockedForMs: t - since, path: paths[i] };
        return false;
      });
      if (todo.length === 0) break;
      const list = todo;
      const progress = new SharedArrayBuffer(4);
      const started = now();
      const id = nextId++;
      const r = await submit({ id, kind: 'many', paths: list.map((i) => paths[i]), maxBytes, progress, shortReadEnds: o.shortReadEnds }, deadlineMs, `#many${id}`, undefined, (from, got) => {
        const took = now() - started;
        got.forEach((g, k) => {
          if (g.ok) {
            const ok = { status: 'ok' as const, text: g.text, truncated: g.truncated, tookMs: took };
            results[list[from + k]] = ok;
            o.onRead?.(list[from + k], ok);
          } else {
            results[list[from + k]] = { status: 'error', code: g.code, message: g.message, tookMs: took };
          }
        });
      });
      if (r.status === 'ok') break;
      if (r.status === 'timed-out') {
        const at = Atomics.load(new Int32Array(progress), 0) - 1;
        if (at >= 0 && at < list.length) results[list[at]] = r;
        // The rest (and any read before it whose answer had not come back yet) go on another thread.
        todo = list.filter((i, k) => k !== at && results[i] === undefined);
        continue;
      }
      for (const i of list) results[i] ??= r;
      break;
    }
    return results.map((r, i) => r ?? { status: 'no-reader', reason: `${paths[i]} was not read` });
  }

  for (let i = 0; i < poolSize; i++) idle.push(spawn());

  return {
    read(path, o = {}) {
      return submit({ id: nextId++, kind: 'read', path, maxBytes: o.maxBytes ?? 64 * 1024 }, o.deadlineMs ?? defaultDeadlineMs, lockKey(path));
    },
    readMany: (paths, o = {}) => readMany(paths, o),
    scan(req, o) {
      const id = nextId++;
      // A key of its own: a scan that stalled is retried by the next snapshot on a fresh thread.
      return submit({ id, kind: 'scan', scan: req, progress: o.progress }, o.deadlineMs, `${req.procRoot}#scan${id}`, o.onBatch);
    },
    cgroups(procRoot, o) {
      return submit({ id: nextId++, kind: 'cgroups', procRoot, only: o.only, progress: o.progress, ...(o.abort ? { abort: o.abort } : {}) }, o.deadlineMs, cgroupKey(procRoot));
    },
    holders(req, o) {
      const id = nextId++;
      // A key of its own, like a scan: a pass that stalled is tried again by the next snapshot.
      return submit({ id, kind: 'holders', holders: req }, o.deadlineMs, `${req.procRoot}#holders${id}`);
    },
    statfs(path, o = {}) {
      return submit({ id: nextId++, kind: 'statfs', path }, o.deadlineMs ?? defaultDeadlineMs, `${path}#statfs`);
    },
    collect() {
      const id = nextId++;
      return submit({ id, kind: 'collect' }, 5000, `#collect${id}`);
    },
    stuck() {
      const t = now();
      return stuckReaders.map((r) => ({ path: r.stuckOn ? what(r.stuckOn.req) : '?', forMs: t - (blocked.get(r.stuckOn?.key ?? '') ?? t) }));
    },
    async close() {
      closed = true;
      if (watchdog) clearInterval(watchdog);
      for (const p of queue.splice(0)) p.resolve({ status: 'no-reader', reason: 'reader closed' });
      const all = [...idle, ...stuckReaders];
      for (const r of idle) for (const p of r.inFlight) p.resolve({ status: 'no-reader', reason: 'reader closed' });
      // Threads stuck in the kernel never finish terminating; do not wait for them.
      await Promise.all(idle.map((r) => r.worker.terminate().catch(() => 0)));
      for (const r of all) r.worker.removeAllListeners();
    },
  };
}
