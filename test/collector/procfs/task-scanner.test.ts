import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createGuardedReader } from '../../../collector/src/procfs/guarded-reader';
import { createTaskScanner } from '../../../collector/src/procfs/task-scanner';
import { TASK_LEADER, TASK_SHIM_COMM } from '../../../collector/src/procfs/raw-task';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { spawnPython, waitFor } from '../../helpers/kernel/processes';
import { taskCodec } from '../../../collector/src/proto/snapshot-codec';

const REQ = { procRoot: '/proc', pids: [], podUid: '', fullStates: 'DZTtXxWP', allThreadDetails: false };

describe('task scanner', () => {
  it.each([
    [1, false],
    [2, false],
    [1, true],
  ])('scans every task exactly once with %i reader thread(s), main thread joining: %s; each encoded as its own Task message', async (parts, mainThreadShare) => {
    const reader = createGuardedReader({ poolSize: parts });
    try {
      const { tasks: t, problems, stalled } = await createTaskScanner(reader, { parts, mainThreadShare }).scan(REQ, 10000);
      expect(stalled).toBeUndefined();
      expect(problems.filter((p) => !/ns\/pid/.test(p.path))).toEqual([]);
      const tids = Array.from(t.tid);
      expect(new Set(tids).size).toBe(tids.length);
      // this process's threads and kthreadd, seen with the right columns
      const mine = readdirSync(`/proc/${process.pid}/task`).map(Number);
      for (const tid of mine) expect(tids).toContain(tid);
      const me = tids.indexOf(process.pid);
      expect([t.tgid[me], t.ppid[me], t.bits[me] & TASK_LEADER]).toEqual([process.pid, process.ppid, TASK_LEADER]);
      const decoded = taskCodec().decode(t.bytes(me));
      expect(decoded).toMatchObject({ pid: process.pid, tid: process.pid, ppid: process.ppid, is_thread_group_leader: true });
      expect(String.fromCharCode(t.state[me])).toBe(decoded.state);
      expect(tids).toContain(2);
      for (let i = 0; i < t.count; i++) if (t.pod[i] >= 0) expect(t.pods[t.pod[i]]?.uid).toMatch(/^[0-9a-f-]{32,36}$/);
    } finally {
      await reader.close();
    }
  });
});

describe('a scan after one that timed out', () => {
  it('sees every process: the written-off walker of the timed-out scan claims nothing in the next one', async () => {
    const reader = createGuardedReader({ poolSize: 2 });
    try {
      const scanner = createTaskScanner(reader, { parts: 2, cgroupDeadlineMs: 0 });
      // Rounds of a scan cut short at once (its reader threads are written off while they may still be walking /proc),
      // each followed by a full one. Whether the short one times out depends on the machine: it does on the development VM.
      for (let round = 0; round < 3; round++) {
        await scanner.scan(REQ, 1);
        const all = readdirSync('/proc')
          .filter((n) => /^\d+$/.test(n))
          .map(Number);
        const { tasks: t, stalled } = await scanner.scan(REQ, 20000);
        expect(stalled).toBeUndefined();
        const seen = new Set(Array.from(t.tgid));
        // Every process that lived through both scans is in the second (processes may exit meanwhile: checked by /proc now).
        const missing = all.filter((p) => !seen.has(p) && spawnSync('test', ['-d', `/proc/${p}`]).status === 0);
        expect(missing).toEqual([]);
      }
    } finally {
      await reader.close();
    }
  });
});

