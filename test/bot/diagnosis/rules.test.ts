import { diagnose } from '../../../bot/src/diagnosis/engine';
import type { Diagnosis } from '../../../bot/src/diagnosis/finding';
import { parsePaste } from '../../../bot/src/paste/paste-reader';

const run = (lines: string[]): Diagnosis => diagnose(parsePaste(lines.join('\n')));
const ids = (d: Diagnosis): string[] => d.findings.map((f) => f.id);
const zombieKinds = (d: Diagnosis): (string | undefined)[] => d.findings.filter((f) => f.id === 'zombie').map((f) => f.kind);

describe('zombie kinds', () => {
  it('missing-init: ps inside a container whose PID 1 is node', () => {
    const d = run([
      '/app # ps -ef',
      'UID        PID  PPID  C STIME TTY          TIME CMD',
      'node         1     0  2 09:12 ?        00:14:02 node server.js',
      'node        77     1  0 09:40 ?        00:00:00 [sh] <defunct>',
      'node        81     1  0 09:41 ?        00:00:00 [git] <defunct>',
    ]);
    expect(zombieKinds(d)).toEqual(['missing-init']);
    const f = d.findings.find((x) => x.id === 'zombie')!;
    expect(
      f.remediations
        .filter((r) => r.effective === 'yes')
        .map((r) => r.why)
        .join(' '),
    ).toMatch(/tini|dumb-init|shareProcessNamespace/);
    expect(f.remediations.find((r) => r.pid === 77 && r.signal === 'SIGKILL')?.effective).toBe('no');
  });

  it('parent-blocked: the parent is in D (the harbor case)', () => {
    const d = run([
      '$ ps -eo pid,ppid,stat,wchan:32,comm',
      '  PID  PPID STAT WCHAN                            COMMAND',
      ' 4100     1 Ssl  -                                containerd-shim',
      ' 4120  4100 Dsl  rwsem_down_write_slowpath        harbor_core',
      ' 4188  4120 Z    -                                sh',
    ]);
    expect(zombieKinds(d)).toEqual(['parent-blocked']);
    // A task in D on a rwsem is lock contention, not I/O (issue 13's wait-site table).
    expect(ids(d)).toContain('lock-contention');
    expect(ids(d)).not.toContain('uninterruptible-io');
    const f = d.findings.find((x) => x.id === 'zombie')!;
    expect(f.remediations.some((r) => r.pid === 4120 && r.signal === 'SIGKILL' && r.effective === 'yes')).toBe(false);
  });

  it('ptraced: TracerPid set on the zombie', () => {
    const d = run(['host:/proc/5001 # cat status', 'Name:\tworker', 'State:\tZ (zombie)', 'Tgid:\t5001', 'Pid:\t5001', 'PPid:\t4990', 'TracerPid:\t5100', 'Threads:\t1']);
    expect(zombieKinds(d)).toEqual(['ptraced']);
  });

  it('parent-not-reaping: a live parent in S with Z children', () => {
    const d = run([
      '$ ps -ef',
      'UID        PID  PPID  C STIME TTY          TIME CMD',
      'app      3000     1  0 08:00 ?        00:01:00 /usr/bin/python3 supervisor.py',
      'app      3011  3000  0 08:01 ?        00:00:00 [curl] <defunct>',
      'app      3012  3000  0 08:01 ?        00:00:00 [curl] <defunct>',
    ]);
    expect(zombieKinds(d)).toEqual(['parent-not-reaping']);
    const f = d.findings.find((x) => x.id === 'zombie')!;
    // ps -ef shows neither its state nor its signal dispositions: SIGTERM may be caught or ignored.
    expect(f.remediations.find((r) => r.pid === 3000)).toMatchObject({ signal: 'SIGTERM', effective: 'unknown' });
  });
});

