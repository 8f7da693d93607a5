import type { Evidence, KubeObject, Task } from '../../../bot/src/evidence/evidence';
import { createTaskTable } from '../../../bot/src/evidence/task-table';
import { parseContainerHeader, parseContainerRow } from '../../../bot/src/paste/container-table';
import { parseCrashPsM } from '../../../bot/src/paste/crash-ps';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { psMention, psOptions } from '../../../bot/src/paste/ps-command';
import { parseHeader } from '../../../bot/src/paste/ps-header';
import { parseRow } from '../../../bot/src/paste/ps-row';
import { createTableReader, MAX_BLOCK_LINES, UNREAD_ROW } from '../../../bot/src/paste/ps-table';
import { createPstreeReader } from '../../../bot/src/paste/ps-tree';
import { inferLayout, isCandidate } from '../../../bot/src/paste/table-infer';
import { readNodeLine } from '../../../bot/src/paste/top-header';

const lines = (...l: string[]): string => l.join('\n');
const tasksOf = (text: string): Task[] => parsePaste(text).tasks;
const byTid = (ev: Evidence | Task[], tid: number): Task | undefined => (Array.isArray(ev) ? ev : ev.tasks).find((t) => t.tid === tid);

describe('procps headers, any dialect and column order', () => {
  it('ps -ef: PPID, STIME, args; [name] has no command line; <defunct> is a zombie', () => {
    const ev = parsePaste(
      lines(
        'UID          PID    PPID  C STIME TTY          TIME CMD',
        'root           1       0  0 Feb02 ?        00:01:13 /sbin/init splash',
        'root           2       0  0 Feb02 ?        00:00:00 [kthreadd]',
        'www-data    4410    4402  0 09:14 ?        00:00:00 [php-fpm8.1] <defunct>',
        'www-data    4402       1  0 09:12 ?        00:00:02 php-fpm: master process (/etc/php/8.1/fpm/php-fpm.conf)',
      ),
    );
    expect(byTid(ev, 1)).toMatchObject({ pid: 1, ppid: 0, comm: 'init', cmdline: '/sbin/init splash', started: 'Feb02', user: 'root' });
    expect(byTid(ev, 2)).toMatchObject({ comm: 'kthreadd', cmdline: '', isKernelThread: true });
    expect(byTid(ev, 4410)).toMatchObject({ state: 'Z', comm: 'php-fpm8.1', cmdline: '', ppid: 4402 });
    expect(byTid(ev, 4402)).toMatchObject({ comm: 'php-fpm', cmdline: 'php-fpm: master process (/etc/php/8.1/fpm/php-fpm.conf)' });
    // Every row keeps the text it was read from.
    expect(byTid(ev, 4410)?.lines).toEqual(['www-data    4410    4402  0 09:14 ?        00:00:00 [php-fpm8.1] <defunct>']);
    expect(byTid(ev, 4410)?.provenance?.ppid).toBeUndefined();
  });

  it('ps aux: state letter and modifiers, %CPU, START', () => {
    const t = byTid(
      tasksOf(lines('USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND', 'mysql      30921 12.5  8.1 2318340 655812 ?     Dsl  Mar11 412:09 /usr/sbin/mysqld --daemonize')),
      30921,
    );
    expect(t).toMatchObject({ pid: 30921, user: 'mysql', cpuPct: 12.5, state: 'D', stateExtra: 'sl', started: 'Mar11', comm: 'mysqld' });
  });

  it('ps -eLf: LWP is the thread, PID the process, NLWP the thread count', () => {
    const ev = parsePaste(
      lines(
        'UID          PID    PPID     LWP  C NLWP STIME TTY          TIME CMD',
        'app        71002       1   71002  0    3 10:01 ?        00:00:04 /opt/app/bin/worker --queue=low',
        'app        71002       1   71019  2    3 10:01 ?        00:03:11 /opt/app/bin/worker --queue=low',
      ),
    );
    expect(byTid(ev, 71019)).toMatchObject({ pid: 71002, ppid: 1, numThreads: 3, comm: 'worker' });
    expect(byTid(ev, 71002)).toMatchObject({ pid: 71002 });
  });

  it('ps -l: the 6-character WCHAN is marked truncated, a shorter one is not', () => {
    const ev = parsePaste(
      lines(
        'F S   UID     PID    PPID  C PRI  NI ADDR SZ WCHAN  TTY          TIME CMD',
        '0 D  1000   18822   18790  0  80   0 - 58213 rwsem_ pts/2    00:00:00 git',
        '0 S  1000   18790   18789  0  80   0 -  2904 do_wai pts/2    00:00:00 bash',
        '4 S     0   18700       1  0  80   0 -  4120 pipe_r ?        00:00:00 cron',
        '0 R  1000   18901   18790  0  80   0 -  2638 -      pts/2    00:00:00 ps',
      ),
    );
    expect(byTid(ev, 18822)).toMatchObject({ state: 'D', wchan: 'rwsem_', wchanWidth: 6, ppid: 18790, comm: 'git' });
    expect(byTid(ev, 18790)).toMatchObject({ wchan: 'do_wai', wchanWidth: 6 });
    expect(byTid(ev, 18901)?.wchan).toBeUndefined();
  });

  it('ps -el read from its rows alone (no header): -l is recognised by its cells', () => {
    const ev = parsePaste(
      lines(
        'some rows of ps -el, the header scrolled away:',
        '1 D     0     811       2  0  80   0 -     0 md_sup ?        00:00:02 md0_raid1',
        '0 D  1000   22110   22001  0  80   0 - 61331 folio_ ?        00:00:09 rsync',
      ),
    );
    expect(byTid(ev, 22110)).toMatchObject({ state: 'D', wchan: 'folio_', wchanWidth: 6, ppid: 22001, comm: 'rsync' });
    expect(byTid(ev, 811)).toMatchObject({ ppid: 2, isKernelThread: true });
  });

  it('ps j (BSD job format): PPID before PID, TPGID -1, STAT after it', () => {
    const ev = parsePaste(
      lines(
        ' PPID     PID    PGID     SID TTY        TPGID STAT   UID   TIME COMMAND',
        '    1    1322    1322    1322 ?             -1 Ss       0   0:00 /usr/sbin/sshd -D',
        ' 1322    9001    9001    9001 ?             -1 Ss       0   0:00 sshd: ops [priv]',
        ' 9001    9120    9120    9120 pts/4       9188 Ss    1000   0:00 -bash',
        ' 9120    9188    9188    9120 pts/4       9188 D+    1000   0:01 du -sh /mnt/nfs/projects',
      ),
    );
    expect(byTid(ev, 9188)).toMatchObject({ ppid: 9120, state: 'D', stateExtra: '+', user: '1000', comm: 'du' });
    expect(byTid(ev, 9120)).toMatchObject({ comm: 'bash', cmdline: '-bash' });
  });

  it('ps -o with multi-word columns first and in the middle (lstart, start)', () => {
    const ev = parsePaste(
      lines(
        '$ ps -eo lstart,pid,stat,start,wchan:30,comm',
        '                 STARTED     PID STAT  STARTED WCHAN                          COMMAND',
        'Mon Jan 12 10:00:01 2024    3120 Sl     Jan 12 futex_wait_queue                containerd',
        'Tue Jan 13 08:41:55 2024   44871 D    08:41:55 nfs_wait_bit_killable          cp',
      ),
    );
    expect(byTid(ev, 3120)).toMatchObject({ state: 'S', stateExtra: 'l', wchan: 'futex_wait_queue', comm: 'containerd' });
    expect(byTid(ev, 3120)?.started).toBe('Jan 12');
    expect(byTid(ev, 44871)).toMatchObject({ state: 'D', wchan: 'nfs_wait_bit_killable', comm: 'cp', started: '08:41:55' });
  });

  it('wchan:N marks a wait channel printed exactly N wide as cut', () => {
    const ev = parsePaste(lines('# ps -eo pid,stat,wchan:16,comm | grep " D"', '  61512 D    rwsem_down_write umount', '  61530 D    io_schedule      sync'));
    expect(byTid(ev, 61512)).toMatchObject({ wchan: 'rwsem_down_write', wchanWidth: 16, comm: 'umount' });
    expect(byTid(ev, 61530)).toMatchObject({ wchan: 'io_schedule' });
    expect(byTid(ev, 61530)?.wchanWidth).toBeUndefined();
  });

  it('ps -L: PID and LWP', () => {
    const ev = parsePaste(lines('$ ps -L -p 5120', '    PID     LWP TTY          TIME CMD', '   5120    5120 ?        00:00:00 java', '   5120    5133 ?        00:10:42 java'));
    expect(byTid(ev, 5133)).toMatchObject({ pid: 5120, comm: 'java' });
  });

  it('rows without a PID column: the pid of -p N, or a task of unknown pid', () => {
    const one = parsePaste(lines('$ ps -o stat,wchan:32,comm -p 27781', 'STAT WCHAN                            COMMAND', 'D    request_wait_answer              ls'));
    expect(byTid(one, 27781)).toMatchObject({ pid: 27781, state: 'D', wchan: 'request_wait_answer', comm: 'ls' });
    const quiet = parsePaste(lines('$ ps -o stat=,wchan= -p 8080', 'Dl   rpc_wait_bit_killable'));
    expect(byTid(quiet, 8080)).toMatchObject({ state: 'D', stateExtra: 'l', wchan: 'rpc_wait_bit_killable' });
    const none = parsePaste(lines('STAT WCHAN                            COMMAND', 'D    request_wait_answer              ls', 'Ss   do_wait                          bash'));
    const anonymous = none.tasks.filter((t) => t.tid === 0);
    expect(anonymous.map((t) => [t.state, t.wchan, t.comm])).toEqual([
      ['D', 'request_wait_answer', 'ls'],
      ['S', 'do_wait', 'bash'],
    ]);
  });

  it('`\\<defunct\\>` as markdown escapes it, and a closing backtick after the command', () => {
    const ev = parsePaste(
      lines(
        'root      8801  0.0  0.0      0     0 ?        Z    11:02   0:00 [sh] \\<defunct\\>',
        'root      8802  0.0  0.0      0     0 ?        Z    11:02   0:00 [sh] \\<defunct\\>',
        '  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND',
        ' 8803 root      20   0       0      0      0 Z   0.0   0.0   0:00.01 sh     `',
      ),
    );
    expect(byTid(ev, 8801)).toMatchObject({ state: 'Z', comm: 'sh', cmdline: '' });
    expect(byTid(ev, 8803)).toMatchObject({ state: 'Z', comm: 'sh' });
  });
});

