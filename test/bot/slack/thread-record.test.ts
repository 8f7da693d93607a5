import { emptyEvidence, newTask, type Task } from '../../../bot/src/evidence/evidence';
import type { Investigation } from '../../../bot/src/conversation/investigate-pod';
import type { ThreadContext } from '../../../bot/src/conversation/thread-context';
import { STORED_TASKS_MAX, threadFromRecord, threadToRecord } from '../../../bot/src/conversation/thread-record';
import { dmesgAnswer, stackAnswer, treeAnswer } from '../../../bot/src/conversation/thread-followups';

const task = (tid: number, state: string, ppid: number, over: Partial<Task> = {}): Task => ({ ...newTask(tid, `t${tid}`), pid: tid, ppid, state, lines: [`line of ${tid}`], ...over });

function investigation(tasks: Task[]): Extract<Investigation, { status: 'ok' }> {
  const evidence = { ...emptyEvidence('snapshot'), tasks };
  evidence.reports.push({ kind: 'hung-task', time: '12.5', headline: 'INFO: task t7:7 blocked for more than 120 seconds.', frames: [], count: 2, lines: ['a long call trace', 'more of it'] });
  return {
    status: 'ok',
    node: 'node-a',
    evidence,
    takenAt: 1,
    diagnosis: {
      summary: 'zombies',
      findings: [
        {
          id: 'zombie',
          severity: 'warning',
          confidence: 0.9,
          title: 'zombies',
          explanation: '',
          evidence: [],
          references: [],
          remediations: [],
          tasks: [{ pid: 42, tid: 42, comm: 't42', state: 'S', role: 'parent' }],
        },
      ],
    },
  } as unknown as Extract<Investigation, { status: 'ok' }>;
}

const ctxWith = (inv: Investigation): ThreadContext => ({
  channel: 'C0INCIDENT',
  ts: '1700000000.000100',
  target: { kind: 'node', node: 'node-a' },
  last: inv,
  escalated: new Set(['whystuck/node-a/-/zombie']),
  escalatedOnce: true,
  acted: true,
  overflow: ['more text'],
  autoEscalation: { at: 1, cancel: () => undefined, armedBy: inv as Extract<Investigation, { status: 'ok' }> },
});

describe('thread context as the store keeps it', () => {
  it('round-trips what follow-ups, Escalate and show more need; the timer stays behind; raw lines are dropped', () => {
    const inv = investigation([task(1, 'S', 0), task(42, 'S', 1), task(43, 'Z', 42), task(7, 'D', 1, { stack: [{ fn: 'io_schedule', offset: '+0x12/0x40', module: '', unreliable: false }] })]);
    const back = threadFromRecord(threadToRecord(ctxWith(inv)))!;
    expect(back).toMatchObject({ channel: 'C0INCIDENT', ts: '1700000000.000100', target: { kind: 'node', node: 'node-a' }, escalatedOnce: true, acted: true, overflow: ['more text'] });
    expect([...back.escalated]).toEqual(['whystuck/node-a/-/zombie']);
    expect(back.autoEscalation).toBeUndefined();
    const ev = (back.last as Extract<Investigation, { status: 'ok' }>).evidence;
    expect(ev.tasks.map((t) => t.lines)).toEqual([[], [], [], []]);
    expect(ev.reports[0]).toMatchObject({ lines: [], frames: [] });
    // The answers read the same from the stored copy.
    expect(stackAnswer(ev, '7')).toBe(stackAnswer(inv.evidence, '7'));
    expect(treeAnswer(ev)).toBe(treeAnswer(inv.evidence));
    expect(dmesgAnswer(ev)).toBe(dmesgAnswer(inv.evidence));
  });

  it("a whole-node snapshot keeps the findings' tasks, the stuck ones and their parents, and says so", () => {
    const quiet = Array.from({ length: STORED_TASKS_MAX + 500 }, (_, i) => task(1000 + i, 'S', 1));
    const inv = investigation([task(1, 'S', 0), task(42, 'S', 1), task(43, 'Z', 42), task(50, 'S', 1), task(51, 'S', 50), task(52, 'D', 51), ...quiet]);
    const rec = threadToRecord(ctxWith(inv));
    const ev = (threadFromRecord(rec)!.last as Extract<Investigation, { status: 'ok' }>).evidence;
    expect(ev.tasks.map((t) => t.tid).sort((a, b) => a - b)).toEqual([1, 42, 43, 50, 51, 52]);
    expect(ev.missing.at(-1)).toMatch(/only 6 of 2506 tasks kept for follow-ups/);
    expect(rec.data.length).toBeLessThan(20_000);
  });

  it('a record this version cannot read is an unknown thread, not a crash', () => {
    expect(threadFromRecord({ channel: 'C', ts: '1', data: 'not json' })).toBeUndefined();
    expect(threadFromRecord({ channel: 'C', ts: '1', data: '{"v":2,"target":{}}' })).toBeUndefined();
  });
});
