import type { DiagnosisContext } from './context';
import type { Finding, FindingId } from './finding';

export interface Rule {
  id: FindingId;
  run(ctx: DiagnosisContext): Finding[];
}

type Required = Pick<Finding, 'id' | 'title' | 'explanation'>;

/** A finding with empty lists and a middling severity/confidence unless given. */
export function finding(f: Required & Partial<Finding>): Finding {
  const base: Finding = { severity: 'warning', confidence: 0.7, evidence: [], tasks: [], remediations: [], references: [], ...f };
  base.evidence = [...new Set(base.evidence)].slice(0, 40);
  return base;
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function uniqueBy<T>(items: T[], key: (t: T) => string | number): T[] {
  const seen = new Set<string | number>();
  return items.filter((x) => {
    const k = key(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