describe('BSD letter clusters and tree art', () => {
  it('ps axl: BSD long format, WCHAN 6 wide before STAT', () => {
    const ev = parsePaste(
      lines(
        '$ ps axl | grep -w D',
        '4     0  30412  30390  20   0 112340  5120 -      Dsl  ?          0:00 runc init',
        '0  1000  30977  30412  20   0  10212  2044 rq_qos D    ?          0:00 dd if=/dev/zero of=/data/x bs=1M',
      ),
    );
    expect(byTid(ev, 30412)).toMatchObject({ ppid: 30390, state: 'D', stateExtra: 'sl', user: '0', comm: 'runc', cmdline: 'runc init' });
    expect(byTid(ev, 30412)?.wchan).toBeUndefined();
    expect(byTid(ev, 30977)).toMatchObject({ wchan: 'rq_qos', wchanWidth: 6, comm: 'dd' });
  });

  it('ps fxa: "\\_" art gives each row the parent above it (derived), siblings and depth kept', () => {
    const ev = parsePaste(
      lines(
        '$ ps fxa',
        '    PID TTY      STAT   TIME COMMAND',
        '   1410 ?        Ssl   12:40 /usr/bin/containerd',
        '   8830 ?        Sl     0:03 /usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id 4f2a',
        '   8851 ?        Ss     0:00  \\_ /pause',
        '   8902 ?        Ss     0:00  \\_ /bin/sh -c /app/start.sh',
        '   8930 ?        S      0:00  |   \\_ /app/server --port 8080',
        '   8931 ?        Z      0:00  |       \\_ [healthcheck] <defunct>',
        '   8990 ?        Ss     0:00  \\_ /usr/bin/tail -F /var/log/app.log',
        '   9100 pts/0    Ss     0:00 -bash',
      ),
    );
    const parent = (tid: number): number | undefined => byTid(ev, tid)?.ppid;
    expect([8851, 8902, 8930, 8931, 8990].map(parent)).toEqual([8830, 8830, 8902, 8930, 8830]);
    expect(parent(8830)).toBeUndefined();
    expect(parent(9100)).toBeUndefined();
    expect(byTid(ev, 8931)).toMatchObject({ state: 'Z', comm: 'healthcheck', provenance: { ppid: 'derived' } });
  });

  it('ps auxf without its header, and an observed PPID is never replaced by a derived one', () => {
    const ev = parsePaste(
      lines(
        'root      2210  0.0  0.1 1237868 14012 ?       Sl   Apr02   1:10 /usr/bin/containerd-shim-runc-v2 -id 77c1',
        '65535     2231  0.0  0.0    972     4 ?        Ss   Apr02   0:00  \\_ /pause',
        'root      2290  0.1  0.9 731220 77104 ?        Ssl  Apr02  14:02  \\_ /usr/local/bin/agent',
        'root      2305  0.0  0.0      0     0 ?        Z    Apr02   0:00      \\_ [curl] <defunct>',
        '',
        '$ cat /proc/2305/status | grep PPid',
        'PPid:\t2290',
      ),
    );
    expect(byTid(ev, 2231)).toMatchObject({ ppid: 2210, provenance: { ppid: 'derived' } });
    expect(byTid(ev, 2305)).toMatchObject({ ppid: 2290, state: 'Z' });
  });

  it('ps axjf keeps its printed PPID (observed), tree art or not', () => {
    const ev = parsePaste(
      lines(
        ' PPID   PID  PGID   SID TTY      TPGID STAT   UID   TIME COMMAND',
        '    1   700   700   700 ?           -1 Ss       0   0:00 /usr/sbin/cron -f',
        '  700 12001   700   700 ?           -1 S        0   0:00  \\_ /usr/sbin/CRON -f',
        '12001 12005 12005 12005 ?           -1 Ds       0   0:02      \\_ /bin/sh -c /usr/local/bin/backup.sh',
      ),
    );
    expect(byTid(ev, 12005)).toMatchObject({ ppid: 12001, state: 'D' });
    expect(byTid(ev, 12005)?.provenance?.ppid).toBeUndefined();
  });

  it('ps -ejH: indentation alone is the tree when the command asked for -H', () => {
    const ev = parsePaste(
      lines(
        '$ ps -ejH',
        '    PID    PGID     SID TTY          TIME CMD',
        '    812     812     812 ?        00:00:00 sshd',
        '  40100   40100   40100 ?        00:00:00   sshd',
        '  40160   40100   40100 ?        00:00:00     sshd',
        '  40161   40161   40161 pts/1    00:00:00       bash',
        '  40300   40300   40161 pts/1    00:00:03         rsync',
        '  40170   40170   40170 ?        00:00:00   sshd',
      ),
    );
    expect([40100, 40160, 40161, 40300, 40170].map((p) => byTid(ev, p)?.ppid)).toEqual([812, 40100, 40160, 40161, 812]);
  });

  it('indentation after a right-aligned column is -H tree art even without the command', () => {
    const ev = parsePaste(
      lines(
        '    PID    PGID     SID TTY          TIME CMD',
        '   1201    1201    1201 ?        00:00:00 runsvdir',
        '   1230    1230    1230 ?        00:00:00   runsv',
        '   1244    1244    1230 ?        00:00:41     postgres',
        '   1290    1244    1230 ?        00:00:00       postgres',
      ),
    );
    expect([1230, 1244, 1290].map((p) => byTid(ev, p)?.ppid)).toEqual([1201, 1230, 1244]);
    // After a left-aligned column the padding is not indentation.
    const flat = parsePaste(lines('    PID WCHAN                COMMAND', '    700 do_wait              bash', '    701 pipe_read            cat'));
    expect(byTid(flat, 701)?.ppid).toBeUndefined();
  });

  it('ps fx rows pasted bare: the layout comes from the cells, the parents from the art', () => {
    const ev = parsePaste(
      lines(
        '  3300 ?        Ss     0:00 /usr/lib/systemd/systemd --user',
        '  3301 ?        S      0:00  \\_ (sd-pam)',
        '  3390 ?        Ssl    0:02  \\_ /usr/bin/pipewire',
        '  3391 ?        Dsl    0:00      \\_ /usr/bin/pipewire-media-session',
      ),
    );
    expect(byTid(ev, 3391)).toMatchObject({ state: 'D', ppid: 3390, comm: 'pipewire-media-' });
    expect(byTid(ev, 3301)).toMatchObject({ ppid: 3300 });
  });
});

