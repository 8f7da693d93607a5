import { diagnose } from '../../bot/src/diagnosis/engine';
import { parsePaste } from '../../bot/src/paste/paste-reader';
import { checkDiagnosis, loadCases } from '../helpers/bot/corpus-cases';

const cases = loadCases();

describe('corpus: every case gets its expected findings', () => {
  it('has the shared corpus vendored', () => {
    expect(cases.filter((c) => /^[rs]-\d{3}-/.test(c.name)).length).toBeGreaterThanOrEqual(11);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const d = diagnose(parsePaste(c.input));
    expect(checkDiagnosis(d, c.expected)).toEqual([]);
    // Never a button for something that cannot work: every remediation says why.
    for (const f of d.findings) for (const r of f.remediations) expect(r.why.length).toBeGreaterThan(10);
  });
});
