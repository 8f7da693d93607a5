import { diagnose } from '../../../bot/src/diagnosis/engine';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { loadCases } from '../../helpers/bot/corpus-cases';

/** A small deterministic PRNG so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe('never crashes on mangled input', () => {
  const cases = loadCases();
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: truncated, shuffled, spliced and re-encoded pastes', (seed) => {
    const rand = rng(seed);
    for (const c of cases) {
      const lines = c.input.split('\n');
      const variants = [
        lines.slice(0, Math.floor(rand() * lines.length)).join('\n'),
        lines.map((l) => (rand() < 0.2 ? l.slice(0, Math.floor(rand() * l.length)) : l)).join('\n'),
        [...lines].sort(() => rand() - 0.5).join('\n'),
        lines.map((l) => (rand() < 0.1 ? Buffer.from(l, 'utf8').toString('latin1') : l)).join('\r\n'),
        lines.map((l) => l.replace(/\d+/g, (d) => (rand() < 0.3 ? String(Number(d) * 7) : d))).join('\n'),
      ];
      for (const v of variants) {
        const ev = parsePaste(v);
        const d = diagnose(ev);
        expect(ev.missing.filter((m) => m.startsWith('rule '))).toEqual([]);
        expect(typeof d.summary).toBe('string');
        for (const f of d.findings) {
          expect(f.explanation.length).toBeGreaterThan(0);
          // Nothing dead or frozen is ever promised to die by a signal.
          for (const r of f.remediations) {
            const t = f.tasks.find((x) => x.pid === r.pid);
            if (r.signal === 'SIGKILL' && r.effective === 'yes' && t && f.id !== 'zombie') expect(t.state).not.toBe('Z');
          }
        }
      }
    }
  });
});
