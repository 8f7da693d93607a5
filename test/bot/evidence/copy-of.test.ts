import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyOf } from '../../../bot/src/evidence/copy-of';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { diagnosePaste } from '../../../bot/src/diagnosis/entry';

/** The copy each question gets of a shared reading (entry.ts, from-snapshot.ts): what structuredClone gave, faster. */
describe('copyOf', () => {
  it('copies deeply: equal, nothing shared with the original, an object reached twice is one object in the copy', () => {
    const task = { pid: 7, comm: 'stat', stack: [{ fn: 'request_wait_answer', offset: '0x1d8' }], note: undefined };
    const original = { tasks: [task], findings: [{ id: 'uninterruptible-io', tasks: [task], evidence: ['7 stat state=D'] }], empty: {}, n: null as null };
    const c = copyOf(original);
    expect(c).toEqual(original);
    expect(c).toStrictEqual(structuredClone(original));
    expect('note' in c.tasks[0]).toBe(true);
    expect(c.tasks[0]).not.toBe(task);
    expect(c.findings[0].tasks[0]).toBe(c.tasks[0]);
    c.tasks[0].stack[0].fn = 'changed';
    c.findings[0].evidence.push('more');
    expect(task.stack[0].fn).toBe('request_wait_answer');
    expect(original.findings[0].evidence).toEqual(['7 stat state=D']);
  });

  it('hands what is not a plain object or an array to structuredClone, and keeps cycles', () => {
    const when = new Date(1_700_000_000_000);
    const byPod = new Map([['pod-a', { count: 2 }]]);
    const ring: { self?: unknown; when: Date; byPod: Map<string, { count: number }> } = { when, byPod };
    ring.self = ring;
    const c = copyOf(ring);
    expect(c.self).toBe(c);
    expect(c.when).toEqual(when);
    expect(c.when).not.toBe(when);
    expect(c.byPod.get('pod-a')).toEqual({ count: 2 });
    expect(c.byPod).not.toBe(byPod);
  });

  it('on real evidence and diagnoses (the shared corpus): the same as structuredClone', () => {
    const dir = join(__dirname, '..', '..', 'fixtures', 'corpus');
    const cases = readdirSync(dir)
      .filter((n) => !n.includes('.'))
      .slice(0, 25);
    expect(cases.length).toBeGreaterThan(10);
    for (const name of cases) {
      const evidence = parsePaste(readFileSync(join(dir, name, 'input.txt'), 'utf8'));
      const reading = { evidence, diagnosis: diagnosePaste(evidence) };
      expect(copyOf(reading)).toStrictEqual(structuredClone(reading));
    }
  });
});
