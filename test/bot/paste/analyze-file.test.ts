import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { diagnose } from '../../../bot/src/diagnosis/engine';
import { analyzeFileInWorker } from '../../../bot/src/paste/analyze-in-worker';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { loadCases } from '../../helpers/bot/corpus-cases';

/** A file given to the worker by descriptor (the CLI's FILE): read there as it would be here. */
describe('a file read by the analysis worker', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'whystuck-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the evidence reading the same text here gives; for rendering, without tasks and reports', async () => {
    const cases = loadCases(() => true);
    // Several chunks of the worker's reads, lines across their edges, some text not ASCII.
    const text = Array.from({ length: 40 }, (_, i) => cases[i % cases.length].input).join('\nété — prose\n');
    const file = path.join(dir, 'paste.txt');
    writeFileSync(file, text);
    // The worker diagnoses what it read, and the diagnosis adds to the evidence (placeholders, derived facts): so here too.
    const here = parsePaste(text);
    const diagnosis = diagnose(here);
    for (const forRendering of [false, true]) {
      const fd = openSync(file, 'r');
      try {
        const a = await analyzeFileInWorker(fd, { forRendering });
        expect(a.cut).toBeUndefined();
        expect(a.diagnosis.findings.map((f) => f.id)).toEqual(diagnosis.findings.map((f) => f.id));
        if (forRendering) {
          // What rendering uses comes back; the tasks and reports the findings already quote stay in the worker.
          expect(a.evidence.tasks).toEqual([]);
          expect(a.evidence.reports).toEqual([]);
          expect({ ...a.evidence, tasks: here.tasks, reports: here.reports }).toEqual(here);
        } else {
          expect(a.evidence).toEqual(here);
        }
      } finally {
        closeSync(fd);
      }
    }
  });

  it('reads an ASCII file (decoded a unit of lines at a time) as reading its text here does, long lines and chunk edges included', async () => {
    const cases = loadCases(() => true);
    const ascii = cases.map((c) => c.input.replace(/[^\x00-\x7f]/g, '?'));
    // Past the worker's 1 MiB reads and its 64 KiB units, with lines of 60,000 (read) and 70,000 characters (too long: skipped).
    const parts: string[] = [];
    for (let i = 0; parts.join('\n').length < 3_000_000; i++) {
      parts.push(ascii[i % ascii.length]);
      if (i % 50 === 7) parts.push(`[ ${i}.5] ${'x'.repeat(60_000)}`);
      if (i % 50 === 31) parts.push('y'.repeat(70_000));
    }
    const text = parts.join('\n');
    const file = path.join(dir, 'ascii.txt');
    writeFileSync(file, text);
    const here = parsePaste(text);
    // The worker diagnoses what it read, which adds derived facts to the evidence: so here too.
    const diagnosis = diagnose(here);
    const fd = openSync(file, 'r');
    try {
      const a = await analyzeFileInWorker(fd, {});
      expect(a.diagnosis.findings.map((f) => f.id)).toEqual(diagnosis.findings.map((f) => f.id));
      expect(a.cut).toBeUndefined();
      expect(a.evidence.unreadable.some((u) => /longer than/.test(u.reason))).toBe(true);
      expect(a.evidence).toEqual(here);
    } finally {
      closeSync(fd);
    }
  });
});
