import { readFileSync } from 'node:fs';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { fuseAvailable, startFuse } from '../../helpers/kernel/fuse-mount';

const fuse = fuseAvailable();
const describeFuse = fuse.ok ? describe : describe.skip;
if (!fuse.ok) process.stderr.write(`hang-proof tests skipped: ${fuse.reason}\n`);

/** A fake proc tree: pid 4242 is a D task whose cmdline and stack never answer (the seed-003 `ps` hang). */
function fakeProc(): Record<string, string> {
  const stat = (pid: number, comm: string, state: string, ppid: number): string =>
    `${pid} (${comm}) ${state} ${ppid} ${pid} ${pid} 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 12345 1000000 100 18446744073709551615 0 0 0 0 0 0 0 0 0 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n`;
  const status = (pid: number, comm: string, state: string): string =>
    `Name:\t${comm}\nState:\t${state}\nTgid:\t${pid}\nPid:\t${pid}\nPPid:\t1\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nNStgid:\t${pid}\nNSpid:\t${pid}\nThreads:\t1\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000100\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000000000\n`;
  const files: Record<string, string> = {
    stat: readFileSync('/proc/stat', 'latin1'),
    loadavg: '26.10 25.80 24.00 3/912 5000\n',
    uptime: '1000.00 1900.00\n',
    meminfo: readFileSync('/proc/meminfo', 'latin1'),
  };
  for (const [pid, comm, state] of [
    [1, 'systemd', 'S'],
    [4242, 'runc:[2:INIT]', 'D'],
    [4300, 'prometheus', 'S'],
  ] as const) {
    files[`${pid}/cgroup`] = '4:memory:/kubepods/burstable/pod6f1c2a4e-7d39-4a1b-9d3e-0c2b9a1f5e77/' + 'ab'.repeat(32) + '\n';
    files[`${pid}/status`] = status(pid, comm, state);
    files[`${pid}/task/${pid}/stat`] = stat(pid, comm, state, 1);
    files[`${pid}/task/${pid}/status`] = status(pid, comm, state);
    files[`${pid}/task/${pid}/wchan`] = state === 'D' ? 'rwsem_down_write_slowpath' : 'do_epoll_wait';
    files[`${pid}/task/${pid}/stack`] = '[<0>] do_epoll_wait+0x1/0x2\n';
    files[`${pid}/cmdline`] = `${comm}\0--flag\0`;
  }
  return files;
}

describeFuse('snapshots never hang on reads that block in the kernel', () => {
  let h: Harness;
  afterEach(async () => {
    await cleanupAll(); // aborts the FUSE connection first: stuck reader threads return
    await h?.close();
  });

  it('answers within its deadline, lists the stuck reads, and keeps the server responsive', async () => {
    const mnt = await startFuse({ files: fakeProc(), hang: '^(4242/cmdline|4242/task/4242/stack)$' });
    h = await startHarness({ snapshotter: { procRoot: mnt.mountpoint, readDeadlineMs: 300 } });
    const client = h.client('whystuck-bot');
    const t0 = Date.now();
    const [snap, health] = await Promise.all([client.snapshot({ whole_node: true, skip_kmsg: true, deadline_ms: 4000 }), new Promise((r) => setTimeout(r, 50)).then(() => client.health())]);
    const took = Date.now() - t0;
    if (snap.status !== 'ok' || health.status !== 'ok') throw new Error('calls failed');
    expect(took).toBeLessThan(4000);
    expect(snap.value.tasks.map((t) => [t.pid, t.comm, t.state])).toEqual([
      [1, 'systemd', 'S'],
      [4242, 'runc:[2:INIT]', 'D'],
      [4300, 'prometheus', 'S'],
    ]);
    const stuck = snap.value.read_problems
      .filter((p) => p.reason === 'timed-out')
      .map((p) => p.path.replace(mnt.mountpoint, '/proc'))
      .sort();
    expect(stuck).toEqual(['/proc/4242/cmdline', '/proc/4242/task/4242/stack']);
    expect(snap.value.read_problems.find((p) => p.path.endsWith('4242/cmdline'))?.tried_ms).toBeGreaterThanOrEqual(300);
    // Everything that does not block was read.
    expect(snap.value.tasks.find((t) => t.pid === 4300)?.cmdline).toBe('prometheus --flag');
    expect(snap.value.tasks.find((t) => t.pid === 4242)).toMatchObject({ wchan: 'rwsem_down_write_slowpath', sig_shared_pending: '0000000000000100', pod_uid: '6f1c2a4e-7d39-4a1b-9d3e-0c2b9a1f5e77' });
    expect(snap.value.node?.loadavg?.one).toBe(26.1);
    expect(health.value.blocked_readers).toBeGreaterThanOrEqual(0);

    // The next snapshot does not send another thread into the same waits.
    const t1 = Date.now();
    const again = await client.snapshot({ whole_node: true, skip_kmsg: true });
    if (again.status !== 'ok') throw new Error('second snapshot failed');
    expect(Date.now() - t1).toBeLessThan(2000);
    expect(
      again.value.read_problems
        .filter((p) => p.reason === 'blocked-earlier')
        .map((p) => p.path.replace(mnt.mountpoint, '/proc'))
        .sort(),
    ).toEqual(['/proc/4242/cmdline', '/proc/4242/task/4242/stack']);
    const h2 = await client.health();
    expect(h2.status === 'ok' && h2.value.blocked_readers).toBe(2);
  });
});