describe('busybox, top, docker top', () => {
  it('busybox ps: PID USER TIME COMMAND and the older PID USER VSZ STAT COMMAND', () => {
    const a = parsePaste(lines('PID   USER     TIME  COMMAND', '    1 root      0:00 /sbin/tini -- /docker-entrypoint.sh', '   17 nginx     0:03 nginx: worker process', '   40 root      0:00 [sh]'));
    expect(byTid(a, 17)).toMatchObject({ user: 'nginx', comm: 'nginx', cmdline: 'nginx: worker process' });
    expect(byTid(a, 40)).toMatchObject({ comm: 'sh', cmdline: '' });
    const b = parsePaste(lines('  PID USER       VSZ STAT COMMAND', '    1 root      1520 S    init', '  733 root     12m   D    /usr/bin/fsck -y /dev/mmcblk0p2'));
    expect(byTid(b, 733)).toMatchObject({ state: 'D', comm: 'fsck' });
  });

  it('busybox top: load, CPU and rows with PPID', () => {
    const ev = parsePaste(
      lines(
        'Mem: 1839288K used, 199464K free, 1212K shrd, 9764K buff, 1339408K cached',
        'CPU:   0% usr   2% sys   0% nic  61% idle  36% io   0% irq   0% sirq',
        'Load average: 4.10 3.95 3.80 1/211 5530',
        '  PID  PPID USER     STAT   VSZ %VSZ CPU %CPU COMMAND',
        ' 5311     1 root     D     3220   0%   1   0% /usr/sbin/ntpd -n -p pool.ntp.org',
        '    1     0 root     S     1532   0%   0   0% /sbin/init',
      ),
    );
    expect(ev.node.loadavg).toMatchObject({ one: 4.1, five: 3.95, fifteen: 3.8, running: 1, total: 211 });
    expect(ev.node.cpu).toMatchObject({ userPct: 0, systemPct: 2, idlePct: 61, iowaitPct: 36 });
    expect(byTid(ev, 5311)).toMatchObject({ ppid: 1, state: 'D', comm: 'ntpd' });
  });

  it('top -b: COMMAND is the task name; per-CPU lines count the CPUs; older top joins value and key', () => {
    const ev = parsePaste(
      lines(
        'top - 14:02:11 up 3 days,  2:14,  2 users,  load average: 18.40, 17.92, 16.05',
        'Tasks: 301 total,   1 running, 283 sleeping,   0 stopped,   0 zombie',
        '%Cpu0  :  1.0 us,  0.7 sy,  0.0 ni, 20.1 id, 78.2 wa,  0.0 hi,  0.0 si,  0.0 st',
        '%Cpu1  :  0.3 us,  0.3 sy,  0.0 ni, 11.0 id, 88.4 wa,  0.0 hi,  0.0 si,  0.0 st',
        '',
        '    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND',
        '    604 root      20   0       0      0      0 D   0.3   0.0   2:11.40 kworker/u4:2+flush-8:0',
        '  19322 postgres  20   0  312940  92012  88812 D   0.0   1.2   0:14.02 postgres',
      ),
    );
    expect(ev.node.cpuCount).toBe(2);
    expect(ev.node.cpu).toMatchObject({ idlePct: 20.1, iowaitPct: 78.2 });
    expect(byTid(ev, 604)).toMatchObject({ state: 'D', comm: 'kworker/u4:2+flush-8:0' });
    const old = { freezers: [], mounts: [], memcgOom: [] } as Evidence['node'];
    readNodeLine('Cpu(s):  0.3%us,  0.2%sy,  0.0%ni, 97.5%id,  2.0%wa,  0.0%hi,  0.0%si,  0.0%st', old);
    expect(old.cpu).toEqual({ userPct: 0.3, systemPct: 0.2, idlePct: 97.5, iowaitPct: 2 });
  });

  it('top -H -p N: PID is a thread id of process N', () => {
    const ev = parsePaste(
      lines(
        '$ top -b -n 1 -H -p 7310',
        'Threads:   4 total,   0 running,   4 sleeping,   0 stopped,   0 zombie',
        '',
        '    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND',
        '   7333 es        20   0   24.1g  12.3g  31544 D   0.0  39.2  10:01.22 elasticsearch[n',
      ),
    );
    expect(byTid(ev, 7333)).toMatchObject({ pid: 7310, state: 'D', comm: 'elasticsearch[n' });
  });

  it('docker top prints the -ef columns', () => {
    const ev = parsePaste(
      lines(
        '$ docker top 5c1d9e',
        'UID                 PID                 PPID                C                   STIME               TTY                 TIME                CMD',
        'root                24511               24490               0                   08:10               ?                   00:00:00            /bin/sh /entrypoint.sh',
        '999                 24580               24511               0                   08:10               ?                   00:00:00            [redis-server] <defunct>',
      ),
    );
    expect(byTid(ev, 24580)).toMatchObject({ ppid: 24511, state: 'Z', comm: 'redis-server' });
  });
});

