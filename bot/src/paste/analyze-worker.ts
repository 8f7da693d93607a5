/**
 * Worker thread that reads a paste and diagnoses it (see analyze-in-worker.ts).
 * It stops reading when the time budget runs out — between lines, so what
 * was read stays consistent — and diagnoses what it read, saying where it
 * stopped. A line the reader cannot get through is the main thread's to
 * catch: it watches `progress` and ends this thread. One job at a time; the
 * thread is reused for the next one.
 */
import { isAscii } from 'node:buffer';
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { diagnosePaste } from '../diagnosis/entry';
import { createPasteReader, MAX_LINE_CHARS, type PasteReader } from './paste-reader';
import { cutNote, type AnalysisCut, type AnalyzeJob, type AnalyzeWorkerData, type FromWorker, type ToWorker } from './analyze-protocol';

const port = parentPort!;
const progress = new Int32Array((workerData as AnalyzeWorkerData).progress);
const tooLong = `line longer than ${MAX_LINE_CHARS} characters`;

interface Job extends AnalyzeJob {
  deadline: number;
  reader: PasteReader;
  n: number;
  cut: AnalysisCut | null;
  carry: Buffer | null;
  overlong: boolean;
  finished: boolean;
}

let job: Job | null = null;

/** Line `n + 1` is next: false once reading has stopped. */
function mayRead(j: Job): boolean {
  if (j.cut) return false;
  const next = j.n + 1;
  if (j.stopBeforeLine !== undefined && next >= j.stopBeforeLine) {
    j.cut = { line: next, reason: 'stalled', budgetMs: j.stalledBudgetMs ?? j.budgetMs };
    return false;
  }
  // The caller's timer flags the deadline; the clock (some 40 ns a call, a good part of a line's cost) is read every 16 lines.
  if (Atomics.load(progress, 2) === 1 || ((next & 15) === 0 && Date.now() >= j.deadline)) {
    j.cut = { line: next, reason: 'time-budget', budgetMs: j.budgetMs };
    return false;
  }
  j.n = next;
  Atomics.store(progress, 0, next);
  if (j.stallForTest?.line === next) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, j.stallForTest.ms);
  return true;
}

const line = (j: Job, text: string): void => {
  if (mayRead(j)) j.reader.line(text);
};
const skip = (j: Job, reason: string): void => {
  if (mayRead(j)) j.reader.skipLine(reason);
};

/**
 * ASCII text is decoded a unit of whole lines at a time (one native call, not
 * one per line) and cut into lines there. A line kept as evidence may hold on
 * to its unit, so a unit is small: 4 KiB at most, past a line that is longer
 * (64 KiB units held 80 MB more of a 100 MB log in memory).
 */
const ASCII_UNIT = 4 * 1024;

/** Bytes of a stream: lines decoded one by one, as read-paste-stream does (an overlong line is skipped, not buffered). */
function chunk(j: Job, bytes: Buffer): void {
  let start = 0;
  // The line carried over from the last chunk ends first (or the whole chunk goes on with it).
  let whole = true;
  if (j.carry || j.overlong) {
    const nl = bytes.indexOf(10);
    if (nl >= 0) {
      endLine(j, bytes, 0, nl);
      start = nl + 1;
    } else whole = false;
  }
  if (whole) {
    // The whole lines after it may be ASCII; the rest is decoded line by line.
    start = asciiLines(j, bytes, start);
    for (;;) {
      if (j.cut) return;
      const nl = bytes.indexOf(10, start);
      if (nl < 0) break;
      endLine(j, bytes, start, nl);
      start = nl + 1;
    }
  }
  if (j.cut) return;
  if (start < bytes.length && !j.overlong) {
    const rest = bytes.subarray(start);
    if ((j.carry?.length ?? 0) + rest.length > MAX_LINE_CHARS * 4) {
      j.overlong = true;
      j.carry = null;
    } else j.carry = j.carry ? Buffer.concat([j.carry, rest]) : Buffer.from(rest);
  }
}