describe('cgroup membership read in one guarded pass before the walk', () => {
  it('attributes the same pods as reading cgroup files in the walk, and the main thread then joins the walk', async () => {
    const reader = createGuardedReader({ poolSize: 1 });
    try {
      const podOf = (t: Awaited<ReturnType<ReturnType<typeof createTaskScanner>['scan']>>['tasks']): Map<number, string> => {
        const m = new Map<number, string>();
        for (let i = 0; i < t.count; i++) m.set(t.tid[i], `${t.pods[t.pod[i]]?.uid ?? ''}|${t.paths[t.freezer[i]] ?? ''}`);
        return m;
      };
      const inWalk = await createTaskScanner(reader, { cgroupDeadlineMs: 0 }).scan(REQ, 10000);
      const scanner = createTaskScanner(reader, { mainThreadShare: true });
      const withPass = await scanner.scan(REQ, 10000);
      expect(withPass.cgroups).toEqual({ status: 'read' });
      expect(scanner.stats()).toMatchObject({ scans: 1, cgroupsUnknown: 0 });
      const a = podOf(inWalk.tasks);
      const b = podOf(withPass.tasks);
      // Tasks alive in both scans are attributed alike.
      let compared = 0;
      for (const [tid, v] of a) {
        if (!b.has(tid)) continue;
        expect([tid, b.get(tid)]).toEqual([tid, v]);
        compared++;
      }
      expect(compared).toBeGreaterThan(10);
    } finally {
      await reader.close();
    }
  });
});

describe("the main thread's share of the walk", () => {
  it('stops taking processes past its time budget, and the other walker takes the rest: every task once', () => {
    const { scanProc } = require('../../../collector/src/procfs/scan-proc') as typeof import('../../../collector/src/procfs/scan-proc');
    const claims = new SharedArrayBuffer((1 << 22) / 8);
    const seen: number[][] = [[], []];
    const walk = (k: number, share: { backwards: boolean; budgetMs?: number }): void =>
      scanProc({ ...REQ, share: { claims, ...share } }, new SharedArrayBuffer(8), (msg) => {
        if (msg.type === 'tasks') seen[k].push(...msg.tid);
      });
    walk(0, { backwards: true, budgetMs: 0.001 }); // out of budget after (at most) a process or two
    walk(1, { backwards: false });
    const all = [...seen[0], ...seen[1]];
    expect(new Set(all).size).toBe(all.length);
    expect(seen[0].length).toBeLessThan(seen[1].length);
    for (const tid of readdirSync(`/proc/${process.pid}/task`).map(Number)) expect(all).toContain(tid);
  });
});

describe("the main thread's walk in slices", () => {
  it('walks on where its last step stopped, and with the other walker reads every task once', () => {
    const { createWalk, scanProc } = require('../../../collector/src/procfs/scan-proc') as typeof import('../../../collector/src/procfs/scan-proc');
    const claims = new SharedArrayBuffer((1 << 22) / 8);
    const seen: number[][] = [[], []];
    const main = createWalk({ ...REQ, share: { claims, backwards: true } }, new SharedArrayBuffer(8), (msg) => {
      if (msg.type === 'tasks') seen[0].push(...msg.tid);
    });
    // Steps of (at most) a process or two each, the other walker going through in between.
    let steps = 0;
    while (steps < 5 && main.step(performance.now() + 0.001)) steps++;
    scanProc({ ...REQ, share: { claims, backwards: false } }, new SharedArrayBuffer(8), (msg) => {
      if (msg.type === 'tasks') seen[1].push(...msg.tid);
    });
    while (main.step(performance.now() + 0.001)) steps++;
    main.finish();
    const all = [...seen[0], ...seen[1]];
    expect(new Set(all).size).toBe(all.length);
    expect(seen[0].length).toBeGreaterThan(0);
    for (const tid of readdirSync(`/proc/${process.pid}/task`).map(Number)) expect(all).toContain(tid);
  });

  it('lets the event loop run between its slices, and reads every task once with the reader thread', async () => {
    const reader = createGuardedReader({ poolSize: 1 });
    try {
      const scanner = createTaskScanner(reader, { mainThreadShare: true });
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const { tasks: t, stalled } = await scanner.scan(REQ, 20000);
      clearInterval(timer);
      expect(stalled).toBeUndefined();
      const tids = Array.from(t.tid);
      expect(new Set(tids).size).toBe(tids.length);
      for (const tid of readdirSync(`/proc/${process.pid}/task`).map(Number)) expect(tids).toContain(tid);
      expect(ticks).toBeGreaterThan(0);
    } finally {
      await reader.close();
    }
  });
});