describe('crash', () => {
  it('crash ps: ST codes, ">" on running tasks, [name] kernel threads; with and without the header', () => {
    const ev = parsePaste(
      lines(
        'crash> ps',
        '   PID    PPID  CPU       TASK        ST  %MEM     VSZ    RSS  COMM',
        '>     0      0   0  ffffffff81e13780  RU   0.0       0      0  [swapper/0]',
        '    412      2   3  ffff8e0a1b2c0000  UN   0.0       0      0  [jbd2/dm-0-8]',
        '  51840  51801   6  ffff8e0b11aa4100  UN   3.4 2811520 1130412  java',
        '> 51843  51801   2  ffff8e0b11aa6200  RU   3.4 2811520 1130412  java',
        'crash> ps | grep ZO',
        '  51801      1   1  ffff8e0b02e81040  ZO   0.0       0      0  java',
      ),
    );
    expect(byTid(ev, 412)).toMatchObject({ state: 'D', comm: 'jbd2/dm-0-8', ppid: 2, isKernelThread: true });
    expect(byTid(ev, 51840)).toMatchObject({ state: 'D', comm: 'java', ppid: 51801 });
    expect(byTid(ev, 51843)).toMatchObject({ state: 'R' });
    expect(byTid(ev, 51801)).toMatchObject({ state: 'Z', ppid: 1 });
  });

  it('crash ps -m and foreach UN ps -m', () => {
    const ev = parsePaste(
      lines(
        'crash> foreach UN ps -m',
        '[0 00:04:12.518] [UN]  PID: 2231   TASK: ffff9d4c7a3e0000  CPU: 1   COMMAND: "kworker/u64:3"',
        '[  2 11:20:07.003] [UN]  PID: 90412  TASK: ffff9d4c51f08000  CPU: 7   COMMAND: "mysqld"',
        '[1745090123456] [IN]  PID: 1      TASK: ffff9d4c40158000  CPU: 0   COMMAND: "systemd"',
      ),
    );
    expect(byTid(ev, 90412)).toMatchObject({ state: 'D', comm: 'mysqld' });
    expect(byTid(ev, 2231)).toMatchObject({ state: 'D', comm: 'kworker/u64:3' });
    expect(byTid(ev, 1)).toMatchObject({ state: 'S', comm: 'systemd' });
    expect(parseCrashPsM('[ 0 00:00:00.000] [XX]  PID: 5  TASK: ffff  CPU: 0  COMMAND: "x"')).toBeNull();
  });
});

