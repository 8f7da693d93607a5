import type { Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { siblingEntry, startWorker } from '../../../collector/src';
import type { Diagnosis } from '../diagnosis/finding';
import type { Evidence } from '../evidence/evidence';
import type { AnalysisCut, AnalyzeWorkerData, FromWorker, ToWorker } from './analyze-protocol';

export { cutNote, type AnalysisCut } from './analyze-protocol';

/**
 * Reading and diagnosing a paste off the event loop, with a time budget:
 * the bot (Slack acks, buttons, other threads) and the terminal keep
 * answering while a paste is read in a worker thread. When the budget runs
 * out the worker stops reading (between two lines), diagnoses what it read
 * and says where it stopped. If one line holds the worker past the budget
 * (a pathological line for some pattern), the thread is ended: a text is
 * then read again up to that line; a stream cannot be, and the caller gets
 * AnalysisStalled.
 */
export const DEFAULT_TIME_BUDGET_MS = 10_000;
/** Streams: chunks handed to the worker and not yet read (bounded memory whatever the input size). */
const IN_FLIGHT = 4;
/** Generous for evidence (bounded) and a 64 KiB line; a paste bomb ends the worker, not the bot. */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 384 };

export interface AnalyzeInWorkerOptions {
  /** Time for reading, in ms (default 10 s); diagnosing what was read comes after it. */
  budgetMs?: number;
  /** How long past the budget a busy worker may take before it counts as stalled (default: a quarter of the budget, at least 1 s). */
  graceMs?: number;
  /** Tests only: block the worker on this line for `ms`, as a regex that never returns would. */
  stallForTest?: { line: number; ms: number };
  /**
   * The caller only renders the answer (the CLI: render-text, render-json use
   * the findings and the evidence's inputs, unreadable lines and what is
   * missing): the evidence comes back without its tasks and kernel reports,
   * which the findings already name and quote. They are most of what a big
   * input yields (12 MB for a 100 MB log), copied between threads otherwise.
   */
  forRendering?: boolean;
}

export interface WorkerAnalysis {
  evidence: Evidence;
  diagnosis: Diagnosis;
  /** Lines read. */
  lines: number;
  /** Set when reading stopped before the end of the input. */
  cut?: AnalysisCut;
}

export class AnalysisStalled extends Error {
  constructor(
    readonly line: number,
    readonly budgetMs: number,
  ) {
    super(`reading line ${line} took longer than the ${Math.round(budgetMs / 100) / 10} s time budget; the analysis was stopped`);
    this.name = 'AnalysisStalled';
  }
}

/** The worker entry in the same flavour as this module: compiled .js in the package, .ts under jest (through swc). */
function startAnalyzeWorker(workerData: AnalyzeWorkerData): Worker {
  return startWorker(siblingEntry(__filename, 'analyze-worker'), workerData, RESOURCE_LIMITS);
}

/** A worker thread and what it is doing; idle ones are kept (unref'd) for the next paste. */
interface Pooled {
  worker: Worker;
  progress: Int32Array;
  ready: Promise<void>;
  /** The job listening to this worker, if any. */
  listener: ((m: FromWorker) => void) | null;
  fail: ((err: Error) => void) | null;
  dead: boolean;
}

const IDLE_KEPT = 1;
const idle: Pooled[] = [];
let jobs = 0;

/** Worker threads alive (idle ones included) and analyses running, with their peaks: what tests and metrics look at. */
const counts = { workers: 0, peakWorkers: 0, running: 0, peakRunning: 0 };

/**
 * Analysis worker threads alive now (idle or busy) and analyses running now
 * in this process, with the most of each at once since resetAnalysisPeaks().
 * The Slack paths admit at most WHYSTUCK_PASTE_CONCURRENCY analyses at a time
 * (paste-admission.ts); the CLI runs one.
 */
export function analysisCounts(): Readonly<typeof counts> {
  return { ...counts };
}

export function resetAnalysisPeaks(): void {
  counts.peakWorkers = counts.workers;
  counts.peakRunning = counts.running;
}

function spawn(): Pooled {
  const progress = new SharedArrayBuffer(12);
  const worker = startAnalyzeWorker({ progress });
  counts.workers++;
  counts.peakWorkers = Math.max(counts.peakWorkers, counts.workers);
  worker.once('exit', () => {
    counts.workers--;
  });
  let readyResolve!: () => void;
  let readyReject!: (err: Error) => void;
  const p: Pooled = {
    worker,
    progress: new Int32Array(progress),
    listener: null,
    fail: null,
    dead: false,
    ready: new Promise<void>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    }),
  };
  p.ready.catch(() => undefined);
  worker.on('message', (m: FromWorker) => {
    if (m.kind === 'ready') readyResolve();
    else p.listener?.(m);
  });
  const die = (err: Error): void => {
    p.dead = true;
    const i = idle.indexOf(p);
    if (i >= 0) idle.splice(i, 1);
    readyReject(err);
    p.fail?.(err);
  };
  worker.on('error', die);
  worker.on('exit', (code) => die(new Error(`the analysis worker exited (code ${code})`)));
  return p;
}

