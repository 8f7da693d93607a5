import { diagnose } from '../../bot/src/diagnosis/engine';
import { parsePaste } from '../../bot/src/paste/paste-reader';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkDiagnosis, loadCases, type CorpusCase, type Expected } from '../helpers/bot/corpus-cases';

/**
 * Issue 14 on the corpus: where a case's evidence fixes when (its reports are
 * the newest lines of the paste; a storage message an hour old with tasks
 * still waiting on that storage), every finding of that id says so. The
 * shared expected.json files stay as they are: the expectation is kept here.
 */
const WHEN: Record<string, Record<string, 'now' | 'earlier'>> = {
  'r-001-hung-task-fuse-6x': { 'hung-task': 'now', 'uninterruptible-io': 'now' },
  'r-002-memcg-oom-kill-pod': { 'oom-kill': 'now' },
  // "ceph: full" an hour before the task dumps, and tasks still in D on the rbd devices: current, not history.
  's-002-ceph-full-d-state': { 'storage-backend-fault': 'now', 'uninterruptible-io': 'now' },
  's-003-soft-lockup-memcg-numa-stat': { 'soft-lockup': 'now' },
  'v15-nfs-not-responding-hung-task-rhel8-messages': { 'hung-task': 'now', 'storage-backend-fault': 'now' },
  'v28-oom-global-java-rhel7-messages': { 'oom-kill': 'now' },
  'w3-04-global-oom-influxd-container-still-up-dmesg-T': { 'oom-kill': 'now' },
};

/**
 * Our own case, kept out of the corpus roots (its point is the timestamps, which
 * the metamorphic tests strip): a hung-task report 41 min before the newest line
 * about a task ps no longer lists, zombies in ps now. Its expected.json has `when`.
 */
const RECENCY = path.join(__dirname, '../fixtures/recency');
const own: CorpusCase[] = readdirSync(RECENCY).map((name) => ({
  name,
  dir: path.join(RECENCY, name),
  input: readFileSync(path.join(RECENCY, name, 'input.txt'), 'utf8'),
  expected: JSON.parse(readFileSync(path.join(RECENCY, name, 'expected.json'), 'utf8')) as Expected,
}));
for (const c of own) WHEN[c.name] = c.expected.when ?? {};

const cases = [...loadCases((n) => n in WHEN), ...own];

describe('corpus: "when" where the evidence fixes it', () => {
  it('finds every case of the map', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(WHEN).sort());
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const d = diagnose(parsePaste(c.input));
    const when = WHEN[c.name];
    expect(checkDiagnosis(d, { ...c.expected, when })).toEqual([]);
    for (const id of Object.keys(when)) expect(d.findings.some((f) => f.id === id)).toBe(true);
    // Every finding says when, and when it was last seen; what is now ranks before what was.
    for (const f of d.findings) {
      expect(f.when).toMatch(/^(?:now|earlier)$/);
      expect(f.last_seen).toBeDefined();
    }
    const order = d.findings.map((f) => f.when);
    expect(order).toEqual([...order].sort((a, b) => (a === b ? 0 : a === 'now' ? -1 : 1)));
  });
});
