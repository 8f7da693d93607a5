import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { lastReadError } from '../../../collector/src/procfs/direct-read';
import { HeldFiles } from '../../../collector/src/procfs/held-files';
import { createWalk } from '../../../collector/src/procfs/scan-proc';
import { createGuardedReader } from '../../../collector/src/procfs/guarded-reader';
import { createTaskScanner } from '../../../collector/src/procfs/task-scanner';
import type { ScanMessage, ScanRequest } from '../../../collector/src/procfs/raw-task';
import { cleanupAll, trackPid } from '../../helpers/kernel/cleanup';
import { spawnPython, stateOf, waitFor } from '../../helpers/kernel/processes';

/**
 * /proc files kept open between the main thread's walks (held-files.ts): a
 * held file reads the task's state now, not when it was opened; a task gone
 * is a failed read, never another task's state; a thread list kept from the
 * last walk is read again when a thread of it has gone, so a thread that
 * took its place is not missed; no more files than the budget are held, and
 * none outlive their walks or close().
 */
const openFds = (): number => readdirSync('/proc/self/fd').length;
const text = (held: HeldFiles, path: string, buf: Buffer): string => {
  const n = held.read(path, buf);
  return n < 0 ? `ERR ${lastReadError()}` : buf.toString('latin1', 0, n);
};
const stateIn = (stat: string): string => stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];

afterEach(cleanupAll);

describe('held /proc files', () => {
  const buf = Buffer.alloc(65536);

  it("reads a task's state as it is now through the file kept open, and fails (closing it) once the task is gone", async () => {
    const child = spawn('sleep', ['600'], { stdio: 'ignore' });
    const pid = trackPid(child.pid);
    const held = new HeldFiles(100);
    const before = openFds();
    try {
      await waitFor(() => stateOf(pid) === 'S', 'sleep to sleep');
      const path = `/proc/${pid}/task/${pid}/stat`;
      expect(stateIn(text(held, path, buf))).toBe('S');
      expect(held.stats()).toEqual({ held: 1, warm: 0, cold: 1 });
      expect(openFds()).toBe(before + 1);
      process.kill(pid, 'SIGSTOP');
      await waitFor(() => stateOf(pid) === 'T', 'sleep to stop');
      expect(stateIn(text(held, path, buf))).toBe('T');
      expect(held.stats()).toEqual({ held: 1, warm: 1, cold: 1 });
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(pid, 'SIGKILL');
      await exited; // reaped: the pid is free
      expect(text(held, path, buf)).toBe('ERR ENOENT');
      expect(held.stats().held).toBe(0);
      expect(openFds()).toBe(before);
    } finally {
      held.close();
    }
  });

  it('holds at most its budget, reads the rest by opening them, and closes what no walk read for keepWalks walks', () => {
    const held = new HeldFiles(2, 2);
    const before = openFds();
    try {
      const paths = ['stat', 'status', 'cmdline'].map((f) => `/proc/${process.pid}/${f}`);
      for (const p of paths) expect(text(held, p, buf)).not.toMatch(/^ERR/);
      expect(held.stats()).toEqual({ held: 2, warm: 0, cold: 3 });
      expect(openFds()).toBe(before + 2);
      held.endWalk(new Set([process.pid]));
      expect(text(held, paths[0], buf)).toMatch(new RegExp(`^${process.pid} `)); // stat read in the second walk too
      held.endWalk(new Set([process.pid]));
      expect(held.stats().held).toBe(2); // status: not read in one walk
      held.endWalk(new Set([process.pid]));
      expect(held.stats().held).toBe(1); // status: not read in two walks, closed
      held.endWalk(new Set([process.pid]));
      expect(held.stats().held).toBe(0);
      expect(openFds()).toBe(before);
      text(held, paths[1], buf);
      held.close();
      expect(openFds()).toBe(before);
      // A walk still reading after close() keeps nothing.
      expect(text(held, paths[0], buf)).toMatch(new RegExp(`^${process.pid} `));
      expect(held.stats().held).toBe(0);
      expect(openFds()).toBe(before);
    } finally {
      held.close();
    }
  });
});