function acquire(): Pooled {
  const p = idle.pop() ?? spawn();
  p.worker.ref();
  return p;
}

function release(p: Pooled): void {
  p.listener = null;
  p.fail = null;
  if (p.dead) return;
  if (idle.length < IDLE_KEPT) {
    p.worker.unref();
    idle.push(p);
  } else void p.worker.terminate();
}

function discard(p: Pooled): void {
  p.listener = null;
  p.fail = null;
  p.dead = true;
  void p.worker.terminate();
}

type Outcome = { status: 'ok'; value: WorkerAnalysis } | { status: 'stalled'; line: number };

interface Run {
  result: Promise<Outcome>;
  /** Resolves when the worker has read what it was given (stream back-pressure), or reading has stopped. */
  drained(): Promise<void>;
  /** The worker stopped reading (cut, done, stalled or failed): send no more input. */
  readonly stopped: boolean;
  send(m: { kind: 'chunk'; data: Uint8Array } | { kind: 'fd'; fd: number } | { kind: 'end' }, transfer?: ArrayBuffer[]): void;
  /** The caller gives up (its input failed): the worker is ended. */
  abort(): void;
}

function run(opts: AnalyzeInWorkerOptions, again?: { stopBeforeLine: number; stalledBudgetMs: number }): Run {
  const budgetMs = Math.max(0, opts.budgetMs ?? DEFAULT_TIME_BUDGET_MS);
  const graceMs = opts.graceMs ?? Math.max(1000, budgetMs / 4);
  const job = ++jobs;
  const p = acquire();
  counts.running++;
  counts.peakRunning = Math.max(counts.peakRunning, counts.running);
  let inFlight = 0;
  let stopped = false;
  let waiters: (() => void)[] = [];
  const wake = (): void => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const stop = (): void => {
    stopped = true;
    wake();
  };
  const timers: NodeJS.Timeout[] = [];
  const queue: { m: ToWorker; transfer?: ArrayBuffer[] }[] = [];
  let started = false;
  const post = (m: ToWorker, transfer?: ArrayBuffer[]): void => {
    if (!started) {
      queue.push({ m, transfer });
      return;
    }
    if (m.kind !== 'stop') Atomics.store(p.progress, 1, 1);
    p.worker.postMessage(m, transfer);
  };
  let settle!: (f: () => void) => boolean;
  const result = new Promise<Outcome>((resolve, reject) => {
    let settled = false;
    settle = (f) => {
      if (settled) return false;
      settled = true;
      counts.running--;
      for (const t of timers) clearTimeout(t);
      stop();
      f();
      return true;
    };
    p.fail = (err) => settle(() => reject(err));
    p.listener = (m) => {
      if (m.kind === 'ready' || m.job !== job) return;
      switch (m.kind) {
        case 'ack':
          inFlight--;
          wake();
          break;
        case 'cut':
          inFlight--;
          stop();
          post({ kind: 'end', job });
          break;
        case 'done':
          if (settle(() => resolve({ status: 'ok', value: { evidence: m.evidence, diagnosis: m.diagnosis, lines: m.lines, ...(m.cut ? { cut: m.cut } : {}) } }))) release(p);
          break;
        case 'error':
          if (settle(() => reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {})))) release(p);
          break;
      }
    };
    // The budget counts from when the worker is ready to read (starting a thread is not reading).
    void p.ready.then(
      () => {
        if (settled) return;
        started = true;
        p.worker.postMessage({
          kind: 'start',
          job,
          budgetMs,
          ...(again ?? {}),
          ...(opts.stallForTest ? { stallForTest: opts.stallForTest } : {}),
          ...(opts.forRendering ? { forRendering: true } : {}),
        } satisfies ToWorker);
        for (const q of queue.splice(0)) post(q.m, q.transfer);
        // At the deadline: a worker waiting for input is told to stop and answer; a busy one stops by itself at its next line
        // (it sees the flag set here, and looks at its own clock too).
        timers.push(
          setTimeout(() => {
            Atomics.store(p.progress, 2, 1);
            if (Atomics.load(p.progress, 1) === 0) {
              stop();
              post({ kind: 'stop', job });
            }
          }, budgetMs),
        );
        // Past the grace period a worker still busy is stuck on one line: end it.
        const watch = (): void => {
          timers.push(
            setTimeout(() => {
              if (Atomics.load(p.progress, 1) === 1) {
                const line = Math.max(1, Atomics.load(p.progress, 0));
                if (settle(() => resolve({ status: 'stalled', line }))) discard(p);
              } else {
                stop();
                post({ kind: 'stop', job });
                watch();
              }
            }, graceMs),
          );
        };
        timers.push(setTimeout(watch, budgetMs));
      },
      () => undefined,
    );
  });
  result.catch(() => undefined);
  return {
    result,
    get stopped() {
      return stopped;
    },
    send(m, transfer) {
      if (m.kind === 'chunk') inFlight++;
      post({ ...m, job } as ToWorker, transfer);
    },
    async drained() {
      while (!stopped && inFlight >= IN_FLIGHT) await new Promise<void>((r) => waiters.push(r));
    },
    abort() {
      if (settle(() => undefined)) discard(p);
    },
  };
}