/** The line from `start` to the newline at `nl`, after what was carried over. */
function endLine(j: Job, bytes: Buffer, start: number, nl: number): void {
  if (j.overlong) skip(j, tooLong);
  else if (j.carry) line(j, Buffer.concat([j.carry, bytes.subarray(start, nl)]).toString('utf8'));
  else line(j, bytes.toString('utf8', start, nl));
  j.carry = null;
  j.overlong = false;
}

/** The whole lines of `bytes` from `from` on when they are ASCII: where the rest starts (`from` when they are not). */
function asciiLines(j: Job, bytes: Buffer, from: number): number {
  if (!isAscii(from === 0 ? bytes : bytes.subarray(from))) return from;
  let start = from;
  while (start < bytes.length && !j.cut) {
    let nl = bytes.lastIndexOf(10, Math.min(bytes.length, start + ASCII_UNIT) - 1);
    if (nl < start) nl = bytes.indexOf(10, start + ASCII_UNIT);
    if (nl < 0) break;
    const unit = bytes.toString('latin1', start, nl + 1);
    for (let p = 0; p < unit.length && !j.cut;) {
      const q = unit.indexOf('\n', p);
      line(j, unit.substring(p, q));
      p = q + 1;
    }
    start = nl + 1;
  }
  return start;
}

function finish(j: Job): void {
  if (j.finished) return;
  j.finished = true;
  if (!j.cut) {
    if (j.overlong) skip(j, tooLong);
    else if (j.carry) line(j, j.carry.toString('utf8'));
  }
  const evidence = j.reader.finish();
  const cut = j.cut;
  if (cut) {
    evidence.missing.push(cutNote(cut));
    evidence.unreadable.push({
      lines: [cut.line, cut.line],
      reason: `not read: ${cut.reason === 'time-budget' ? 'the time budget ran out here' : 'this line could not be read within the time budget'}; nothing from here on was read`,
    });
  }
  const diagnosis = diagnosePaste(evidence, cut ? { cutNote: cutNote(cut) } : {});
  job = null;
  // Rendering needs neither the tasks nor the reports: not copied to the caller's thread.
  const sent = j.forRendering ? { ...evidence, tasks: [], reports: [] } : evidence;
  post({ kind: 'done', job: j.job, evidence: sent, diagnosis, lines: j.n, ...(cut ? { cut } : {}) });
}

function post(m: FromWorker): void {
  Atomics.store(progress, 1, 0);
  port.postMessage(m);
}

port.on('message', (m: ToWorker) => {
  Atomics.store(progress, 1, 1); // busy
  try {
    if (m.kind === 'start') {
      const { kind: _kind, ...spec } = m;
      job = { ...spec, deadline: Date.now() + m.budgetMs, reader: createPasteReader(), n: 0, cut: null, carry: null, overlong: false, finished: false };
      Atomics.store(progress, 0, 0);
      Atomics.store(progress, 1, 0);
      Atomics.store(progress, 2, 0);
      return;
    }
    const j = job;
    if (!j || j.job !== m.job) {
      Atomics.store(progress, 1, 0);
      return;
    } // a job that already ended
    switch (m.kind) {
      case 'chunk':
        chunk(j, Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
        post(j.cut ? { kind: 'cut', job: j.job, line: j.cut.line } : { kind: 'ack', job: j.job });
        return;
      case 'fd': {
        // One buffer, reused: a file of any size costs this thread 1 MiB (lines are decoded to strings as they are read).
        const buf = Buffer.allocUnsafe(1 << 20);
        for (;;) {
          if (j.cut) break;
          const got = readSync(m.fd, buf, 0, buf.length, null);
          if (got === 0) break;
          chunk(j, buf.subarray(0, got));
        }
        finish(j);
        return;
      }
      case 'stop':
        if (!j.cut) j.cut = { line: j.n + 1, reason: 'time-budget', budgetMs: j.budgetMs };
        finish(j);
        return;
      case 'end':
        finish(j);
        return;
    }
  } catch (err) {
    job = null;
    const code = (err as NodeJS.ErrnoException).code;
    post({ kind: 'error', job: m.job, message: (err as Error).message ?? String(err), ...(code ? { code } : {}) });
  }
});

post({ kind: 'ready' });
