import { inheritPods, type AttributionTable } from '../../../collector/src/snapshot/build-tasks';

/** The attribution as it was written first (every task walks its ancestors): the reference. */
function reference(t: AttributionTable, hostPidNs: number): Array<[number, number, string]> {
  const byTid = new Map<number, number>();
  for (let i = 0; i < t.count; i++) byTid.set(t.tid(i), i);
  const nsPod = new Map<number, number>();
  for (let i = 0; i < t.count; i++) {
    const ns = t.pidNs(i);
    if (t.hasPod(i) && ns && ns !== hostPidNs && !nsPod.has(ns)) nsPod.set(ns, i);
  }
  const out: Array<[number, number, string]> = [];
  for (let i = 0; i < t.count; i++) {
    if (t.hasPod(i) || t.isKernelThread(i)) continue;
    const seen = new Set<number>();
    let p = byTid.get(t.ppid(i));
    while (p !== undefined && !t.hasPod(p) && !seen.has(p) && t.tid(p) > 1) {
      seen.add(p);
      p = byTid.get(t.ppid(p));
    }
    const ns = t.pidNs(i);
    if (p !== undefined && t.hasPod(p)) out.push([i, p, 'parent']);
    else if (ns && ns !== hostPidNs && nsPod.has(ns)) out.push([i, nsPod.get(ns) as number, 'pid-namespace']);
  }
  return out;
}

describe('pods inherited by tasks without a pod cgroup', () => {
  it('match the ancestor walk of every task, on random process trees (cycles, orphans, namespaces)', () => {
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const n = 1 + rnd(60);
      const rows = Array.from({ length: n }, (_, i) => ({
        tid: i + 1 + rnd(3) * 100,
        ppid: rnd(n + 3),
        ns: [0, 1, 4026531836, 7, 8][rnd(5)],
        pod: rnd(4) === 0,
        kthread: rnd(10) === 0,
      }));
      const table = (log: Array<[number, number, string]>): AttributionTable => ({
        count: rows.length,
        tid: (i) => rows[i].tid,
        ppid: (i) => rows[i].ppid,
        pidNs: (i) => rows[i].ns,
        hasPod: (i) => rows[i].pod,
        isKernelThread: (i) => rows[i].kthread,
        inherit: (i, from, how) => log.push([i, from, how]),
      });
      const got: Array<[number, number, string]> = [];
      inheritPods(table(got), 4026531836);
      expect(got).toEqual(reference(table([]), 4026531836));
    }
  });
});