const SLICE = 1 << 20;

/** Hands a text to the worker in slices (encoded one at a time: a big paste never blocks the event loop for long), with back-pressure. */
async function feed(r: Run, text: string): Promise<void> {
  const chars = SLICE / 2;
  for (let at = 0; at < text.length && !r.stopped;) {
    let end = Math.min(text.length, at + chars);
    // Never between the two halves of a surrogate pair.
    if (end < text.length && (text.charCodeAt(end - 1) & 0xfc00) === 0xd800) end--;
    const bytes = Buffer.from(text.slice(at, end));
    const slice = new Uint8Array(bytes.length);
    slice.set(bytes);
    r.send({ kind: 'chunk', data: slice }, [slice.buffer]);
    await r.drained();
    at = end;
  }
  if (!r.stopped) r.send({ kind: 'end' });
}

/** A paste given as text (Slack messages, the paste dialog). */
export async function analyzeTextInWorker(text: string, opts: AnalyzeInWorkerOptions = {}): Promise<WorkerAnalysis> {
  const first = run(opts);
  await feed(first, text);
  const outcome = await first.result;
  if (outcome.status === 'ok') return outcome.value;
  // One line held the reader past the budget: read again, up to that line.
  const budgetMs = opts.budgetMs ?? DEFAULT_TIME_BUDGET_MS;
  const again = run({ ...opts, budgetMs: opts.graceMs ?? Math.max(1000, budgetMs / 4) }, { stopBeforeLine: outcome.line, stalledBudgetMs: budgetMs });
  await feed(again, text);
  const second = await again.result;
  if (second.status !== 'ok') throw new AnalysisStalled(outcome.line, budgetMs);
  // Cut at that line (or earlier, if the second pass ran out of its own time).
  return second.value;
}

/**
 * A stream (a file, standard input, a download): fed to the worker in
 * chunks with back-pressure, so memory stays bounded whatever the size. A
 * read error of the stream propagates; reading stops at the budget, even
 * while the input has nothing new to give.
 */
export async function analyzeStreamInWorker(input: Readable, opts: AnalyzeInWorkerOptions = {}): Promise<WorkerAnalysis> {
  const r = run(opts);
  const it = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const over = r.result.then(
    () => null,
    () => null,
  );
  try {
    for (;;) {
      const pending = it.next();
      pending.catch(() => undefined); // settled after we stopped listening: not an unhandled rejection
      const next = await Promise.race([pending, over]);
      if (next === null || next.done || r.stopped) break;
      const buf: Buffer = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      for (let at = 0; at < buf.length && !r.stopped; at += SLICE) {
        const slice = new Uint8Array(Math.min(SLICE, buf.length - at));
        slice.set(buf.subarray(at, at + slice.length));
        r.send({ kind: 'chunk', data: slice }, [slice.buffer]);
        await Promise.race([r.drained(), over]);
      }
    }
  } catch (err) {
    r.abort();
    throw err;
  } finally {
    // Input left unread (the budget ran out) is let go: a file or download is closed.
    if (r.stopped && !input.readableEnded) {
      void it.return?.()?.catch(() => undefined);
      input.destroy();
    }
  }
  if (!r.stopped) r.send({ kind: 'end' });
  const outcome = await r.result;
  if (outcome.status === 'stalled') throw new AnalysisStalled(outcome.line, opts.budgetMs ?? DEFAULT_TIME_BUDGET_MS);
  return outcome.value;
}

/**
 * A file given as an open descriptor (the CLI's FILE): the worker reads it
 * itself, so nothing passes through the main thread and memory stays at one
 * buffer whatever the size. The descriptor stays open (the caller closes it);
 * a read error (EISDIR, EIO) rejects with its code.
 */
export async function analyzeFileInWorker(fd: number, opts: AnalyzeInWorkerOptions = {}): Promise<WorkerAnalysis> {
  const r = run(opts);
  r.send({ kind: 'fd', fd });
  const outcome = await r.result;
  if (outcome.status === 'stalled') throw new AnalysisStalled(outcome.line, opts.budgetMs ?? DEFAULT_TIME_BUDGET_MS);
  return outcome.value;
}
