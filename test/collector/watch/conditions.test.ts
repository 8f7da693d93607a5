import { createConditionTracker, type Observation } from '../../../collector/src/watch/conditions';

const look = (atMs: number, tasks: Array<Partial<Observation['tasks'][number]>>, frozenPods: Observation['frozenPods'] = []): Observation => ({
  atMs,
  tasks: tasks.map((t, i) => ({ pid: 100 + i, tgid: 100 + i, state: 'S', podUid: 'pod-a', isPidNsInit: false, inTeardown: false, ...t })),
  frozenPods,
});
const d = (n: number, podUid = 'pod-a'): Array<Partial<Observation['tasks'][number]>> => Array.from({ length: n }, () => ({ state: 'D', podUid }));

describe('condition tracker', () => {
  const tracker = (persistMs = 30000) => createConditionTracker({ dTasks: 3, zombies: 5, persistMs });

  it('raises a D pile-up once it has held for the persist time, once, and clears it when it is gone', () => {
    const t = tracker();
    expect(t.observe(look(0, d(3)))).toEqual([]);
    expect(t.observe(look(20000, d(4)))).toEqual([]);
    const raised = t.observe(look(30000, d(4)));
    expect(raised).toEqual([expect.objectContaining({ kind: 'd-pileup', state: 'RAISED', pod_uid: 'pod-a', count: 4, since_unix_ms: 0 })]);
    expect(raised[0].detail).toMatch(/4 tasks in uninterruptible sleep/);
    expect(t.observe(look(40000, d(5)))).toEqual([]);
    expect(t.active()).toEqual([expect.objectContaining({ kind: 'd-pileup', count: 5 })]);
    expect(t.observe(look(50000, d(1)))).toEqual([expect.objectContaining({ kind: 'd-pileup', state: 'CLEARED', pod_uid: 'pod-a' })]);
    expect(t.active()).toEqual([]);
  });

  it('never raises a blip, and starts counting again after one', () => {
    const t = tracker();
    t.observe(look(0, d(3)));
    expect(t.observe(look(10000, d(2)))).toEqual([]); // below threshold: forgotten, nothing to clear
    t.observe(look(20000, d(3)));
    expect(t.observe(look(45000, d(3)))).toEqual([]); // only 25 s since it came back
    expect(t.observe(look(50000, d(3)))).toHaveLength(1);
  });

  it('keeps pods apart, and the host (pod "") is one more place', () => {
    const t = tracker(0);
    const ev = t.observe(look(0, [...d(3, 'pod-a'), ...d(2, 'pod-b'), ...d(3, '')]));
    expect(ev.map((e) => e.pod_uid).sort()).toEqual(['', 'pod-a']);
  });

  it('raises zombies only when their number grows while it is over the threshold', () => {
    const t = tracker(10000);
    const z = (n: number) => Array.from({ length: n }, () => ({ state: 'Z' }));
    t.observe(look(0, z(6)));
    expect(t.observe(look(20000, z(6)))).toEqual([]); // a stable set of zombies is not growth
    expect(t.observe(look(30000, z(9)))).toEqual([expect.objectContaining({ kind: 'zombie-growth', state: 'RAISED', count: 9 })]);
    expect(t.observe(look(40000, z(2)))).toEqual([expect.objectContaining({ kind: 'zombie-growth', state: 'CLEARED' })]);
  });

  it('names each stuck namespace teardown and each frozen pod', () => {
    const t = tracker(0);
    const ev = t.observe(
      look(
        0,
        [
          { pid: 7, tgid: 7, isPidNsInit: true, inTeardown: true },
          { pid: 9, tgid: 9, isPidNsInit: true, inTeardown: false },
        ],
        [{ podUid: 'pod-f', path: '/kubepods/podf' }],
      ),
    );
    expect(ev).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'pidns-teardown', pids: [7] }),
        expect.objectContaining({ kind: 'frozen-pod', pod_uid: 'pod-f', detail: expect.stringContaining('FROZEN') }),
      ]),
    );
    expect(ev).toHaveLength(2);
  });
});
