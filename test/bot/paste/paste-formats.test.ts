import { Readable } from 'node:stream';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { readPasteStream } from '../../../bot/src/paste/read-paste-stream';
import { parseLogPrefix } from '../../../bot/src/paste/kernel-log-prefix';
import { parseFrameLine } from '../../../bot/src/evidence/frames';
import { diagnose } from '../../../bot/src/diagnosis/engine';

const task = (text: string, tid: number) => parsePaste(text).tasks.find((t) => t.tid === tid);

describe('kernel log prefixes', () => {
  it.each([
    ['[  783.891329] INFO: task stat:2308 blocked', 'dmesg', '783.891329', 'INFO: task stat:2308 blocked'],
    ['[Mon Nov  7 06:45:09 2022] libceph: FULL or reached pool quota', 'dmesg-T', 'Mon Nov  7 06:45:09 2022', 'libceph: FULL or reached pool quota'],
    ['Nov 07 06:45:09 host22055 kernel: libceph: osd3 down', 'journalctl', 'Nov 07 06:45:09', 'libceph: osd3 down'],
    ['Jan  5 03:41:25 compute-4 kernel: [12345.678901] watchdog: BUG: soft lockup', 'syslog', 'Jan  5 03:41:25', 'watchdog: BUG: soft lockup'],
    [
      '2022-11-07T06:45:09.123456+01:00 node-7 kernel: nfs: server nfs01 not responding, still trying',
      'journalctl',
      '2022-11-07T06:45:09.123456+01:00',
      'nfs: server nfs01 not responding, still trying',
    ],
  ])('%s', (line, format, time, text) => {
    expect(parseLogPrefix(line)).toMatchObject({ format, time, text, program: 'kernel' });
  });

  it('does not take a /proc/PID/stack frame for a dmesg line', () => {
    expect(parseLogPrefix('[<0>] do_wait+0x1bf/0x230')).toBeNull();
  });
});

describe('stack frames', () => {
  it.each([
    ['[<0>] zap_pid_ns_processes+0x103/0x1b0', 'zap_pid_ns_processes', false, ''],
    ['[<ffffffffc075bd43>] __ext4_get_inode_loc+0xe3/0x3c0 [ext4]', '__ext4_get_inode_loc', false, 'ext4'],
    ['  ? __wake_up+0x40/0x60', '__wake_up', true, ''],
    ['[<ffffffffba47a73b>] __getblk+0x15b/0x300---loops here', '__getblk', false, ''],
    ['#9 [ffff9adf48673a80] try_to_free_mem_cgroup_pages at ffffffffb61ce78a', 'try_to_free_mem_cgroup_pages', false, ''],
    ['oom_kill_process.cold+0x8/0x8a', 'oom_kill_process.cold', false, ''],
  ])('%s', (line, fn, unreliable, module) => {
    expect(parseFrameLine(line)).toMatchObject({ fn, unreliable, module });
  });

  it('does not read prose or the 0xffffffffffffffff terminator as frames', () => {
    expect(parseFrameLine('the runc process is stuck')).toBeNull();
    expect(parseFrameLine('[<ffffffffffffffff>] 0xffffffffffffffff')).toBeNull();
  });
});

