import * as grpc from '@grpc/grpc-js';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeCollectorClient } from '../../../proto/generated/whystuck/v1/NodeCollector';
import { loadCollectorProto } from '../../../collector/src/proto/load-proto';
import { clientCredentials } from '../../../collector/src/grpc/tls';
import { startHarness, type Harness } from '../../helpers/collector-harness';

/**
 * A whole-node Snapshot whose caller cancels it mid-scan stops scanning.
 *
 * The node: 300 real sleeping processes, seen through a proc root of links to
 * their /proc/PID directories, and one entry in the middle of the walk whose
 * `status` is a FIFO: the walk (on the collector's reader thread) blocks
 * opening it until the test opens the write end. So the test knows the scan
 * is mid-way, cancels the call there, then lets the walk go on: an abortable
 * scan stops at the next process; one that is not reads the ~150 left.
 */
const PROCESSES = 300;

async function until(cond: () => boolean, what: string, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`not reached: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Some thread of this process (the collector's reader thread runs in it) waits in open(2) of a FIFO with no writer. */
function walkerHeldAtFifo(): boolean {
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    try {
      if (readFileSync(`/proc/${process.pid}/task/${tid}/wchan`, 'latin1') === 'wait_for_partner') return true;
    } catch {
      /* thread gone */
    }
  }
  return false;
}

describe('a cancelled whole-node snapshot stops its scan (300 sleeping processes)', () => {
  const pids: number[] = [];
  let dir: string;
  let root: string;
  let h: Harness;
  let raw: NodeCollectorClient;
  /** How many processes the walk reads before the held entry (readdir order, as the walk reads it). */
  let before: number;
  /** The held entry's name. */
  let hold: string;

  beforeAll(async () => {
    for (let i = 0; i < PROCESSES; i++) {
      const child = spawn('sleep', ['600'], { stdio: 'ignore' });
      if (!child.pid) throw new Error('sleep did not start');
      pids.push(child.pid);
      child.unref();
    }
    dir = mkdtempSync(join(tmpdir(), 'whystuck-cancel-'));
    root = join(dir, 'proc');
    mkdirSync(root);
    for (const pid of pids) symlinkSync(`/proc/${pid}`, join(root, String(pid)));
    // Node facts as the snapshot reads them (not what is tested).
    for (const f of ['stat', 'loadavg', 'uptime', 'meminfo']) symlinkSync(`/proc/${f}`, join(root, f));
    // The held entry, in the middle of the walk: Node's readdir (the walk's too) lists names sorted, so
    // the middle process's name with a 0 appended comes right after it (ten times a pid: none of ours).
    const names = readdirSync(root).filter((x) => /^\d+$/.test(x));
    hold = `${names[PROCESSES / 2]}0`;
    if (pids.includes(Number(hold))) hold += '0';
    mkdirSync(join(root, hold));
    before = readdirSync(root)
      .filter((x) => /^\d+$/.test(x))
      .indexOf(hold);
    writeFileSync(join(root, hold, 'cgroup'), '0::/\n');
    writeFileSync(join(root, hold, 'status'), 'Name:\theld\nThreads:\t1\n');
    h = await startHarness({ snapshotter: { procRoot: root, runtime: false, kubeletRoot: false, readDeadlineMs: 2000 } });
    raw = new (loadCollectorProto().whystuck.v1.NodeCollector)(h.address, clientCredentials(h.clientTls('whystuck-bot')), {}) as NodeCollectorClient;
  });
  afterAll(async () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    // Whatever happened, no reader thread stays blocked on the FIFO.
    try {
      if (hold) closeSync(openSync(join(root, hold, 'status'), constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      /* no reader, or not a FIFO */
    }
    raw?.close();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops at the next process once the call is cancelled, and the next snapshot reads every process', async () => {
    const client = h.client('whystuck-bot', { deadlineMs: 30000 });
    // Warm: the reader thread has loaded the scan's code; every process is seen.
    const warm = await client.snapshot({ whole_node: true, skip_kmsg: true, deadline_ms: 30000 });
    if (warm.status !== 'ok') throw new Error(JSON.stringify(warm));
    expect(warm.value.tasks.filter((t) => pids.includes(t.pid))).toHaveLength(PROCESSES);
    expect(before).toBeGreaterThan(PROCESSES / 4);
    expect(before).toBeLessThan((3 * PROCESSES) / 4);

    // The held entry's status becomes a FIFO: the next walk stops there until the write end is opened.
    const fifo = join(root, hold, 'status');
    unlinkSync(fifo);
    execFileSync('mkfifo', [fifo]);
    const s0 = h.snapshotter.stats();
    const g0 = h.server.stats();

    let code: number | undefined;
    const call = raw.Snapshot({ whole_node: true, skip_kmsg: true, deadline_ms: 30000 }, { deadline: Date.now() + 30000 }, (err) => {
      code = err?.code;
    });
    await until(walkerHeldAtFifo, 'the walk holds at the FIFO');
    // Mid-scan: the processes before the held entry are read, none after it.
    call.cancel();
    await until(() => code !== undefined, 'the client sees its call cancelled');
    expect(code).toBe(grpc.status.CANCELLED);
    await until(() => h.server.stats().aborted > g0.aborted, 'the collector sees the call cancelled and aborts the snapshot');

    // Let the walk go on: the writer comes and goes, the walker reads an empty file.
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    await until(() => h.server.stats().running === 0, 'the aborted snapshot ends');

    const s1 = h.snapshotter.stats();
    expect(s1.scans - s0.scans).toBe(1);
    expect(s1.aborted - s0.aborted).toBe(1);
    // The walk stopped at the held entry: at most the processes before it were read (an unabortable walk reads all 300).
    const read = s1.tasksRead - s0.tasksRead;
    expect(read).toBeLessThanOrEqual(before + 1);
    expect(read).toBeLessThan(PROCESSES);

    // The next snapshot is not held up by the abandoned one and sees every process again.
    unlinkSync(fifo);
    writeFileSync(fifo, 'Name:\theld\nThreads:\t1\n');
    const t0 = Date.now();
    const next = await client.snapshot({ whole_node: true, skip_kmsg: true, deadline_ms: 30000 });
    if (next.status !== 'ok') throw new Error(JSON.stringify(next));
    expect(next.value.tasks.filter((t) => pids.includes(t.pid))).toHaveLength(PROCESSES);
    expect(Date.now() - t0).toBeLessThan(10000);
    expect(h.snapshotter.stats().aborted).toBe(s1.aborted);
  });
});
