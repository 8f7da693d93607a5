import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Diagnosis } from '../../../bot/src/diagnosis/finding';

export interface Expected {
  must: string[];
  may?: string[];
  must_not: string[];
  /** pid null: the evidence never prints it (not scored, but the kill9 rule holds for the task by name). */
  key_tasks: { pid: number | null; comm: string | null; kill9_effective: boolean | null }[];
  /** A kind, a list of kinds any one of which is right, or null when the evidence cannot fix it. */
  zombie_kind?: string | string[] | null;
  /** World corpus: Kubernetes objects whose names must appear in some finding. */
  key_objects?: { kind: string; name: string }[];
  root_cause?: string;
  /** Finding id -> 'now' | 'earlier' where the evidence fixes it (issue 14): every finding of that id says so. */
  when?: Record<string, 'now' | 'earlier'>;
}

/**
 * Cases whose expectations whystuck does not meet yet, with why. Their tests
 * are `it.failing`: they pass while the gap is there and fail the day it
 * closes, so the entry is removed then. Empty is the goal.
 */
export const KNOWN_GAPS: Record<string, string> = {};

export interface CorpusCase {
  name: string;
  dir: string;
  input: string;
  expected: Expected;
}

const FIXTURES = path.resolve(__dirname, '../../fixtures');
const ROOTS = [
  path.join(FIXTURES, 'corpus'),
  path.join(FIXTURES, 'cases'),
  path.join(FIXTURES, 'corpus-world'),
  // The team's shared corpora, when this checkout sits beside them: new cases there run too.
  path.resolve(__dirname, '../../../../shared/corpus'),
  path.resolve(__dirname, '../../../../shared/corpus-world'),
];

/** Every case folder (input.txt + expected.json) of the vendored corpora, our own cases and the shared ones. */
export function loadCases(filter: (name: string) => boolean = () => true): CorpusCase[] {
  const seen = new Map<string, CorpusCase>();
  for (const root of ROOTS) {
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort()) {
      const dir = path.join(root, name);
      if (seen.has(name) || !filter(name) || !existsSync(path.join(dir, 'expected.json'))) continue;
      seen.set(name, {
        name,
        dir,
        input: readFileSync(path.join(dir, 'input.txt'), 'utf8'),
        expected: JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected,
      });
    }
  }
  return [...seen.values()];
}

const SIGNALS_THAT_END = new Set(['SIGKILL', 'SIGTERM']);

/** What is wrong with a diagnosis against a case's expectations; [] when it passes. */
export function checkDiagnosis(d: Diagnosis, e: Expected): string[] {
  const ids = d.findings.map((f) => f.id as string);
  const problems: string[] = [];
  for (const id of e.must) if (!ids.includes(id)) problems.push(`missing finding ${id}`);
  for (const id of e.must_not) if (ids.includes(id)) problems.push(`wrong finding ${id}`);
  for (const k of e.key_tasks) {
    if (k.pid !== null && !d.findings.some((f) => f.tasks.some((t) => t.pid === k.pid || t.tid === k.pid))) problems.push(`key task ${k.comm} (${k.pid}) not named`);
    if (k.kill9_effective !== false) continue;
    for (const f of d.findings) {
      for (const r of f.remediations) {
        if (!r.signal || !SIGNALS_THAT_END.has(r.signal) || r.effective !== 'yes') continue;
        const same = k.pid !== null ? r.pid === k.pid : r.comm !== undefined && r.comm === k.comm;
        if (same) problems.push(`${f.id} claims ${r.signal} works on ${k.pid ?? k.comm}`);
      }
    }
  }
  if (e.zombie_kind) {
    const want = Array.isArray(e.zombie_kind) ? e.zombie_kind : [e.zombie_kind];
    const got = d.findings.filter((f) => f.id === 'zombie').map((f) => f.kind as string);
    if (!got.some((k) => want.includes(k))) problems.push(`zombie kind ${want.join('|')} expected, got ${got.join(',') || 'none'}`);
  }
  for (const [id, when] of Object.entries(e.when ?? {})) {
    const got = d.findings.filter((f) => f.id === id).map((f) => f.when ?? 'now');
    if (got.some((w) => w !== when)) problems.push(`${id} should be "${when}", is ${got.join(', ')}`);
  }
  for (const o of e.key_objects ?? []) {
    const named = d.findings.some((f) => [f.title, f.explanation, ...f.evidence].some((s) => s.includes(o.name)));
    if (!named) problems.push(`${o.kind} ${o.name} not named`);
  }
  return problems;
}