describe('ps and top in their common forms', () => {
  it('ps aux with a header', () => {
    const t = task('USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\nroot      8912 11.2  5.7 7400724 1880000 ?   Dsl  Nov07 67:48 /vmstorage -retentionPeriod=1y\n', 8912);
    expect(t).toMatchObject({ pid: 8912, state: 'D', stateExtra: 'sl', comm: 'vmstorage', cmdline: '/vmstorage -retentionPeriod=1y', user: 'root' });
  });

  it('ps -eLf: PID is the process, LWP the thread, NLWP the thread count', () => {
    const ev = parsePaste(
      'UID          PID    PPID     LWP  C NLWP STIME TTY          TIME CMD\nroot       22103   22026   22103  0    6 Nov03 ?        00:00:00 [prometheus] <defunct>\nroot       22103   22026   22110  9    6 Nov03 ?        08:59:39 [prometheus] <defunct>\n',
    );
    expect(ev.tasks.find((t) => t.tid === 22110)).toMatchObject({ pid: 22103, ppid: 22026, numThreads: 6, comm: 'prometheus' });
  });

  it('ps -eo with lstart (five words) and wchan in the middle', () => {
    const t = task('  PID  PPID STAT                  STARTED WCHAN                            COMMAND\n 2413  2245 D+   Mon Nov  7 06:45:09 2022 notify_param                     bash\n', 2413);
    expect(t).toMatchObject({ ppid: 2245, state: 'D', wchan: 'notify_param', started: 'Mon Nov 7 06:45:09 2022', comm: 'bash' });
  });

  it('header-less ps output takes its columns from the command in the prompt', () => {
    const t = task('node-3:~ # ps -eo stat,pid,ppid,wchan:20,comm | grep "^D"\nD     4242  4200 rwsem_down_write_slow runc:[2:INIT]\n', 4242);
    expect(t).toMatchObject({ state: 'D', ppid: 4200, wchan: 'rwsem_down_write_slow', comm: 'runc:[2:INIT]' });
  });

  it('top -H batch output: header facts and thread rows of the -p process', () => {
    const ev = parsePaste(
      [
        '$ top -b -n1 -H -p 8912',
        'top - 07:45:10 up 5 days, 20:33,  1 user,  load average: 26.22, 26.56, 25.38',
        'Threads:  17 total,   1 running,  16 sleeping,   0 stopped,   0 zombie',
        '%Cpu(s):  8.5 us,  3.9 sy,  0.0 ni, 32.1 id, 55.1 wa,  0.0 hi,  0.4 si,  0.0 st',
        '',
        '  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND',
        ' 8945 root      20   0 7400724 1.793g  16108 D 0.000 5.719 130:01.68 vmstorage',
      ].join('\n'),
    );
    expect(ev.node.loadavg).toMatchObject({ one: 26.22, five: 26.56, fifteen: 25.38 });
    expect(ev.node.cpu).toMatchObject({ idlePct: 32.1, iowaitPct: 55.1 });
    expect(ev.tasks.find((t) => t.tid === 8945)).toMatchObject({ pid: 8912, state: 'D', comm: 'vmstorage' });
  });
});

describe('/proc files and crash', () => {
  it('a stat line whose comm holds spaces and parentheses', () => {
    const t = task('4711 (a) b (c)) D 1 4711 4711 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 3 0 12345 1000000 100 18446744073709551615 0 0 0 0 0 0 0 0 0 1 0 0 17 0 0 0 0 0 0\n', 4711);
    expect(t).toMatchObject({ comm: 'a) b (c)', state: 'D', ppid: 1, numThreads: 3, startTime: 12345 });
  });

  it('/proc/PID/status after a prompt whose cwd names the pid', () => {
    const t = task(
      'host:/proc/30629 # cat status\nName:\tstat\nState:\tD (disk sleep)\nTgid:\t30629\nPid:\t30629\nPPid:\t30628\nTracerPid:\t0\nNSpid:\t30629\t2\nThreads:\t1\nSigPnd:\t0000000000000100\nShdPnd:\t0000000000000000\n',
      30629,
    );
    expect(t).toMatchObject({ comm: 'stat', state: 'D', ppid: 30628, nsPid: [30629, 2], sigPending: '0000000000000100' });
  });

  it('a stack pasted after `cat /proc/PID/task/TID/stack` belongs to that thread', () => {
    const t = task('$ sudo cat /proc/8912/task/8945/stack\n[<0>] xfs_buf_lock+0x33/0xf0 [xfs]\n[<0>] xfs_buf_find+0x1e0/0x620 [xfs]\n', 8945);
    expect(t).toMatchObject({ pid: 8912 });
    expect(t?.stack?.map((f) => f.fn)).toEqual(['xfs_buf_lock', 'xfs_buf_find']);
  });

  it('crash bt names the task and its frames', () => {
    const t = task(
      'crash> bt 4242\nPID: 4242   TASK: ffff9ae9eaff8000  CPU: 3   COMMAND: "java"\n #0 [ffff9adf48673608] __schedule at ffffffffb6769a72\n #1 [ffff9adf48673698] rwsem_down_read_slowpath at ffffffffb6769f19\n',
      4242,
    );
    expect(t?.comm).toBe('java');
    expect(t?.stack?.map((f) => f.fn)).toEqual(['__schedule', 'rwsem_down_read_slowpath']);
  });
});

