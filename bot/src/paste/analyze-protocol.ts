import type { Diagnosis } from '../diagnosis/finding';
import type { Evidence } from '../evidence/evidence';

/** Where reading stopped, and why: the time budget ran out, or one line could not be read within it. */
export interface AnalysisCut {
  line: number;
  reason: 'time-budget' | 'stalled';
  budgetMs: number;
}

/** One analysis: the worker reads with a fresh reader, and its budget starts now. */
export interface AnalyzeJob {
  job: number;
  budgetMs: number;
  /** Read only the lines before this one (a second pass after a line stalled the first). */
  stopBeforeLine?: number;
  /** The budget the first pass ran out of (what the answer names), for a second pass. */
  stalledBudgetMs?: number;
  /** Tests: block the thread on this line for `ms`, as a regex that never returns would. */
  stallForTest?: { line: number; ms: number };
  /** The caller only renders the answer: the evidence comes back without its tasks and kernel reports. */
  forRendering?: boolean;
}

export interface AnalyzeWorkerData {
  /** Int32 [line being read, busy (1) or waiting for input (0), the budget ran out (1: set by the caller's timer)]. */
  progress: SharedArrayBuffer;
}

export type ToWorker =
  | ({ kind: 'start' } & AnalyzeJob)
  | { kind: 'chunk'; job: number; data: Uint8Array }
  /** A file the worker reads itself (no copies through the main thread): an open descriptor, left open. */
  | { kind: 'fd'; job: number; fd: number }
  | { kind: 'end'; job: number }
  | { kind: 'stop'; job: number };

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'ack'; job: number }
  | { kind: 'cut'; job: number; line: number }
  | { kind: 'done'; job: number; evidence: Evidence; diagnosis: Diagnosis; lines: number; cut?: AnalysisCut }
  | { kind: 'error'; job: number; message: string; code?: string };

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`);

/** "input cut at line 5123: the 10 s time budget ran out" — said in the answer. */
export function cutNote(cut: AnalysisCut): string {
  return cut.reason === 'time-budget'
    ? `input cut at line ${cut.line}: the ${seconds(cut.budgetMs)} time budget ran out, so line ${cut.line} and everything after it were not read`
    : `input cut at line ${cut.line}: reading that line took longer than the ${seconds(cut.budgetMs)} time budget, so it and everything after it were not read`;
}