/** A process whose thread count stays the same while one thread ends and another starts (SIGUSR1), or grows (SIGUSR2). */
const THREADS = `
import signal, threading, time
events = []
def start():
    ev = threading.Event()
    threading.Thread(target=ev.wait, daemon=True).start()
    events.append(ev)
for _ in range(3):
    start()
def swap(*_):
    events.pop(0).set()
    start()
signal.signal(signal.SIGUSR1, swap)
signal.signal(signal.SIGUSR2, lambda *_: start())
while True:
    time.sleep(1)
`;

const tidsOf = (pid: number): number[] =>
  readdirSync(`/proc/${pid}/task`)
    .map(Number)
    .sort((a, b) => a - b);

/** One walk of `pid` on this thread with `held`: the tids it delivered. */
function walkTids(pid: number, held: HeldFiles): number[] {
  const req: ScanRequest = { procRoot: '/proc', pids: [pid], podUid: '', fullStates: 'DZTtXxWP', allThreadDetails: false, cgroups: null };
  const tids: number[] = [];
  const walk = createWalk(
    req,
    new SharedArrayBuffer(8),
    (msg: ScanMessage) => {
      if (msg.type === 'tasks') tids.push(...Array.from(msg.tid).filter((_, i) => msg.tgid[i] === pid));
    },
    undefined,
    held,
  );
  walk.step(Infinity);
  walk.finish();
  return tids.sort((a, b) => a - b);
}

describe("the walk's kept thread lists", () => {
  it.each([
    ['SIGUSR1', 'a thread ends and another starts (same count)'],
    ['SIGUSR2', 'a thread starts'],
  ] as const)('after %s (%s), the next walk reads the threads there are now', async (signal, _what) => {
    const py = await spawnPython(THREADS);
    const held = new HeldFiles(1000);
    try {
      await waitFor(() => tidsOf(py.pid).length === 4, 'the python threads');
      const first = tidsOf(py.pid);
      expect(walkTids(py.pid, held)).toEqual(first);
      expect(walkTids(py.pid, held)).toEqual(first);
      expect(held.stats().warm).toBeGreaterThanOrEqual(5); // status and four stat files, the second time
      process.kill(py.pid, signal);
      await waitFor(() => {
        const now = tidsOf(py.pid);
        return signal === 'SIGUSR1' ? now.length === 4 && now.some((t) => !first.includes(t)) : now.length === 5;
      }, 'the thread change');
      const now = tidsOf(py.pid);
      expect(walkTids(py.pid, held)).toEqual(now);
      expect(walkTids(py.pid, held)).toEqual(now);
    } finally {
      held.close();
    }
  });
});

describe('the task scanner and its held files', () => {
  it('reads through held files on its second scan, gives the same tasks, and closes them all on close()', async () => {
    const reader = createGuardedReader({ poolSize: 1 });
    const before = openFds();
    const scanner = createTaskScanner(reader, { mainThreadShare: true });
    try {
      const req = { procRoot: '/proc', pids: [], podUid: '', fullStates: 'DZTtXxWP', allThreadDetails: false };
      const a = await scanner.scan(req, 20000);
      const b = await scanner.scan(req, 20000);
      const mine = (t: typeof a.tasks): number[] => Array.from(t.tid).filter((_, i) => t.tgid[i] === process.pid);
      expect(mine(b.tasks).sort()).toEqual(mine(a.tasks).sort());
      const st = scanner.stats().heldFiles;
      expect(st.held).toBeGreaterThan(0);
      expect(st.warm).toBeGreaterThan(0);
      const during = openFds();
      scanner.close();
      expect(scanner.stats().heldFiles.held).toBe(0);
      expect(openFds()).toBe(during - st.held);
    } finally {
      scanner.close();
      await reader.close();
    }
    expect(openFds()).toBeLessThanOrEqual(before);
  });

  it('closes its held files by itself once no walk has come for heldFilesIdleMs', async () => {
    const reader = createGuardedReader({ poolSize: 1 });
    const scanner = createTaskScanner(reader, { mainThreadShare: true, heldFilesIdleMs: 200 });
    try {
      await scanner.scan({ procRoot: '/proc', pids: [], podUid: '', fullStates: 'DZTtXxWP', allThreadDetails: false }, 20000);
      expect(scanner.stats().heldFiles.held).toBeGreaterThan(0);
      await waitFor(() => scanner.stats().heldFiles.held === 0, 'the held files to be closed', 5000);
    } finally {
      scanner.close();
      await reader.close();
    }
  });
});