describe('container runtime tables become objects', () => {
  it('crictl ps: containers with their pod name and id; crictl pods: pods with their state', () => {
    const ev = parsePaste(
      lines(
        '# crictl ps -a --name fluent',
        'CONTAINER           IMAGE               CREATED             STATE               NAME                ATTEMPT             POD ID              POD',
        'b81c0f2e9d3a1       4d2e66a1c0b7f       3 days ago          Exited              fluent-bit          14                  e0c7a91d2b3f4       fluent-bit-7xk2q',
        '# crictl pods --name fluent',
        'POD ID              CREATED             STATE               NAME                NAMESPACE           ATTEMPT             RUNTIME',
        'e0c7a91d2b3f4       3 days ago          NotReady            fluent-bit-7xk2q    logging             0                   (default)',
      ),
    );
    const container = ev.objects.find((o) => o.kind === 'container') as KubeObject & { pod?: string; podId?: string; id?: string };
    expect(container).toMatchObject({ name: 'fluent-bit', status: 'Exited', pod: 'fluent-bit-7xk2q', podId: 'e0c7a91d2b3f4', id: 'b81c0f2e9d3a1' });
    expect(ev.objects.filter((o) => o.kind === 'pod')).toEqual([expect.objectContaining({ name: 'fluent-bit-7xk2q', namespace: 'logging', status: 'NotReady' })]);
    expect(ev.tasks).toEqual([]);
  });

  it('crictl ps rows after the command without the header, and docker ps with kubelet names', () => {
    const ev = parsePaste(
      lines(
        '$ crictl ps | grep coredns',
        '1a2b3c4d5e6f7       ead0a4a53df89       2 hours ago         Running             coredns             0                   9f8e7d6c5b4a3       coredns-5d78c9869d-qp4lx',
      ),
    );
    expect(ev.objects).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'container', name: 'coredns', pod: 'coredns-5d78c9869d-qp4lx' })]));
    const header = parseContainerHeader('CONTAINER ID   IMAGE                  COMMAND                  CREATED        STATUS        PORTS     NAMES')!;
    expect(header.what).toBe('docker-ps');
    const objects = parseContainerRow(
      header,
      '9c1f00aa11bb   registry/app:1.4       "/app --serve"           5 hours ago    Up 5 hours              k8s_app_web-6d9f8-zt2mb_shop_8f1c2d3e-1111-4a4a-9b9b-0c0c0c0c0c0c_2',
    );
    expect(objects).toEqual([
      expect.objectContaining({ kind: 'container', name: 'app', pod: 'web-6d9f8-zt2mb', namespace: 'shop', attempt: 2 }),
      expect.objectContaining({ kind: 'pod', name: 'web-6d9f8-zt2mb', namespace: 'shop' }),
    ]);
  });
});