describe('work for the main thread while the reader thread reads cgroup membership', () => {
  it('is done once: during the pass of the scan it starts, before the walk without a pass, at once for a caller sharing a waiting scan', async () => {
    const reader = createGuardedReader({ poolSize: 1 });
    try {
      const order: string[] = [];
      const origCgroups = reader.cgroups.bind(reader);
      reader.cgroups = (...a) => {
        order.push('pass asked');
        return origCgroups(...a).then((r) => {
          order.push('pass done');
          return r;
        });
      };
      const scanner = createTaskScanner(reader, { mainThreadShare: true });
      let calls = 0;
      const first = scanner.scan(REQ, 20000, undefined, () => {
        calls++;
        order.push('meanwhile');
      });
      // Equal to a scan still waiting for its turn: shares it, and its work is done at once.
      const second = scanner.scan(REQ, 20000, undefined, () => {
        calls++;
        order.push('meanwhile (shared)');
      });
      const third = scanner.scan(REQ, 20000, undefined, () => {
        throw new Error("not the scan's problem");
      });
      expect(order).toEqual(['meanwhile (shared)']);
      const [a, b, c] = await Promise.all([first, second, third]);
      expect(a).toBe(b);
      expect(c).toBe(a);
      expect(calls).toBe(2);
      expect(order).toEqual(['meanwhile (shared)', 'pass asked', 'meanwhile', 'pass done']);
      expect(scanner.stats()).toMatchObject({ scans: 1, coalesced: 2 });
      let without = 0;
      await createTaskScanner(reader, { cgroupDeadlineMs: 0 }).scan(REQ, 20000, undefined, () => without++);
      expect(without).toBe(1);
    } finally {
      await reader.close();
    }
  });
});

describe('bin/whystuck-collector', () => {
  it('runs the collector command under its deployment flags (node accepts them)', () => {
    const r = spawnSync(join(__dirname, '..', '..', '..', 'bin', 'whystuck-collector'), ['--help'], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/bad option|not allowed/);
    expect(r.stdout + r.stderr).toMatch(/usage: whystuck collector --listen HOST:PORT/);
  });
});

describe("a shim's comm, marked where the scan reads it", () => {
  afterEach(cleanupAll);

  it('marks a leader named conmon TASK_SHIM_COMM, and neither its thread nor other leaders', async () => {
    // The leader renames itself, then starts a thread (which inherits the name, but is no leader).
    const py = await spawnPython("import threading, time\nopen('/proc/self/comm', 'w').write('conmon')\nthreading.Thread(target=time.sleep, args=(600,), daemon=True).start()\ntime.sleep(600)");
    await waitFor(() => readdirSync(`/proc/${py.pid}/task`).length === 2 && readFileSync(`/proc/${py.pid}/comm`, 'latin1').trim() === 'conmon', 'the renamed leader and its thread');
    for (const [parts, mainThreadShare] of [
      [1, false],
      [1, true],
    ] as const) {
      const reader = createGuardedReader({ poolSize: parts });
      try {
        const { tasks: t } = await createTaskScanner(reader, { parts, mainThreadShare }).scan(REQ, 10000);
        const bitsOf = (tid: number): number => t.bits[Array.from(t.tid).indexOf(tid)];
        const thread = readdirSync(`/proc/${py.pid}/task`)
          .map(Number)
          .find((tid) => tid !== py.pid) as number;
        expect(bitsOf(py.pid) & TASK_SHIM_COMM).toBe(TASK_SHIM_COMM);
        expect(bitsOf(thread) & TASK_SHIM_COMM).toBe(0);
        expect(bitsOf(process.pid) & TASK_SHIM_COMM).toBe(0);
      } finally {
        await reader.close();
      }
    }
  });
});