describe('kernel reports', () => {
  it('an old-style (4.x) sysrq-w dump line with its call trace', () => {
    const ev = parsePaste(
      [
        '[ 5000.100000] sysrq: SysRq : Show Blocked State',
        '[ 5000.100001]   task                        PC stack   pid father',
        '[ 5000.100002] jbd2/sdb1-8     D    0   612      2 0x80000000',
        '[ 5000.100003] Call Trace:',
        '[ 5000.100004]  __schedule+0x2ff/0x760',
        '[ 5000.100005]  io_schedule+0x12/0x40',
        '[ 5000.100006]  jbd2_journal_commit_transaction+0x23a/0x1830 [jbd2]',
      ].join('\n'),
    );
    const t = ev.tasks.find((x) => x.tid === 612);
    expect(t).toMatchObject({ comm: 'jbd2/sdb1-8', state: 'D', ppid: 2 });
    expect(t?.stack?.map((f) => f.fn)).toContain('jbd2_journal_commit_transaction');
  });

  it('an RCU stall, a netdev refcount leak and an Oops are each reported', () => {
    const ids = diagnose(
      parsePaste(
        [
          '[ 100.000000] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:',
          '[ 100.000001] rcu: \t3-...0: (1 GPs behind) idle=9ae/1/0x4000000000000000 softirq=1/1 fqs=2',
          '[ 200.000000] unregister_netdevice: waiting for eth0 to become free. Usage count = 2',
          '[ 300.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008',
          '[ 300.000001] RIP: 0010:nf_conntrack_tuple_taken+0x5a/0x1c0 [nf_conntrack]',
        ].join('\n'),
      ),
    ).findings.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['rcu-stall', 'netdev-refcount-leak', 'kernel-bug']));
    expect(ids).not.toContain('soft-lockup');
  });
});

describe('what it cannot read', () => {
  it('empty input: no findings, a plain summary', () => {
    const d = diagnose(parsePaste(''));
    expect(d.findings).toEqual([]);
    expect(d.summary).toMatch(/Nothing in this input could be read/);
  });

  it('binary, gigantic lines and invalid UTF-8 are reported by line, the rest still read', async () => {
    const parts = [
      Buffer.from('[  1.000000] INFO: task stat:2308 blocked for more than 5 seconds.\n'),
      Buffer.from([0x00, 0x01, 0x02, 0xff, 0x0a]),
      Buffer.from(`${'x'.repeat(300_000)}\n`),
      Buffer.from([0xc3, 0x28, 0x20, 0x68, 0x69, 0x0a]),
      Buffer.from('[  2.000000] libceph: osd3 down\n'),
    ];
    const ev = await readPasteStream(Readable.from(parts));
    expect(ev.unreadable.map((u) => [u.lines, u.reason])).toEqual([
      [[2, 2], 'binary data'],
      [[3, 3], 'line longer than 65536 characters'],
    ]);
    expect(ev.backend.map((b) => b.kind)).toEqual(['ceph-osd-down']);
    expect(ev.reports.map((r) => r.kind)).toEqual(['hung-task']);
  });

  it('a truncated trace still yields the task and the frames that were there', () => {
    const ev = parsePaste('[  9.1] INFO: task kworker/u8:2:311 blocked for more than 120 seconds.\n[  9.2] Call Trace:\n[  9.3]  __schedule+0x2ff/0x760\n[  9.4]  rpc_wait_bit_k');
    expect(ev.tasks.find((t) => t.tid === 311)?.stack?.map((f) => f.fn)).toEqual(['__schedule']);
  });
});