describe('pstree -p: every name(pid) a task, its parent from the tree', () => {
  it('ASCII connectors, continuation lines, threads in braces', () => {
    const ev = parsePaste(
      lines(
        '$ pstree -p 1',
        'systemd(1)-+-containerd(812)-+-{containerd}(813)',
        '           |                 `-{containerd}(814)',
        '           |-containerd-shim(2201)-+-pause(2230)',
        '           |                       |-sh(2290)---sleep(2301)',
        '           |                       `-nginx(2310)-+-nginx(2330)',
        '           |                                     `-nginx(2331)',
        '           `-sshd(900)---sshd(4410)---bash(4420)',
      ),
    );
    const p = (tid: number): number | undefined => byTid(ev, tid)?.ppid;
    expect([812, 2201, 2230, 2290, 2301, 2310, 2330, 2331, 900, 4410, 4420].map(p)).toEqual([1, 1, 2201, 2201, 2290, 2201, 2310, 2310, 1, 900, 4410]);
    expect(byTid(ev, 814)).toMatchObject({ pid: 812, comm: 'containerd' });
    expect(byTid(ev, 2310)).toMatchObject({ comm: 'nginx', provenance: { ppid: 'derived' } });
  });

  it('Unicode art, names with spaces, tabs an editor put in', () => {
    const ev = parsePaste(
      lines(
        'systemd(1)─┬─dockerd(990)───{dockerd}(991)',
        '           ├─postgres(1500)─┬─postgres: checkpointer(1510)',
        '           │                └─postgres: walwriter(1512)',
        '           └─agetty(700)',
      ),
    );
    expect([990, 1500, 1510, 1512, 700].map((t) => byTid(ev, t)?.ppid)).toEqual([1, 1, 1500, 1500, 1]);
    expect(byTid(ev, 1510)?.comm).toBe('postgres');
    const tabbed = parsePaste(lines('/pause(1)-+-/run.sh(6)-+-/usr/sbin/crond(12)', '\t\t\t\t\t\t   |-java(20)-+-{java}(21)', '\t\t\t\t\t\t   |\t\t\t\t\t\t`-{java}(22)', '\t\t\t\t\t\t   `-tail(30)'));
    expect([6, 12, 20, 30].map((t) => byTid(tabbed, t)?.ppid)).toEqual([1, 6, 6, 6]);
    expect(byTid(tabbed, 22)).toMatchObject({ pid: 20 });
  });

  it('reader: a line of bars inside a tree is part of it; prose with parentheses is not a tree', () => {
    const r = createPstreeReader();
    expect(r.line('a(1)-+-b(2)', false)).toHaveLength(2);
    expect(r.line('     |', false)).toEqual([]);
    expect(r.line('     `-c(3)', false)).toEqual([{ pid: 3, name: 'c', parent: 1, thread: false }]);
    r.reset();
    expect(r.line('the job (12) failed - see the log (3)', false)).toBeNull();
  });
});

