import type { PodEntry, RawProblem, ScanRequest, TaskBatch, TaskColumns } from './raw-task';
import type { GuardedReader } from './guarded-reader';
import type { CgroupMap } from './cgroup-pass';

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
  /**
   * Set when the scan did not finish before its deadline: where it stalled.
   * `restRead`: the main thread, walking from the other end, read every
   * process the stalled thread had not taken (missing: the one it stalled on,
   * and those it read after its last batch).
   */
  stalled?: { pid: number; tid: number; afterMs: number; restRead?: boolean };
  /** Whether tasks could be attributed to pods: their cgroup membership was read, or why not. */
  cgroups: { status: 'read' } | { status: 'unknown'; path: string; reason: 'timed-out' | 'blocked-earlier' | 'skipped'; triedMs: number; pid: number };
  /** Every caller's signal fired: the scan stopped (or never started); `tasks` is what was read until then. */
  aborted?: boolean;
}

export interface TaskScanner {
  /**
   * Scans. A request equal to one still waiting for its turn shares that
   * scan (it has not started, so it is no older than this caller).
   *
   * `signal`: the caller no longer wants the answer once it fires. When the
   * signals of every caller sharing the scan have fired (a caller without
   * one always wants it), the scan is aborted: not started if it still
   * waits, else its walk (and cgroup pass) stop before their next process;
   * it answers with `aborted` and what it had read.
   *
   * `meanwhile`: work for this thread that best runs while it would only
   * wait (say, a garbage collection): called once — while the reader thread
   * reads cgroup membership, when this call starts a scan with that pass;
   * else before its walk (a scan without the pass), or at once (a call that
   * shares a waiting scan). Its errors are ignored.
   */
  scan(req: ScanRequest, deadlineMs: number, signal?: AbortSignal, meanwhile?: () => void): Promise<ScanResult>;
  stats(): TaskScannerStats;
  /** Closes the files the main thread's walks keep open (scans after this open them again). */
  close(): void;
}

export interface TaskScannerStats {
  /** /proc walks started. */
  scans: number;
  /** scan() calls that shared a waiting scan instead. */
  coalesced: number;
  /** Cgroup passes that did not finish (or were not tried: the cgroup lock was known stuck). */
  cgroupsUnknown: number;
  /** Scans aborted because every caller's signal fired (stopped mid-walk, or never started). */
  aborted: number;
  /** Tasks the walks delivered, in all (an aborted walk stops adding to it). */
  tasksRead: number;
  /** The main thread's kept-open /proc files (held-files.ts): held now; reads through them and reads that opened a file, in all. */
  heldFiles: { held: number; warm: number; cold: number };
}

