import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runAnalyze } from '../../../bot/src/cli/analyze-command';
import { loadCases } from '../../helpers/bot/corpus-cases';

function io(stdin: string | Buffer = '') {
  const out: string[] = [];
  const err: string[] = [];
  const input = Object.assign(Readable.from([Buffer.from(stdin)]), { isTTY: false });
  return { io: { stdin: input, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } }, out, err };
}

const record = loadCases((n) => n.startsWith('r-001'))[0].input;
const filler = (n: number): string =>
  Array.from(
    { length: n },
    (_, i) =>
      `Mar  7 18:${String(20 + (Math.floor(i / 60000) % 40)).padStart(2, '0')}:${String(Math.floor(i / 1000) % 60).padStart(2, '0')} node-7 kernel: device veth${i % 97} entered promiscuous mode`,
  ).join('\n');

describe('whystuck analyze --time-budget', () => {
  it('past the budget it diagnoses what it read and says at which line it stopped', async () => {
    const big = Buffer.from(`${record}\n${filler(400_000)}\n`);
    const t = io(big);
    expect(await runAnalyze(['-', '--time-budget', '0.5'], t.io)).toBe(0);
    const text = t.out.join('');
    expect(text.split('\n')[0]).toMatch(/FUSE daemon .*\(input cut at line \d+: the 0\.5 s time budget ran out/);
    expect(text).toMatch(/Missing: input cut at line \d+/);
    const json = io(big);
    expect(await runAnalyze(['--time-budget=0.5', '--json', '-'], json.io)).toBe(0);
    const doc = JSON.parse(json.out.join(''));
    expect(doc.missing.join('\n')).toMatch(/input cut at line \d+: the 0\.5 s time budget ran out/);
    expect(doc.findings.map((f: { id: string }) => f.id)).toEqual(expect.arrayContaining(['hung-task']));
  });

  it('a FILE is read by the worker itself (by descriptor), with the same budget', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whystuck-budget-'));
    try {
      const file = join(dir, 'dmesg.txt');
      writeFileSync(file, `${record}\n${filler(400_000)}\n`);
      const t = io();
      expect(await runAnalyze([file, '--time-budget', '0.5'], t.io)).toBe(0);
      expect(t.out.join('').split('\n')[0]).toMatch(/FUSE daemon .*\(input cut at line \d+: the 0\.5 s time budget ran out/);
      const whole = io();
      expect(await runAnalyze([join(dir, 'small.txt')], whole.io)).toBe(2);
      writeFileSync(join(dir, 'small.txt'), record);
      expect(await runAnalyze([join(dir, 'small.txt')], whole.io)).toBe(0);
      expect(whole.out.join('')).not.toMatch(/input cut/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('within the budget (or with 0 = no limit) nothing is cut', async () => {
    for (const args of [['-'], ['-', '--time-budget', '0'], ['-', '--time-budget', '30']]) {
      const t = io(record);
      expect(await runAnalyze(args, t.io)).toBe(0);
      expect(t.out.join('')).not.toMatch(/input cut/);
    }
  });

  it('a budget that is not a number of seconds is a usage error', async () => {
    for (const args of [
      ['-', '--time-budget'],
      ['-', '--time-budget', 'soon'],
      ['--time-budget=-1', '-'],
    ]) {
      const t = io(record);
      expect(await runAnalyze(args, t.io)).toBe(2);
      expect(t.err.join('')).toMatch(/--time-budget needs a number of seconds/);
    }
  });
});
