import type { Evidence } from '../evidence/evidence';
import { createContext } from './context';
import { enforceVerdicts } from './enforce-verdicts';
import type { Finding } from './finding';
import type { Rule } from './rule';

/** Every rule on one piece of evidence; a rule that throws is reported in `missing`, not fatal. */
export function runRules(ev: Evidence, rules: Rule[], missing: string[] = ev.missing): Finding[] {
  const ctx = createContext(ev);
  const findings: Finding[] = [];
  for (const rule of rules) {
    try {
      findings.push(...rule.run(ctx));
    } catch (err) {
      missing.push(`rule ${rule.id} failed: ${(err as Error).message}`);
    }
  }
  // No rule overrides the kill verdict: signal remediations are re-derived from it.
  enforceVerdicts(findings, ctx);
  return findings;
}