describe('header-less blocks: the layout is inferred from all the rows', () => {
  it('custom -o rows with no command: pid, ppid, state, wchan, comm typed from the cells', () => {
    const ev = parsePaste(
      lines('On the node:', '  9911   9900 D    nfs_wait_bit_killable  tar', '  9920   9900 D    rpc_wait_bit_killable  gzip', '  9900      1 Ss   do_wait                bash', 'that is all.'),
    );
    expect(byTid(ev, 9911)).toMatchObject({ pid: 9911, ppid: 9900, state: 'D', wchan: 'nfs_wait_bit_killable', comm: 'tar' });
    expect(byTid(ev, 9900)).toMatchObject({ ppid: 1, state: 'S', stateExtra: 's', comm: 'bash' });
  });

  it('thread rows: a pid repeated with other values in the next column is PID, LWP', () => {
    const ev = parsePaste(lines('  40218   40218 Zl   -                                ingestd <defunct>', '  40218   40236 Dl   wait_on_page_bit_common          ingest-flush'));
    expect(byTid(ev, 40236)).toMatchObject({ pid: 40218, state: 'D', wchan: 'wait_on_page_bit_common' });
    expect(byTid(ev, 40218)).toMatchObject({ pid: 40218, state: 'Z' });
  });

  it('lstart in the middle of header-less rows', () => {
    const ev = parsePaste(
      lines(
        'D      7120    7101 Sun Mar  2 03:12:40 2025 __lock_page                e2fsck -p /dev/sdb1',
        'D      7188       2 Sun Mar  2 03:12:33 2025 blk_mq_get_tag             [kworker/u8:1+events_unbound]',
      ),
    );
    expect(byTid(ev, 7120)).toMatchObject({ ppid: 7101, state: 'D', wchan: '__lock_page', comm: 'e2fsck', started: 'Sun Mar 2 03:12:40 2025' });
    expect(byTid(ev, 7188)).toMatchObject({ isKernelThread: true, comm: 'kworker/u8:1+events_unbound' });
  });

  it('a ps run named in prose or inside ssh quotes sets the layout', () => {
    expect(psMention('I ran `ps -eo pid,stat,wchan:24,comm` and got:')).toBe('-eo pid,stat,wchan:24,comm');
    expect(psMention('$ ssh node-3 "ps axl | grep D"')).toBe('axl');
    expect(psMention('ps shows the process in D state')).toBeNull();
    const ev = parsePaste(lines('I ran `ps -eo stat,pid,wchan:12,comm` on the node:', 'D     5500 iterate_dir  find', 'D     5501 iterate_dir  du'));
    expect(byTid(ev, 5500)).toMatchObject({ state: 'D', wchan: 'iterate_dir', comm: 'find' });
  });

  it('a row cut with [...] keeps what was printed before the cut', () => {
    const ev = parsePaste(
      lines('$ ps aux | grep defunct', 'root      7734  0.0  0.0  12944  1024 pts/1    S+   14:23   0:00 grep --color=auto defunct', 'nobody   31337  0.0  0.0      0     0 ?        Z    Jun02 [...]'),
    );
    expect(byTid(ev, 31337)).toMatchObject({ state: 'Z', user: 'nobody', started: 'Jun02' });
  });

  it('prose with numbers is not a table, and lines of the block that are not rows are read as what they are', () => {
    const ev = parsePaste(
      lines(
        'We saw 3 D tasks on node 7 around 14:05 and 2 more later.',
        'root      5012  0.0  0.0  10212  2044 ?        D    13:58   0:00 /usr/bin/du -s /mnt/share',
        'INFO: task du:5012 blocked for more than 120 seconds.',
      ),
    );
    expect(ev.tasks.filter((t) => t.tid !== 5012)).toEqual([]);
    expect(byTid(ev, 5012)).toMatchObject({ state: 'D', comm: 'du' });
    expect(ev.reports.map((r) => r.kind)).toContain('hung-task');
    expect(ev.inputs.find((i) => i.kind === 'ps')?.lines).toEqual([2, 2]);
  });

  it('rows no layout fits are reported as unread table rows, not dropped as prose', () => {
    const ev = parsePaste(lines('D | 4242 | nfs_wait | cp', 'D | 4250 | nfs_wait | mv'));
    expect(ev.tasks).toEqual([]);
    expect(ev.inputs).toEqual([{ kind: UNREAD_ROW, lines: [1, 2] }]);
  });

  it('a block longer than the buffer is read whole: the rest line by line with the layout found', () => {
    const rows = Array.from({ length: MAX_BLOCK_LINES + 300 }, (_, i) => `  ${10000 + i}   ${i % 2 ? 'S' : 'D'}    0:00 worker-${i}`);
    const ev = parsePaste(rows.join('\n'));
    expect(ev.tasks).toHaveLength(rows.length);
    expect(byTid(ev, 10000 + MAX_BLOCK_LINES + 299)).toMatchObject({ state: 'S', comm: `worker-${MAX_BLOCK_LINES + 299}` });
  });

  it('the table reader buffers a block and hands back lines that are not rows, in order', () => {
    const tasks = createTaskTable();
    const seen: string[] = [];
    const reader = createTableReader({
      tasks,
      objects: [],
      input: (kind, n) => seen.push(`${kind}@${n}`),
      replay: (text, n) => {
        seen.push(`replay@${n}:${text}`);
        return 'prose';
      },
    });
    const ctx = { program: '', topThreads: false };
    expect(reader.line('  301 pts/0    Ss     0:00 bash', 1, ctx)).toBe('');
    expect(reader.line('  302 pts/0    D+     0:02 cp -a /a /b', 2, ctx)).toBe('');
    expect(reader.line('  3 copies, 2 hung, 0:00 progress', 3, ctx)).toBe('');
    reader.before('end of block');
    expect(seen).toEqual(['ps@1', 'ps@2', 'replay@3:  3 copies, 2 hung, 0:00 progress', 'prose@3']);
    expect(tasks.get(302)).toMatchObject({ state: 'D', comm: 'cp' });
  });
});

