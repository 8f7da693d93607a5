import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { investigateNode } from '../../../bot/src/conversation/investigate-node';
import { createCollectorPool, type CollectorPool } from '../../../bot/src/nodes/collector-pool';
import { startHarness, type Harness } from '../../helpers/collector-harness';

/**
 * A whole-node scan that stalls on a stuck /proc read reads nothing after
 * that task (the collector says so). A pid question about a live zombie
 * behind the stall must still be answered about the zombie — the pid itself
 * (and its parent) are asked for — never "not on this machine".
 *
 * The node: a proc root of links to a real zombie, its real parent and this
 * process, and an entry "1" (walked first: names are read sorted) whose
 * `status` is a FIFO nobody writes, so the walk blocks there.
 */
describe('a pid question when the whole-node scan stalls before the pid', () => {
  let dir: string;
  let fifo: string;
  let parent: ChildProcess;
  let zombie: number;
  let h: Harness;
  let pool: CollectorPool;

  beforeAll(async () => {
    // A parent that never reaps its child: the child is a zombie as long as the parent lives.
    parent = spawn('python3', ['-c', 'import os, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(600)\n'], { stdio: ['ignore', 'pipe', 'ignore'] });
    zombie = await new Promise<number>((resolve, reject) => {
      parent.stdout!.once('data', (b: Buffer) => resolve(Number(String(b).trim())));
      parent.once('exit', () => reject(new Error('the zombie maker exited')));
    });
    for (let i = 0; i < 100 && !/^State:\s+Z/m.test(readFileSync(`/proc/${zombie}/status`, 'utf8')); i++) await new Promise((r) => setTimeout(r, 20));
    dir = mkdtempSync(join(tmpdir(), 'whystuck-stall-'));
    const root = join(dir, 'proc');
    mkdirSync(root);
    for (const pid of [zombie, parent.pid!, process.pid]) symlinkSync(`/proc/${pid}`, join(root, String(pid)));
    for (const f of ['stat', 'loadavg', 'uptime', 'meminfo']) symlinkSync(`/proc/${f}`, join(root, f));
    mkdirSync(join(root, '1'));
    writeFileSync(join(root, '1', 'cgroup'), '0::/\n');
    fifo = join(root, '1', 'status');
    execFileSync('mkfifo', [fifo]);
    h = await startHarness({ snapshotter: { procRoot: root, runtime: false, kubeletRoot: false, readDeadlineMs: 1000 } });
    pool = createCollectorPool({ addresses: new Map([['node-a', h.address]]), tls: h.clientTls('spiffe://whystuck/bot'), insecure: false, deadlineMs: 15000 });
  });
  afterAll(async () => {
    // Let a reader still blocked on the FIFO go: opened read-write, the FIFO has a writer.
    if (fifo) {
      try {
        closeSync(openSync(fifo, 'r+'));
      } catch {
        /* gone */
      }
    }
    pool?.close();
    await h?.close();
    if (parent?.pid) {
      try {
        process.kill(parent.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the zombie and its parent are read by pid, and the answer is about them', async () => {
    const inv = await investigateNode({ collectors: pool }, 'node-a', { pid: zombie });
    expect(inv.status).toBe('ok');
    if (inv.status !== 'ok') return;
    // The whole-node scan said where it stalled.
    expect(inv.evidence.missing.join('\n') + JSON.stringify(inv.evidence.unreadable)).toMatch(/stalled|timed.out|1\/status/);
    expect(inv.evidence.tasks.map((t) => t.tid)).toEqual(expect.arrayContaining([zombie, parent.pid]));
    expect(inv.diagnosis.findings[0]).toMatchObject({ id: 'zombie' });
    expect(inv.diagnosis.summary).toMatch(new RegExp(`under python3 \\(pid ${parent.pid}\\)`));
  }, 60_000);
});
