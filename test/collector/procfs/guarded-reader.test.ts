import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGuardedReader, lockKey, type GuardedReader } from '../../../collector/src/procfs/guarded-reader';

/**
 * A FIFO with no writer blocks open(2) in the kernel: the same situation as a
 * /proc/PID/cmdline read waiting on a held mmap lock, without needing one.
 */
describe('guarded reader', () => {
  let dir: string;
  let reader: GuardedReader;
  const fifos: string[] = [];
  const fifo = (name: string): string => {
    const p = join(dir, name);
    execFileSync('mkfifo', [p]);
    fifos.push(p);
    return p;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'whystuck-guarded-'));
    reader = createGuardedReader({ poolSize: 2, maxStuck: 3, defaultDeadlineMs: 150 });
  });
  afterEach(async () => {
    // Release every reader still blocked on a FIFO: open the write end once.
    for (const p of fifos.splice(0)) {
      try {
        closeSync(openSync(p, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        /* no reader waiting */
      }
    }
    await reader.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads ordinary files', async () => {
    const r = await reader.read(`/proc/${process.pid}/stat`);
    expect(r.status).toBe('ok');
    if (r.status === 'ok') expect(r.text.startsWith(`${process.pid} (`)).toBe(true);
  });

  it('reads cmdlines in one read each (shortReadEnds) with the text a full read gives, long ones cut at maxBytes', async () => {
    const long = spawn('python3', ['-c', 'import time; time.sleep(600)', ...Array.from({ length: 400 }, (_, i) => `argument-${i}`)], { stdio: 'ignore' });
    try {
      const end = Date.now() + 5000;
      while (!/argument-399/.test(readFileSync(`/proc/${long.pid}/cmdline`, 'latin1')) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      const paths = [`/proc/${process.pid}/cmdline`, `/proc/${long.pid}/cmdline`, '/proc/2/cmdline'];
      const plain = await reader.readMany(paths, { maxBytes: 4096 });
      const short = await reader.readMany(paths, { maxBytes: 4096, shortReadEnds: true });
      expect(short).toEqual(plain.map((r) => ({ ...r, tookMs: expect.any(Number) })));
      expect(short.map((r) => (r.status === 'ok' ? [r.text.length, r.truncated] : r.status))).toEqual([
        [readFileSync(paths[0], 'utf8').length, false],
        [4096, true],
        [0, false],
      ]);
    } finally {
      long.kill('SIGKILL');
    }
  });

  it('answers timed-out for a read stuck in the kernel, keeps serving others, and does not send a second thread into the same wait', async () => {
    const stuck = fifo('cmdline');
    const t0 = Date.now();
    const first = await reader.read(stuck);
    expect(first.status).toBe('timed-out');
    expect(Date.now() - t0).toBeLessThan(1000);
    const ok = await reader.read(`/proc/${process.pid}/status`);
    expect(ok.status).toBe('ok');
    const again = await reader.read(stuck);
    expect(again.status).toBe('blocked-earlier');
    expect(reader.stuck().map((s) => s.path)).toEqual([stuck]);
  });

  it('serves everything queued behind a stuck read', async () => {
    const stuck = fifo('maps');
    const results = await Promise.all([reader.read(stuck), ...Array.from({ length: 20 }, () => reader.read('/proc/self/stat'))]);
    expect(results[0].status).toBe('timed-out');
    expect(results.slice(1).every((r) => r.status === 'ok')).toBe(true);
  });

  it('stops sending threads into the kernel after maxStuck and says why', async () => {
    const paths = ['a', 'b', 'c', 'd', 'e'].map((n) => fifo(n));
    const results = [];
    for (const p of paths) results.push(await reader.read(p));
    expect(results.slice(0, 3).map((r) => r.status)).toEqual(['timed-out', 'timed-out', 'timed-out']);
    expect(results[3].status).toBe('no-reader');
    expect(results[4].status).toBe('no-reader');
    if (results[4].status === 'no-reader') expect(results[4].reason).toMatch(/3 reader threads are stuck/);
  });

  it('gets the task readable again once the blocked read returns', async () => {
    const p = fifo('environ');
    expect((await reader.read(p)).status).toBe('timed-out');
    closeSync(openSync(p, constants.O_WRONLY | constants.O_NONBLOCK));
    await new Promise((r) => setTimeout(r, 200));
    expect(reader.stuck()).toEqual([]);
  });

  it('reads a list in one message, each file under its own deadline: a stuck one is timed out and the rest are read on another thread', async () => {
    const stuck = fifo('cmdline');
    const before = Array.from({ length: 70 }, () => `/proc/${process.pid}/stat`);
    const after = Array.from({ length: 70 }, () => `/proc/${process.pid}/status`);
    const results = await reader.readMany([...before, stuck, join(dir, 'missing'), ...after]);
    expect(results).toHaveLength(142);
    expect(results.slice(0, 70).every((r) => r.status === 'ok' && r.text.startsWith(`${process.pid} (`))).toBe(true);
    expect(results[70]).toMatchObject({ status: 'timed-out' });
    const t = results[70];
    if (t.status === 'timed-out') expect(t.tookMs).toBeGreaterThanOrEqual(150);
    expect(results[71]).toMatchObject({ status: 'error', code: 'ENOENT' });
    expect(results.slice(72).every((r) => r.status === 'ok' && /^Name:/.test(r.text))).toBe(true);
    expect(reader.stuck().map((s) => s.path)).toEqual([stuck]);
    // Its lock is known stuck: not tried again.
    const again = await reader.readMany([`/proc/${process.pid}/stat`, stuck]);
    expect(again.map((r) => r.status)).toEqual(['ok', 'blocked-earlier']);
  });

  it('groups files by the kernel lock they wait on', () => {
    expect(lockKey('/proc/42/cmdline')).toBe(lockKey('/proc/42/environ'));
    expect(lockKey('/proc/42/task/43/maps')).toBe('/proc/42#mm');
    expect(lockKey('/proc/42/task/43/stack')).toBe('/proc/42/task/43#exec');
    expect(lockKey('/proc/42/stat')).toBe('/proc/42/stat');
    // Every cgroup membership file waits on the one global cgroup_mutex.
    expect(lockKey('/proc/42/cgroup')).toBe(lockKey('/proc/7/task/9/cgroup'));
    expect(lockKey('/proc/42/cgroup')).toBe('/proc#cgroup_mutex');
  });
});