describe('commands, headers, inference: units', () => {
  it('ps options pick the dialect', () => {
    expect(psOptions('aux').layout?.name).toBe('aux');
    expect(psOptions('-aux').layout?.name).toBe('aux');
    expect(psOptions('axjf')).toMatchObject({ tree: true, layout: { name: 'j' } });
    expect(psOptions('-eLf').layout?.name).toBe('-eLf');
    expect(psOptions('-el').layout?.name).toBe('-el');
    expect(psOptions('-ejH')).toMatchObject({ tree: true, layout: { name: '-j', tree: true } });
    expect(psOptions('-o stat=,wchan= -p 812')).toMatchObject({ onlyPid: 812 });
    expect(psOptions('-eo pid,wchan:32,comm').layout?.columns.map((c) => c.width)).toEqual([undefined, 32, undefined]);
  });

  it('a header names its columns; prose in capitals is not a header', () => {
    expect(parseHeader('  PID  PPID STAT WCHAN                            COMMAND', { top: false })?.columns.map((c) => c.role)).toEqual(['pid', 'ppid', 'state', 'wchan', 'command']);
    expect(parseHeader('STAT WCHAN COMMAND', { top: false })?.columns.map((c) => c.role)).toEqual(['state', 'wchan', 'command']);
    expect(parseHeader('PLEASE READ THE LOGS FIRST', { top: false })).toBeNull();
    expect(parseHeader('NAME READY STATUS RESTARTS AGE', { top: false })).toBeNull();
  });

  it('a header row alone never parses a line of another shape', () => {
    const layout = parseHeader('  PID TTY      STAT   TIME COMMAND', { top: false })!;
    expect(parseRow(layout, 'the quick brown fox', false)).toBeNull();
    expect(parseRow(layout, '  12 ?        Ss     0:00 /sbin/init', false)?.facts).toMatchObject({ state: 'S', comm: 'init' });
  });

  it('candidates and inference', () => {
    expect(isCandidate('hello world')).toBe(false);
    expect(isCandidate('kworker/0:1     D    0    38      2 0x00000000')).toBe(false);
    expect(isCandidate('  301 pts/0    Ss     0:00 bash')).toBe(true);
    expect(inferLayout(['I have 3 D tasks'], [])).toBeNull();
    expect(inferLayout(['root 1 0 0 Mar14 ? 00:00:02 /sbin/init'], [])?.layout.name).toBe('-ef');
  });
});

describe('every pattern of the table readers is linear', () => {
  const shapes: [string, string][] = [
    ['spaces', ' '.repeat(65_536)],
    ['>', '>'.repeat(65_536)],
    ['digits', '7'.repeat(65_536)],
    ['digit words', '1 '.repeat(32_768)],
    ['tree art', ' \\_'.repeat(21_845)],
    ['pstree', 'a(1)-+-'.repeat(9_362)],
    ['parentheses', '(1)'.repeat(21_845)],
    ['brackets', `[${'1 '.repeat(32_766)}`],
    ['crash', `[ 0 ${'0'.repeat(65_000)}`],
    ['bars', `${'|'.repeat(65_535)}-`],
    ['bars and spaces', `${'| '.repeat(32_767)}x`],
    ['ps ', 'ps '.repeat(21_845)],
    ['header words', 'PID '.repeat(16_384)],
    ['cpu', `%Cpu(s): ${'1.0 '.repeat(16_000)}`],
    ['load', `load average: ${'1'.repeat(65_000)}`],
    ['double spaces', 'CONTAINER  '.repeat(5_900)],
  ];
  /** Best of three runs, in ms: a busy machine adds pauses, a super-linear pattern costs seconds every time. */
  const best = (f: () => unknown): number => {
    let min = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = process.hrtime.bigint();
      f();
      min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return min;
  };
  const layout = parseHeader('  PID  PPID STAT WCHAN                            COMMAND', { top: false })!;
  const crash = parseHeader('   PID    PPID  CPU       TASK        ST  %MEM     VSZ    RSS  COMM', { top: false })!;
  const readers: [string, (line: string) => unknown][] = [
    ['isCandidate', (l) => isCandidate(l)],
    ['parseHeader', (l) => parseHeader(l, { top: true })],
    ['parseRow', (l) => [parseRow(layout, l, false), parseRow(layout, l, true), parseRow(crash, l, false)]],
    ['inferLayout', (l) => inferLayout([l, l], [])],
    ['pstree', (l) => createPstreeReader().line(l, true)],
    ['crash ps -m', (l) => parseCrashPsM(l)],
    ['container tables', (l) => parseContainerHeader(l) ?? parseContainerRow({ what: 'crictl-ps', fields: ['id', 'image', 'created', 'state', 'name', 'attempt', 'podId', 'pod'] }, l)],
    ['ps mention', (l) => psMention(l)],
    ['ps options', (l) => psOptions(l)],
    ['top header', (l) => readNodeLine(l, { freezers: [], mounts: [], memcgOom: [] })],
    [
      'table reader',
      (l) => {
        const reader = createTableReader({ tasks: createTaskTable(), objects: [], input: () => undefined, replay: () => '' });
        reader.line(l, 1, { program: 'pstree', topThreads: false });
        reader.before('x');
      },
    ],
    [
      'table reader inside a tree',
      (l) => {
        const reader = createTableReader({ tasks: createTaskTable(), objects: [], input: () => undefined, replay: () => '' });
        reader.line('init(1)-+-a(2)', 1, { program: '', topThreads: false });
        reader.line(l, 2, { program: '', topThreads: false });
      },
    ],
  ];
  it.each(shapes)('64 KB of %s: every table reader in under 50 ms', (_name, line) => {
    const slow = readers.map(([name, read]) => [name, best(() => read(line))] as const).filter(([, ms]) => ms >= 50);
    expect(slow).toEqual([]);
  });

  it('and through the paste reader, as rows of a table', () => {
    const slow = shapes.map(([name, line]) => [name, best(() => parsePaste(`  PID TTY      STAT   TIME COMMAND\n${line}\n  12 ?        D      0:00 ${line}`))] as const).filter(([, ms]) => ms >= 100);
    expect(slow).toEqual([]);
  });
});
