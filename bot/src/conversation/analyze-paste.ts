import type { Readable } from 'node:stream';
import type { Evidence } from '../evidence/evidence';
import { AnalysisStalled, analyzeStreamInWorker, analyzeTextInWorker, cutNote, DEFAULT_TIME_BUDGET_MS, type WorkerAnalysis } from '../paste/analyze-in-worker';
import { pasteAdmission, PasteBusy, type PasteRateLimited } from '../paste/paste-admission';
import type { Investigation } from './investigate-pod';

/** A pasted text or uploaded file, diagnosed like `whystuck analyze`; or why it could not be. */
export type PasteAnalysis =
  | { status: 'ok'; investigation: Extract<Investigation, { status: 'ok' }>; read: string }
  | {
      status: 'unusable';
      message: string;
      /** Refused before reading: too many pastes at once in the bot ('busy'), or too many from this user this minute ('rate'). */
      refused?: 'busy' | 'rate';
    };

const WHAT_WE_READ = 'kernel log (dmesg, dmesg -T, journalctl -k, /var/log/messages), ps or top output, /proc/PID/stack|stat|status, a sysrq-w dump or a crash bt';

const span = (l: [number, number]): string => (l[0] === l[1] ? `${l[0]}` : `${l[0]}-${l[1]}`);

/** Null when the evidence has something the rules can use; otherwise what is wrong with the paste, naming the fix. */
export function pasteProblem(ev: Evidence, what = 'this paste'): string | null {
  if (ev.inputs.some((i) => i.kind !== 'unrecognised' && i.kind !== 'command')) return null;
  const binary = ev.unreadable.filter((u) => u.reason === 'binary data');
  if (binary.length)
    return `${what} looks like binary data (lines ${binary
      .slice(0, 3)
      .map((u) => span(u.lines))
      .join(', ')}), not text: paste or upload the text output itself (a compressed log must be unpacked first)`;
  if (!ev.inputs.length && !ev.unreadable.length) return `${what} is empty: paste the ${WHAT_WE_READ}`;
  const lines = Math.max(0, ...ev.inputs.map((i) => i.lines[1]), ...ev.unreadable.map((u) => u.lines[1]));
  return `nothing in ${what} (${lines} line${lines === 1 ? '' : 's'}) reads as a ${WHAT_WE_READ}: paste the raw output with its timestamps and headers`;
}

/** "Read: kernel-log (lines 1-40); ps (lines 41-60)" for the reply's context line. */
function readSummary(ev: Evidence): string {
  const read = ev.inputs.filter((x) => x.kind !== 'unrecognised' && x.kind !== 'command');
  const kinds = [...new Set(read.map((x) => x.kind))];
  const skipped = ev.inputs.filter((x) => x.kind === 'unrecognised').length + ev.unreadable.length;
  return `read ${kinds
    .map(
      (k) =>
        `${k} (lines ${read
          .filter((x) => x.kind === k)
          .map((x) => span(x.lines))
          .slice(0, 3)
          .join(', ')})`,
    )
    .join('; ')}${skipped ? ` · ${skipped} passage${skipped === 1 ? '' : 's'} not understood` : ''}`;
}

/** What the worker read and diagnosed (off the event loop, within the time budget), as an answer. */
function conclude(a: WorkerAnalysis, what: string): PasteAnalysis {
  const ev = a.evidence;
  const problem = pasteProblem(ev, what);
  if (problem && a.cut) return { status: 'unusable', message: `${what} could not be read in time: ${cutNote(a.cut)}` };
  if (problem) return { status: 'unusable', message: problem };
  const cut = a.cut ? ` · ${cutNote(a.cut)}` : '';
  return { status: 'ok', read: `${readSummary(ev)}${cut}`, investigation: { status: 'ok', node: ev.node.hostname ?? 'paste', evidence: ev, diagnosis: a.diagnosis, takenAt: Date.now() } };
}

const stalled = (err: unknown, what: string): PasteAnalysis => {
  if (err instanceof AnalysisStalled) return { status: 'unusable', message: `${what} could not be read: ${err.message}` };
  throw err;
};

/** Slack message text: code fences dropped, &amp; &lt; &gt; decoded (a modal's plain text input is already raw). */
export function slackMessageText(text: string): string {
  return text.replace(/```/g, '\n').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** How a paste waits for one of the bot's analysis slots (paste-admission.ts). */
export interface PasteAdmit {
  /** Refused as busy when no slot is free within this long (the dialog, which Slack gives 3 s). Default: wait in the queue. */
  maxWaitMs?: number;
  /** The wait comes off `budgetMs` (the dialog). Default: the budget counts from when reading starts. */
  waitCountsToBudget?: boolean;
}

/** A refusal from the admission (busy, or the user's rate) as an answer. */
export function refusedPaste(err: PasteBusy | PasteRateLimited): PasteAnalysis {
  return { status: 'unusable', message: err.message, refused: err instanceof PasteBusy ? 'busy' : 'rate' };
}

/**
 * Every Slack paste is read through the process's admission: at most
 * WHYSTUCK_PASTE_CONCURRENCY at a time, a few more waiting (their budget
 * starts when they start), the rest refused with a sentence saying so.
 */
async function admitted(what: string, budgetMs: number, admit: PasteAdmit, read: (budgetMs: number) => Promise<WorkerAnalysis>): Promise<PasteAnalysis> {
  try {
    return await pasteAdmission.run(
      (waitedMs) =>
        read(admit.waitCountsToBudget ? Math.max(100, budgetMs - waitedMs) : budgetMs).then(
          (a) => conclude(a, what),
          (err) => stalled(err, what),
        ),
      { maxWaitMs: admit.maxWaitMs },
    );
  } catch (err) {
    if (err instanceof PasteBusy) return refusedPaste(err);
    throw err;
  }
}

/** Text (a message, the dialog's box), read and diagnosed in a worker thread within `budgetMs`, once admitted. */
export async function analyzePasteText(text: string, what = 'this paste', budgetMs = DEFAULT_TIME_BUDGET_MS, admit: PasteAdmit = {}): Promise<PasteAnalysis> {
  return admitted(what, budgetMs, admit, (budget) => analyzeTextInWorker(text, { budgetMs: budget }));
}

/**
 * Streams (files): bounded memory whatever the size, off the event loop,
 * within `budgetMs`; a stream error propagates to the caller. Given as a
 * function, the stream is opened only once admitted: a paste waiting for a
 * slot downloads nothing.
 */
export async function analyzePasteStream(input: Readable | (() => Promise<Readable>), what: string, budgetMs = DEFAULT_TIME_BUDGET_MS, admit: PasteAdmit = {}): Promise<PasteAnalysis> {
  return admitted(what, budgetMs, admit, async (budget) => analyzeStreamInWorker(typeof input === 'function' ? await input() : input, { budgetMs: budget }));
}