describe('D state and what is behind it', () => {
  it('NFS not responding: backend named, rpc_wait_bit_killable is a killable wait', () => {
    const d = run([
      '[ 9000.100000] nfs: server nfs01 not responding, still trying',
      '[ 9120.200000] INFO: task rsync:7001 blocked for more than 120 seconds.',
      '[ 9120.200001] task:rsync           state:D stack:0     pid:7001  ppid:6990   flags:0x00004000',
      '[ 9120.200002] Call Trace:',
      '[ 9120.200003]  __schedule+0x2cd/0x890',
      '[ 9120.200004]  schedule+0x69/0x110',
      '[ 9120.200005]  rpc_wait_bit_killable+0x1e/0xa0 [sunrpc]',
      '[ 9120.200006]  __wait_on_bit+0x33/0xa0',
      '[ 9120.200007]  nfs_wait_on_request+0x3d/0x50 [nfs]',
    ]);
    expect(ids(d)).toEqual(expect.arrayContaining(['storage-backend-fault', 'uninterruptible-io', 'hung-task']));
    expect(d.findings.find((f) => f.id === 'storage-backend-fault')?.title).toMatch(/NFS server is not responding \(nfs01\)/);
    expect(d.findings.find((f) => f.id === 'uninterruptible-io')?.remediations.find((r) => r.pid === 7001)?.effective).toBe('yes');
  });

  it('a frozen cgroup shown by freezer.state is frozen-cgroup, not I/O', () => {
    const d = run([
      '# cat /sys/fs/cgroup/freezer/kubepods/burstable/pod0c8a3f0e-1111-4222-8333-944455556666/freezer.state',
      'FROZEN',
      '# ps -eo pid,stat,wchan:24,comm | grep D',
      ' 9100 D    do_nanosleep             sleep',
      '# cat /proc/9100/stack',
      '[<0>] __refrigerator+0x4a/0x140',
      '[<0>] do_nanosleep+0x5d/0x160',
    ]);
    expect(ids(d)).toContain('frozen-cgroup');
    expect(ids(d)).not.toContain('uninterruptible-io');
    expect(d.findings.find((f) => f.id === 'frozen-cgroup')?.remediations[0].command).toMatch(/THAWED/);
  });

  it('a lock convoy names the holder waiting on I/O', () => {
    const lines = ['$ echo w > /proc/sysrq-trigger', '$ dmesg'];
    let t = 500.0;
    for (const pid of [8101, 8102, 8103, 8104]) {
      lines.push(`[${(t += 0.001).toFixed(6)}] task:java            state:D stack:0     pid:${pid}  ppid:8000   flags:0x00000000`);
      lines.push(`[${(t += 0.001).toFixed(6)}] Call Trace:`);
      lines.push(`[${(t += 0.001).toFixed(6)}]  schedule+0x69/0x110`);
      lines.push(`[${(t += 0.001).toFixed(6)}]  rwsem_down_write_slowpath+0x2a8/0x4f0`);
      lines.push(`[${(t += 0.001).toFixed(6)}]  ext4_file_write_iter+0x5a/0x3c0 [ext4]`);
    }
    lines.push(`[${(t += 0.001).toFixed(6)}] task:java            state:D stack:0     pid:8100  ppid:8000   flags:0x00000000`);
    lines.push(`[${(t += 0.001).toFixed(6)}] Call Trace:`);
    lines.push(`[${(t += 0.001).toFixed(6)}]  io_schedule+0x16/0x40`);
    lines.push(`[${(t += 0.001).toFixed(6)}]  wait_on_page_bit_common+0x11a/0x3a0`);
    lines.push(`[${(t += 0.001).toFixed(6)}]  ext4_writepages+0x2a1/0xf10 [ext4]`);
    const d = run(lines);
    const convoy = d.findings.find((f) => f.id === 'lock-contention');
    expect(convoy?.tasks.filter((x) => x.role === 'waiter').map((x) => x.pid)).toEqual([8101, 8102, 8103, 8104]);
    expect(convoy?.tasks.find((x) => x.role === 'blocker')?.pid).toBe(8100);
  });

  it('a stopped task is stopped-task, never uninterruptible-io', () => {
    const d = run(['USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND', 'root      6200  0.0  0.0   7000   900 pts/0    T    10:00   0:00 tail -f /var/log/syslog']);
    expect(ids(d)).toEqual(['stopped-task']);
    expect(d.findings[0].remediations[0]).toMatchObject({ pid: 6200, signal: 'SIGCONT', effective: 'yes' });
  });
});

describe('load', () => {
  it('high load with busy CPUs and runnable tasks is not high-load-blocked', () => {
    const d = run([
      'top - 10:00:01 up 1 day,  2:00,  1 user,  load average: 24.10, 23.90, 20.00',
      'Tasks: 300 total,  22 running, 276 sleeping,   0 stopped,   0 zombie',
      '%Cpu(s): 95.0 us,  4.0 sy,  0.0 ni,  0.5 id,  0.0 wa,  0.0 hi,  0.5 si,  0.0 st',
      '$ ps -eo pid,stat,comm | grep D',
      ' 900 D    kworker/u8:1',
      ' 901 D    jbd2/sda1-8',
    ]);
    expect(ids(d)).not.toContain('high-load-blocked');
  });

  it('hard lockups and orphan piles are reported', () => {
    const lines = [
      '[ 77.000000] NMI watchdog: Watchdog detected hard LOCKUP on cpu 5',
      '[ 77.000001] CPU: 5 PID: 0 Comm: swapper/5 Not tainted 5.4.0-150-generic #167-Ubuntu',
      '[ 77.000002] RIP: 0010:native_queued_spin_lock_slowpath+0x63/0x1e0',
      'UID        PID  PPID  C STIME TTY          TIME CMD',
    ];
    for (let i = 0; i < 12; i++) lines.push(`www      ${7000 + i}     1  0 09:0${i % 10} ?        00:00:01 php-cgi -b 127.0.0.1:9000`);
    const d = run(lines);
    expect(ids(d)).toEqual(expect.arrayContaining(['hard-lockup', 'orphan-accumulation']));
    expect(d.findings.find((f) => f.id === 'hard-lockup')?.title).toMatch(/native_queued_spin_lock_slowpath/);
  });
});
