import { diagnose } from '../../bot/src/diagnosis/engine';
import { parsePaste } from '../../bot/src/paste/paste-reader';
import { checkDiagnosis, KNOWN_GAPS, loadCases, type CorpusCase } from '../helpers/bot/corpus-cases';

const cases = loadCases();

describe('corpus: every case gets its expected findings', () => {
  it('has the shared corpus vendored', () => {
    expect(cases.filter((c) => /^[rs]-\d{3}-/.test(c.name)).length).toBeGreaterThanOrEqual(11);
  });

  const check = (c: CorpusCase): void => {
    const d = diagnose(parsePaste(c.input));
    expect(checkDiagnosis(d, c.expected)).toEqual([]);
    // Never a button for something that cannot work: every remediation says why.
    for (const f of d.findings) for (const r of f.remediations) expect(r.why.length).toBeGreaterThan(10);
  };
  const open = cases.filter((c) => !KNOWN_GAPS[c.name]);
  it.each(open.map((c) => [c.name, c] as const))('%s', (_name, c) => check(c));

  // Known gaps (see KNOWN_GAPS for why): these fail today; the day one passes, remove it from the list.
  const gaps = cases.filter((c) => KNOWN_GAPS[c.name]);
  if (gaps.length) it.failing.each(gaps.map((c) => [c.name, c] as const))('known gap: %s', (_name, c) => check(c));

  it('runs every world case (../shared/corpus-world vendored)', () => {
    expect(cases.filter((c) => /^w\d-\d{2}-/.test(c.name)).length).toBeGreaterThanOrEqual(34);
    expect(cases.filter((c) => /^k8s-\d{2}-/.test(c.name)).length).toBeGreaterThanOrEqual(12);
  });
});