export interface TaskScannerOptions {
  parts?: number;
  mainThreadShare?: boolean;
  /**
   * Deadline of the cgroup pass that runs before each walk (see
   * cgroup-pass.ts); 0: no pass, the walk reads cgroup files itself (on a
   * reader thread; the main thread then stays out of the walk).
   */
  cgroupDeadlineMs?: number;
  /**
   * The main thread's walks keep /proc files open between scans (held-files.ts): closed after this long (ms)
   * without such a walk, so that the kernel memory they hold (a page each) is given back once questions stop.
   */
  heldFilesIdleMs?: number;
  /** At most this many files kept open (default: held-files.ts). */
  heldFilesBudget?: number;
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
/**
 * The main thread walks in slices of at most this long (ms), and lets the
 * event loop run between them: while it walks, gRPC (Health, other calls)
 * waits. It walks until every process is taken (or the scan's deadline), so
 * that both threads walk to the end: with one 100 ms share, the reader thread
 * walked the rest alone, on a loaded node for seconds.
 */
const MAIN_SLICE_MS = 50;

export function createTaskScanner(reader: GuardedReader, opts: TaskScannerOptions = {}): TaskScanner {
  const parts = opts.parts ?? 1;
  const cgroupDeadlineMs = opts.cgroupDeadlineMs ?? 1000;
  let busy: Promise<unknown> = Promise.resolve();
  const waiting = new Map<string, Shared>();
  const counts: Omit<TaskScannerStats, 'heldFiles'> = { scans: 0, coalesced: 0, cgroupsUnknown: 0, aborted: 0, tasksRead: 0 };
  /** The main thread's files kept open between its walks (held-files.ts), made when it first joins one. */
  let held: import('./held-files').HeldFiles | undefined;
  let heldTotals = { warm: 0, cold: 0 };
  let heldTimer: NodeJS.Timeout | undefined;
  const closeHeld = (): void => {
    if (heldTimer) clearTimeout(heldTimer);
    heldTimer = undefined;
    if (!held) return;
    const s = held.stats();
    heldTotals = { warm: heldTotals.warm + s.warm, cold: heldTotals.cold + s.cold };
    held.close();
    held = undefined;
  };
  const heldIdleMs = opts.heldFilesIdleMs ?? 60000;

  /** The cgroup pass: the map, null when membership is unknown (with why), undefined to read in the walk. */
  const readCgroups = async (procRoot: string, deadlineMs: number, abort: SharedArrayBuffer, meanwhile: () => void): Promise<{ map: CgroupMap | null | undefined; state: ScanResult['cgroups'] }> => {
    if (cgroupDeadlineMs <= 0) return { map: undefined, state: { status: 'read' } };
    const progress = new SharedArrayBuffer(4);
    const pass = reader.cgroups(procRoot, { deadlineMs: Math.min(cgroupDeadlineMs, deadlineMs), progress, abort });
    meanwhile();
    const r = await pass;
    if (r.status === 'ok' && r.cgroups) return { map: r.cgroups, state: { status: 'read' } };
    // An error (say, the proc root is not listable) is the walk's to report.
    if (r.status === 'error' || r.status === 'ok') return { map: undefined, state: { status: 'read' } };
    counts.cgroupsUnknown++;
    if (r.status === 'timed-out') {
      const pid = new Int32Array(progress)[0];
      return { map: null, state: { status: 'unknown', path: `${procRoot}/${pid || '*'}/cgroup`, reason: 'timed-out', triedMs: Math.round(r.tookMs), pid } };
    }
    if (r.status === 'blocked-earlier') return { map: null, state: { status: 'unknown', path: `${procRoot}/*/cgroup`, reason: 'blocked-earlier', triedMs: Math.round(r.blockedForMs), pid: 0 } };
    return { map: null, state: { status: 'unknown', path: `${procRoot}/*/cgroup`, reason: 'skipped', triedMs: 0, pid: 0 } };
  };

  const run = async (req: ScanRequest, deadlineMs: number, abort: SharedArrayBuffer, meanwhile: () => void): Promise<ScanResult> => {
    const aborted = (): boolean => Atomics.load(new Int32Array(abort), 0) !== 0;
    const nothing = (cgroups: ScanResult['cgroups']): ScanResult => ({ tasks: tableOf([], [], []), problems: [], cgroups, aborted: true });
    if (aborted()) {
      counts.aborted++;
      return nothing({ status: 'read' });
    }
    counts.scans++;
    const t0 = performance.now();
    const cg = req.cgroups === undefined ? await readCgroups(req.procRoot, deadlineMs, abort, meanwhile) : { map: req.cgroups, state: { status: 'read' } as const };
    meanwhile();
    if (aborted()) {
      counts.aborted++;
      return nothing(cg.state);
    }
    if (cg.map !== undefined) req = { ...req, cgroups: cg.map };
    req = { ...req, abort };
    deadlineMs = Math.max(100, deadlineMs - (performance.now() - t0));
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
        counts.tasksRead += batch.ends.length;
        problems.push(...batch.problems);
      };
    };
    // The main thread joins the walk only on the real procfs, whose stat, status, wchan, cgroup and
    // ns links take no lock on the target (a proc root of another kind, like a FUSE mount in tests,
    // could block it); it takes processes from the other end, and stays off the risky files.
    // It never reads a cgroup file (they wait on the kernel's global cgroup_mutex): it joins only with
    // the cgroup pass's map (or none at all), and leaves processes missing from the map to the reader thread.
    // A leaders-only walk (watch mode's look on a node with no task in D: one stat per process) is too short to
    // share: the shared claim map alone (512 KiB, faulted in by both threads) cost more than the walk it split.
    const mainJoins = Boolean(opts.mainThreadShare) && req.procRoot === '/proc' && req.pids.length === 0 && !req.podUid && req.cgroups !== undefined && !req.leadersOnly;
    const shared = parts > 1 || mainJoins;
    let claims: SharedArrayBuffer | undefined;
    if (shared) {
      // A fresh map for every scan: a reader thread written off when an earlier scan timed out may still be
      // walking and claiming in the map it was given; sharing one map, it hid processes from the next scan.
      // tgids are below pid_max, at most 2^22 on Linux: one bit each (512 KiB).
      claims = new SharedArrayBuffer((1 << 22) / 8);
    }
    let mainWalkedToEnd = false;
    const pending = Array.from({ length: parts }, (_, part) => {
      const progress = new SharedArrayBuffer(8);
      const result = reader.scan(claims ? { ...req, share: { claims, backwards: part % 2 === 1 } } : req, { deadlineMs, progress, onBatch: collector() });
      return result.then((r) => ({ r, progress }));
    });
    if (mainJoins && claims) {
      const onBatch = collector();
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the scan code loads in this thread only when it joins a scan
      held ??= new (require('./held-files') as typeof import('./held-files')).HeldFiles(opts.heldFilesBudget);
      if (heldTimer) clearTimeout(heldTimer);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
      const walk = (require('./scan-proc') as typeof import('./scan-proc')).createWalk(
        { ...req, share: { claims, backwards: true, noCgroupReads: true } },
        new SharedArrayBuffer(8),
        (msg) => {
          if (msg.type === 'tasks') onBatch(msg);
        },
        undefined,
        held,
      );
      const endAt = performance.now() + deadlineMs;
      let more = true;
      while ((more = walk.step(Math.min(endAt, performance.now() + MAIN_SLICE_MS))) && performance.now() < endAt && !aborted()) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      walk.finish();
      mainWalkedToEnd = !more && !aborted();
      heldTimer = setTimeout(closeHeld, heldIdleMs);
      heldTimer.unref();
    }
    const results = await Promise.all(pending);
    let stalled: ScanResult['stalled'];
    for (const { r, progress } of results) {
      if (r.status === 'timed-out') {
        const at = new Int32Array(progress);
        stalled ??= { pid: at[0], tid: at[1], afterMs: Math.round(r.tookMs), ...(mainWalkedToEnd ? { restRead: true } : {}) };
      } else if (r.status === 'error') {
        problems.push({ path: req.procRoot, code: `task scan failed: ${r.message}`, pid: 0, tid: 0 });
      } else if (r.status !== 'ok') {
        problems.push({ path: req.procRoot, code: `task scan not run: ${r.status === 'no-reader' ? r.reason : 'blocked'}`, pid: 0, tid: 0 });
      }
    }
    if (aborted()) counts.aborted++;
    return { tasks: tableOf(batches, pods, paths), problems, stalled, cgroups: cg.state, ...(aborted() ? { aborted: true } : {}) };
  };

  /** A scan and who shares it: aborted (its flag set) once every sharer has left. */
  const share = (key: string | undefined, sh: Shared, signal: AbortSignal | undefined): void => {
    sh.sharers++;
    if (!signal) return;
    const leave = (): void => {
      if (++sh.left < sh.sharers) return;
      Atomics.store(new Int32Array(sh.abort), 0, 1);
      // No one joins a scan that nobody wants.
      if (key !== undefined && waiting.get(key) === sh) waiting.delete(key);
    };
    if (signal.aborted) {
      leave();
      return;
    }
    signal.addEventListener('abort', leave, { once: true });
    const forget = (): void => signal.removeEventListener('abort', leave);
    sh.result.then(forget, forget);
  };

  return {
    scan(req, deadlineMs, signal, meanwhile) {
      let called = !meanwhile;
      const once = (): void => {
        if (called) return;
        called = true;
        try {
          meanwhile?.();
        } catch {
          // the caller's, not the scan's
        }
      };
      const key = JSON.stringify({ ...req, cgroups: req.cgroups === undefined ? 'read' : req.cgroups === null ? 'none' : 'given' });
      const shareable = req.cgroups === undefined || req.cgroups === null;
      const same = shareable ? waiting.get(key) : undefined;
      if (same) {
        counts.coalesced++;
        share(key, same, signal);
        once();
        return same.result;
      }
      const abort = new SharedArrayBuffer(4);
      const sh: Shared = {
        abort,
        sharers: 0,
        left: 0,
        result: busy.then(() => {
          if (waiting.get(key) === sh) waiting.delete(key);
          return run(req, deadlineMs, abort, once);
        }),
      };
      if (shareable) waiting.set(key, sh);
      share(shareable ? key : undefined, sh, signal);
      busy = sh.result.catch(() => undefined);
      return sh.result;
    },
    stats: () => {
      const s = held?.stats() ?? { held: 0, warm: 0, cold: 0 };
      return { ...counts, heldFiles: { held: s.held, warm: heldTotals.warm + s.warm, cold: heldTotals.cold + s.cold } };
    },
    close: closeHeld,
  };
}

interface Shared {
  result: Promise<ScanResult>;
  /** Int32 [0]: 1 once every sharer has left (ScanRequest.abort). */
  abort: SharedArrayBuffer;
  sharers: number;
  left: number;
}
