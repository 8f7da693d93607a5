import { PassThrough, Readable } from 'node:stream';
import { diagnose } from '../../../bot/src/diagnosis/engine';
import { AnalysisStalled, analyzeStreamInWorker, analyzeTextInWorker } from '../../../bot/src/paste/analyze-in-worker';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { loadCases } from '../../helpers/bot/corpus-cases';

/** Counts setInterval ticks while `work` runs: the event loop must keep turning. */
async function ticking<T>(work: () => Promise<T>): Promise<{ value: T; ticks: number; longestGapMs: number }> {
  let ticks = 0;
  let last = Date.now();
  let longestGapMs = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
    ticks++;
  }, 10);
  try {
    const value = await work();
    return { value, ticks, longestGapMs };
  } finally {
    clearInterval(timer);
  }
}

const ids = (d: { findings: { id: string; kind?: string }[] }): string[] => d.findings.map((f) => `${f.id}${f.kind ? `/${f.kind}` : ''}`);

describe('analysis off the event loop, with a time budget', () => {
  const cases = loadCases((n) => /^(?:s-001|s-005|r-001|v09|w1-05)/.test(n));

  it('gives the same diagnosis as reading on the main thread (text and stream, any chunking)', async () => {
    expect(cases.length).toBeGreaterThanOrEqual(4);
    for (const c of cases) {
      const here = diagnose(parsePaste(c.input));
      const text = await analyzeTextInWorker(c.input);
      expect(ids(text.diagnosis)).toEqual(ids(here));
      expect(text.diagnosis.summary).toBe(here.summary);
      expect(text.cut).toBeUndefined();
      const bytes = Buffer.from(c.input);
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
      const stream = await analyzeStreamInWorker(Readable.from(chunks));
      expect(ids(stream.diagnosis)).toEqual(ids(here));
      expect(stream.evidence.inputs).toEqual(parsePaste(c.input).inputs);
    }
  });

  it('when the budget runs out, it diagnoses what it read and says where it cut; the event loop keeps ticking', async () => {
    const record = cases.find((c) => c.name.startsWith('r-001'))!.input;
    const big = `${record}\n${Array.from({ length: 600_000 }, (_, i) => `Mar  7 18:${String(20 + (Math.floor(i / 60000) % 40)).padStart(2, '0')}:${String(Math.floor(i / 1000) % 60).padStart(2, '0')} node-7 kernel: device veth${i % 97} entered promiscuous mode`).join('\n')}\n`;
    // Building the test's own 30 MB string leaves work (flattening, GC) that is not the analysis': let it happen first.
    big.charCodeAt(big.length - 1);
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    // A budget well short of what reading it all takes (some 600 ms to 1 s on the development VM).
    const { value, ticks, longestGapMs } = await ticking(() => analyzeTextInWorker(big, { budgetMs: 300 }));
    const elapsed = Date.now() - t0;
    expect(value.cut).toMatchObject({ reason: 'time-budget', budgetMs: 300 });
    expect(value.cut!.line).toBeGreaterThan(1);
    expect(value.cut!.line).toBeLessThan(600_000);
    expect(value.diagnosis.summary).toContain(`input cut at line ${value.cut!.line}: the 0.3 s time budget ran out`);
    expect(value.evidence.missing.join('\n')).toMatch(/input cut at line \d+/);
    // What came before the cut was read and diagnosed.
    expect(ids(value.diagnosis)).toEqual(expect.arrayContaining(ids(diagnose(parsePaste(record)))));
    // The event loop kept turning all along (loose bounds: a loaded CI box delays timers by itself).
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(ticks).toBeGreaterThan(elapsed / 100);
    expect(longestGapMs).toBeLessThan(500);
  });

  it('a line that holds the reader past the budget: the worker is ended, the text read again up to that line', async () => {
    const record = cases.find((c) => c.name.startsWith('s-005'))!.input;
    const lines = record.split('\n');
    const text = `${record}\nthe line that never ends\nmore text after it`;
    const stallAt = lines.length + 1;
    const { value, longestGapMs } = await ticking(() => analyzeTextInWorker(text, { budgetMs: 200, graceMs: 300, stallForTest: { line: stallAt, ms: 30_000 } }));
    expect(value.cut).toEqual({ line: stallAt, reason: 'stalled', budgetMs: 200 });
    expect(value.diagnosis.summary).toContain(`input cut at line ${stallAt}: reading that line took longer than the 0.2 s time budget`);
    // Everything before the line was read: the same findings as the record alone.
    expect(ids(value.diagnosis)).toEqual(ids(diagnose(parsePaste(record))));
    expect(value.diagnosis.findings.length).toBeGreaterThan(0);
    expect(longestGapMs).toBeLessThan(500);
  });

  it('a stream that stalls the reader cannot be read again: AnalysisStalled names the line', async () => {
    const input = Readable.from([Buffer.from('line one\nline two\nline three\n')]);
    await expect(analyzeStreamInWorker(input, { budgetMs: 100, graceMs: 200, stallForTest: { line: 2, ms: 30_000 } })).rejects.toEqual(expect.objectContaining({ name: 'AnalysisStalled', line: 2 }));
    expect(new AnalysisStalled(2, 100).message).toMatch(/line 2/);
  });

  it('an input that stops sending is cut at the budget instead of waiting for ever', async () => {
    const record = cases.find((c) => c.name.startsWith('r-001'))!.input;
    const input = new PassThrough();
    input.write(`${record}\n`);
    const t0 = Date.now();
    const value = await analyzeStreamInWorker(input, { budgetMs: 300 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(value.cut).toMatchObject({ reason: 'time-budget' });
    expect(value.cut!.line).toBe(record.split('\n').length + 1);
    expect(ids(value.diagnosis)).toEqual(ids(diagnose(parsePaste(record))));
    expect(input.destroyed).toBe(true);
  });

  it('a read error of the stream propagates', async () => {
    const input = new Readable({
      read() {
        this.destroy(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
      },
    });
    await expect(analyzeStreamInWorker(input)).rejects.toMatchObject({ code: 'EACCES' });
  });
});
