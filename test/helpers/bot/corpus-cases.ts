import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Diagnosis } from '../../../bot/src/diagnosis/finding';

export interface Expected {
  must: string[];
  may?: string[];
  must_not: string[];
  key_tasks: { pid: number; comm: string; kill9_effective: boolean | null }[];
  zombie_kind?: string;
  root_cause?: string;
}

export interface CorpusCase { name: string; dir: string; input: string; expected: Expected }

const ROOTS = [
  path.resolve(__dirname, '../../fixtures/corpus'),
  path.resolve(__dirname, '../../fixtures/cases'),
  // The team's shared corpus, when this checkout sits beside it: new cases there run too.
  path.resolve(__dirname, '../../../../shared/corpus'),
];

/** Every case folder (input.txt + expected.json) of the vendored corpus, our own cases and the shared corpus. */
export function loadCases(): CorpusCase[] {
  const seen = new Map<string, CorpusCase>();
  for (const root of ROOTS) {
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort()) {
      const dir = path.join(root, name);
      if (seen.has(name) || !existsSync(path.join(dir, 'expected.json'))) continue;
      seen.set(name, {
        name, dir,
        input: readFileSync(path.join(dir, 'input.txt'), 'utf8'),
        expected: JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected,
      });
    }
  }
  return [...seen.values()];
}

/** What is wrong with a diagnosis against a case's expectations; [] when it passes. */
export function checkDiagnosis(d: Diagnosis, e: Expected): string[] {
  const ids = d.findings.map((f) => f.id as string);
  const problems: string[] = [];
  for (const id of e.must) if (!ids.includes(id)) problems.push(`missing finding ${id}`);
  for (const id of e.must_not) if (ids.includes(id)) problems.push(`wrong finding ${id}`);
  for (const k of e.key_tasks) {
    if (!d.findings.some((f) => f.tasks.some((t) => t.pid === k.pid || t.tid === k.pid))) problems.push(`key task ${k.comm} (${k.pid}) not named`);
    if (k.kill9_effective === false) {
      for (const f of d.findings) {
        for (const r of f.remediations) {
          if (r.pid === k.pid && (r.signal === 'SIGKILL' || r.signal === 'SIGTERM') && r.effective === 'yes') problems.push(`${f.id} claims ${r.signal} works on ${k.pid}`);
        }
      }
    }
  }
  if (e.zombie_kind && !d.findings.some((f) => f.id === 'zombie' && f.kind === e.zombie_kind)) {
    problems.push(`zombie kind ${e.zombie_kind} expected, got ${d.findings.filter((f) => f.id === 'zombie').map((f) => f.kind).join(',') || 'none'}`);
  }
  return problems;
}
