import { emptyEvidence, type BackendEvent, type Evidence, type KernelReport, type LogNote, type Unreadable } from './evidence';
import { createTaskTable, type TaskTable } from './task-table';
import { logTimeScale } from './log-time-scale';
import { isMonoTime, timeSeconds } from '../paste/kernel-log-time';

const MAX_REPORTS = 5000;

/**
 * Collects evidence while a source is read, bounded in memory: repeated
 * kernel reports and log lines are counted, not stored again.
 */
export interface EvidenceBuilder {
  readonly evidence: Evidence;
  readonly tasks: TaskTable;
  addReport(r: KernelReport): void;
  addBackend(e: Pick<BackendEvent, 'kind' | 'subsystem' | 'target'>, time: string, text: string): void;
  addNote(kind: LogNote['kind'], target: string, time: string, text: string): void;
  addInput(kind: string, line: number): void;
  addUnreadable(line: number, reason: string): void;
  /** A log line's time as printed: the evidence keeps the oldest and newest per clock (its span and its "now"). */
  logTime(time: string): void;
  build(): Evidence;
}

export function createEvidenceBuilder(source: Evidence['source']): EvidenceBuilder {
  const evidence = emptyEvidence(source);
  const tasks = createTaskTable();
  const reports = new Map<string, KernelReport>();
  const backend = new Map<string, BackendEvent>();
  const notes = new Map<string, LogNote>();
  let droppedReports = 0;
  let lastLogTime = '';
  const spanSeconds = new Map<string, { first: number; last: number }>();
  let lastScale = '';
  let lastSpan: { first: string; last: string } | undefined;
  let lastAt: { first: number; last: number } | undefined;

  const reportKey = (r: KernelReport): string =>
    `${r.kind}|${r.comm ?? ''}|${r.pid ?? ''}|${r.victim?.pid ?? ''}|${r.cpu ?? ''}|${r.rip ?? ''}|${r.frames
      .slice(0, 8)
      .map((f) => f.fn)
      .join(',')}`;

  function extendSpan<T extends { lines: [number, number] }>(list: T[], line: number, same: (x: T) => boolean, make: () => T): void {
    const last = list[list.length - 1];
    if (last && same(last) && line - last.lines[1] <= 2) last.lines[1] = line;
    else list.push(make());
  }

  return {
    evidence,
    tasks,
    addReport(r) {
      const key = reportKey(r);
      const seen = reports.get(key);
      if (seen) {
        seen.count += r.count;
        if (r.time) seen.lastTime = r.lastTime ?? r.time;
        return;
      }
      if (reports.size >= MAX_REPORTS) {
        droppedReports++;
        return;
      }
      reports.set(key, r);
    },
    addBackend(e, time, text) {
      const key = `${e.kind}|${e.target}`;
      const seen = backend.get(key);
      if (seen) {
        seen.count++;
        seen.last = { time, text };
        return;
      }
      backend.set(key, { ...e, first: { time, text }, last: { time, text }, count: 1 });
    },
    addNote(kind, target, time, text) {
      const key = `${kind}|${target}`;
      const seen = notes.get(key);
      if (seen) {
        seen.count++;
        seen.last = { time, text };
        return;
      }
      notes.set(key, { kind, target, count: 1, first: { time, text }, last: { time, text } });
    },
    addInput(kind, line) {
      // extendSpan, inlined: called for every line read.
      const list = evidence.inputs;
      const last = list[list.length - 1];
      if (last && last.kind === kind && line - last.lines[1] <= 2) last.lines[1] = line;
      else list.push({ kind, lines: [line, line] });
    },
    logTime(time) {
      if (time === lastLogTime) return;
      lastLogTime = time;
      const secs = timeSeconds(time);
      // Every time but '' is on some clock.
      if (secs === undefined) return;
      // Monotonic seconds, the common case, told without a pattern (the shape logTimeScale calls 'mono').
      const scale = isMonoTime(time) ? 'mono' : logTimeScale(time)!;
      // The clock of the line before, most often this line's: its span at hand.
      let span = lastSpan;
      let at = lastAt;
      if (scale !== lastScale || !span || !at) {
        const spans = ((evidence.clock ??= {}).logSpans ??= {});
        span = spans[scale];
        at = spanSeconds.get(scale);
        if (!span || !at) {
          spans[scale] = { first: time, last: time };
          spanSeconds.set(scale, { first: secs, last: secs });
          return;
        }
        lastScale = scale;
        lastSpan = span;
        lastAt = at;
      }
      if (secs > at.last) {
        span.last = time;
        at.last = secs;
      } else if (secs < at.first) {
        span.first = time;
        at.first = secs;
      }
    },
    addUnreadable(line, reason) {
      extendSpan<Unreadable>(
        evidence.unreadable,
        line,
        (x) => x.reason === reason,
        () => ({ lines: [line, line], reason }),
      );
    },
    build() {
      evidence.tasks = tasks.all();
      evidence.reports = [...reports.values()];
      evidence.backend = [...backend.values()];
      evidence.notes = [...notes.values()];
      if (tasks.dropped) evidence.missing.push(`${tasks.dropped} tasks beyond the first 50000 were not kept`);
      if (droppedReports) evidence.missing.push(`${droppedReports} distinct kernel reports beyond the first ${MAX_REPORTS} were only counted`);
      return evidence;
    },
  };
}
