import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Evidence } from '../../../bot/src/evidence/evidence';
import { hasInlineCut, isCutLine } from '../../../bot/src/paste/cut-marks';
import { numbered } from '../../../bot/src/paste/line-gutter';
import { markdownLine } from '../../../bot/src/paste/markdown-text';
import { cleanChars, normaliseText, type NormalLine } from '../../../bot/src/paste/normalise';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { alignsWith, quoteLevels } from '../../../bot/src/paste/quote-prefix';
import { expandTabs } from '../../../bot/src/paste/tab-stops';

/** The text lines the normaliser hands the readers. */
const texts = (input: string): string[] => normaliseText(input).flatMap((r) => (r.kind === 'text' ? [r.text] : []));
const cuts = (input: string): number[] => normaliseText(input).flatMap((r) => (r.kind === 'cut' ? [r.line] : []));
const lines = (...l: string[]): string => l.join('\n');
/** The records, without the internal `plain` hint. */
const records = (input: string): NormalLine[] => normaliseText(input).map((r) => (r.kind === 'text' ? { kind: 'text', text: r.text, line: r.line, ...(r.last ? { last: r.last } : {}) } : r));

/** What the readers made of a paste: tasks, reports, backend events, node facts (not where each came from). */
function evidenceOf(input: string): unknown {
  const e: Evidence = parsePaste(input);
  return {
    tasks: e.tasks.map((t) => [t.tid, t.pid, t.ppid, t.comm, t.state, t.wchan, (t.stack ?? []).map((f) => f.fn).join(',')]).sort(),
    reports: e.reports.map((r) => [r.kind, r.pid, r.comm, r.count, r.seconds, r.victim?.pid, r.frames.map((f) => f.fn).join(',')]),
    backend: e.backend.map((x) => [x.kind, x.target, x.count]),
    notes: e.notes.map((x) => [x.kind, x.target, x.count]),
    release: e.node.kernelRelease,
    mounts: e.node.mounts.length,
  };
}

const HUNG = lines(
  '[ 4321.118003] INFO: task postgres:48211 blocked for more than 122 seconds.',
  '[ 4321.118010]       Not tainted 5.15.0-91-generic #101-Ubuntu',
  '[ 4321.118013] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
  '[ 4321.118015] task:postgres        state:D stack:    0 pid:48211 ppid: 48190 flags:0x00000000',
  '[ 4321.118019] Call Trace:',
  '[ 4321.118021]  <TASK>',
  '[ 4321.118024]  __schedule+0x2cd/0x890',
  '[ 4321.118030]  schedule+0x69/0x110',
  '[ 4321.118033]  rpc_wait_bit_killable+0x25/0xb0 [sunrpc]',
  '[ 4321.118052]  nfs_updatepage+0x1c1/0x3c0 [nfs]',
  '[ 4321.118060]  </TASK>',
);

describe('quote prefix', () => {
  it('strips "> " from a quoted kernel report: the same report as unquoted', () => {
    const quoted = HUNG.split('\n')
      .map((l) => `> ${l}`)
      .join('\n');
    expect(texts(quoted)).toEqual(HUNG.split('\n'));
    expect(evidenceOf(quoted)).toEqual(evidenceOf(HUNG));
  });

  it('strips nested and mixed levels (">>", "> > ", ">" on an empty line) — an empty quoted line is a block boundary', () => {
    const input = lines(
      '> On Tue, Jan 9, ops@example.com wrote:',
      '>> the node hangs, here is ps:',
      '> > root      1234  0.0  0.1  12345  6789 ?        D    10:00   0:00 umount /mnt/nfs',
      '>',
      '>>> [ 88.123456] nfs: server 10.0.0.5 not responding, still trying',
    );
    expect(texts(input)).toEqual([
      'On Tue, Jan 9, ops@example.com wrote:',
      'the node hangs, here is ps:',
      'root      1234  0.0  0.1  12345  6789 ?        D    10:00   0:00 umount /mnt/nfs',
      '',
      '[ 88.123456] nfs: server 10.0.0.5 not responding, still trying',
    ]);
  });

  it('strips a quote in front of code fences, and the fences then separate the blocks', () => {
    const input = lines('> dmesg says:', '> ```text', '> [ 12.000001] INFO: task tar:77 blocked for more than 120 seconds.', '> ```', '> then it recovered');
    expect(texts(input)).toEqual(['dmesg says:', '', '[ 12.000001] INFO: task tar:77 blocked for more than 120 seconds.', '', 'then it recovered']);
  });

  const row = (mark: string, pid: number, ppid: number, cpu: number, task: string, st: string, comm: string): string =>
    `${mark}${String(pid).padStart(6)} ${String(ppid).padStart(6)} ${String(cpu).padStart(3)}  ${task}  ${st}   2.1 1987432 702816  ${comm}`;
  const CRASH_PS = [
    '   PID    PPID  CPU       TASK        ST  %MEM     VSZ    RSS  COMM',
    row(' ', 1, 0, 2, 'ffff8e0a3a6c0000', 'IN', 'systemd'),
    row('>', 4321, 4300, 1, 'ffff8e09c4f31070', 'RU', 'sidekiq'),
    row('>', 4410, 1, 0, 'ffff8e09c5a01040', 'RU', 'containerd'),
    row(' ', 4330, 4300, 3, 'ffff8e09c4f35080', 'UN', 'sidekiq'),
  ];

  it("leaves crash ps's active-task marker alone: its columns line up with the unmarked rows", () => {
    expect(alignsWith(CRASH_PS[2], CRASH_PS[1])).toBe(true);
    expect(texts(lines('crash> ps', ...CRASH_PS))).toEqual(['crash> ps', ...CRASH_PS]);
    // Markers straight under the header, and a marked row first in its block.
    expect(texts(lines(CRASH_PS[0], CRASH_PS[2], CRASH_PS[3]))).toEqual([CRASH_PS[0], CRASH_PS[2], CRASH_PS[3]]);
    expect(texts(lines(CRASH_PS[2], CRASH_PS[1], CRASH_PS[4]))).toEqual([CRASH_PS[2], CRASH_PS[1], CRASH_PS[4]]);
  });

  it('a quoted crash ps keeps its markers: the deeper `>` followed by blanks and a pid is the marker', () => {
    const quoted = ['crash> ps', ...CRASH_PS].map((l) => `> ${l}`).join('\n');
    expect(quoteLevels(`> ${CRASH_PS[2]}`).marker).toBe(true);
    expect(texts(quoted)).toEqual(['crash> ps', ...CRASH_PS]);
    expect(evidenceOf(quoted)).toEqual(evidenceOf(lines('crash> ps', ...CRASH_PS)));
  });

  it('a quote of top rows (">> " then a right-aligned pid) is a quote, not a marker, when the block is quoted that deep', () => {
    const input = lines(
      '>>   PID USER      PR  NI    VIRT    RES    SHR S  %CPU %MEM     TIME+ COMMAND',
      '>>  8912 root      20   0 7400724 1.793g  16108 D   0.0  5.7  67:48.24 vmstorage',
      '>>  8945 root      20   0 7400724 1.793g  16108 D   0.0  5.7 130:01.68 vmstorage',
    );
    expect(texts(input)).toEqual([
      '  PID USER      PR  NI    VIRT    RES    SHR S  %CPU %MEM     TIME+ COMMAND',
      ' 8912 root      20   0 7400724 1.793g  16108 D   0.0  5.7  67:48.24 vmstorage',
      ' 8945 root      20   0 7400724 1.793g  16108 D   0.0  5.7 130:01.68 vmstorage',
    ]);
  });

  it('a lone "> text" is a quote; ">50 tasks in D" and a shell heredoc arrow in prose are left as written', () => {
    expect(texts(lines('the ticket says', '', '> pod stuck in Terminating since Monday', '', 'ok'))).toEqual(['the ticket says', '', 'pod stuck in Terminating since Monday', '', 'ok']);
    expect(texts(lines('load is high', '>50 tasks in D', 'after the upgrade'))).toEqual(['load is high', '>50 tasks in D', 'after the upgrade']);
  });
});

describe('line-number gutters', () => {
  it('cat -n (a tab after the number; empty lines numbered too) and the same copied from a terminal (two blanks)', () => {
    const body = HUNG.split('\n').slice(0, 5);
    const catN = [...body.slice(0, 2), '', ...body.slice(2)];
    const withTab = catN.map((l, i) => `${String(i + 1).padStart(6)}\t${l}`).join('\n');
    const copied = catN.map((l, i) => `${String(i + 1).padStart(6)}  ${l}`.trimEnd()).join('\n');
    expect(texts(withTab)).toEqual(catN);
    expect(texts(copied)).toEqual(catN);
  });

  it('grep -n: matches "N:", context lines "N-", groups separated by "--"', () => {
    const input = lines(
      '1041:[ 4321.118003] INFO: task postgres:48211 blocked for more than 122 seconds.',
      '1042-[ 4321.118010]       Not tainted 5.15.0-91-generic #101-Ubuntu',
      '--',
      '2210:[ 4563.200101] INFO: task postgres:48211 blocked for more than 245 seconds.',
      '2211-[ 4563.200110]       Not tainted 5.15.0-91-generic #101-Ubuntu',
    );
    expect(texts(input)).toEqual([
      '[ 4321.118003] INFO: task postgres:48211 blocked for more than 122 seconds.',
      '[ 4321.118010]       Not tainted 5.15.0-91-generic #101-Ubuntu',
      '',
      '[ 4563.200101] INFO: task postgres:48211 blocked for more than 245 seconds.',
      '[ 4563.200110]       Not tainted 5.15.0-91-generic #101-Ubuntu',
    ]);
  });

  it('editor gutters: "12 | ", "12│ ", vim "  12 " — a ps header under the numbers included', () => {
    const ps = [
      'USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
      'root       88401  0.0  0.0      0     0 ?        Z    Jan14   0:00 [runc:[2:INIT]] <defunct>',
      'root       88420  0.0  0.1 712332  9812 ?        Sl   Jan14   0:02 containerd-shim-runc-v2',
    ];
    expect(texts(ps.map((l, i) => `${i + 12} | ${l}`).join('\n'))).toEqual(ps);
    expect(texts(ps.map((l, i) => `${i + 7}│ ${l}`).join('\n'))).toEqual(ps);
    expect(texts(ps.map((l, i) => `${String(i + 98).padStart(4)} ${l}`).join('\n'))).toEqual(ps);
    // Vim's numbers in front of ps rows without their header: each row has its own pid after the number.
    expect(
      texts(
        ps
          .slice(1)
          .concat(ps.slice(1))
          .map((l, i) => `${String(i + 1).padStart(3)} ${l}`)
          .join('\n'),
      ),
    ).toEqual(ps.slice(1).concat(ps.slice(1)));
  });

  it('never strips a pid column: consecutive low pids of ps -e, a header above the pids, pgrep, mountinfo ids, times', () => {
    const psE = lines('    1 ?        00:00:03 systemd', '    2 ?        00:00:00 kthreadd', '    3 ?        00:00:00 rcu_gp', '    4 ?        00:00:00 rcu_par_gp');
    expect(texts(psE)).toEqual(psE.split('\n'));
    const withHeader = lines('  PID TTY          TIME CMD', '    1 ?        00:00:03 systemd', '    2 ?        00:00:00 kthreadd', '    3 ?        00:00:00 rcu_gp');
    expect(texts(withHeader)).toEqual(withHeader.split('\n'));
    const pgrep = lines('4410', '4411', '4412', '4413');
    expect(texts(pgrep)).toEqual(pgrep.split('\n'));
    const mountinfo = lines(
      '22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw',
      '23 1 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:14 - proc proc rw',
      '24 1 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw',
    );
    expect(texts(mountinfo)).toEqual(mountinfo.split('\n'));
    const sar = lines(
      '08:00:01 AM     all      0.50      0.00      0.25     42.10',
      '09:00:01 AM     all      0.40      0.00      0.20     48.90',
      '10:00:01 AM     all      0.45      0.00      0.22     51.30',
    );
    expect(texts(sar)).toEqual(sar.split('\n'));
    const scsi = lines(
      '2:0:0:0: [sdb] tag#12 FAILED Result: hostbyte=DID_TRANSPORT_DISRUPTED',
      '3:0:0:0: [sdc] tag#3 FAILED Result: hostbyte=DID_TRANSPORT_DISRUPTED',
      '4:0:0:0: [sdd] tag#9 FAILED Result: hostbyte=DID_TRANSPORT_DISRUPTED',
    );
    expect(texts(scsi)).toEqual(scsi.split('\n'));
    expect(numbered('space', '    1 ?        00:00:03 systemd', false)).toEqual({ num: 1, content: '?        00:00:03 systemd' });
  });

  it('quoted, numbered and fenced at once: the same evidence as the clean report', () => {
    const messy = ['> ```', ...HUNG.split('\n').map((l, i) => `> ${String(i + 1).padStart(3)} | ${l}`), '> ```'].join('\n');
    expect(texts(messy)).toEqual(['', ...HUNG.split('\n'), '']);
    expect(evidenceOf(messy)).toEqual(evidenceOf(HUNG));
  });
});

describe('markdown and HTML', () => {
  it('removes backslash escapes, but not `ps f` tree art, `\\\\` or the \\" of strace strings', () => {
    expect(
      texts(
        lines(
          'root  3323  0.0  0.0  0  0 ?  Z  Jan14  0:00 \\[nginx\\] \\<defunct\\>',
          'kworker\\_u16:3 and \\*all\\* of \\#42 \\| it \\- see',
          'root  1788  0.0  0.0  5796  3648 ?  R+  06:27  0:00  \\_ ps auxf',
          'read(3, "say \\"hi\\"\\n", 4096) = 11',
        ),
      ),
    ).toEqual([
      'root  3323  0.0  0.0  0  0 ?  Z  Jan14  0:00 [nginx] <defunct>',
      'kworker_u16:3 and *all* of #42 | it - see',
      'root  1788  0.0  0.0  5796  3648 ?  R+  06:27  0:00  \\_ ps auxf',
      'read(3, "say \\"hi\\"\\n", 4096) = 11',
    ]);
  });

  it('code fences become an empty line (a block boundary); a command after the fence is read', () => {
    const out = normaliseText(lines('```console', '$ ps -o pid,stat,wchan:32,comm 4410', '```', '~~~', 'x', '~~~', '   ```', '```docker ps -a | grep influx'));
    expect(out.map((r) => (r.kind === 'text' ? [r.line, r.text] : [r.line, r.kind]))).toEqual([
      [1, ''],
      [2, '$ ps -o pid,stat,wchan:32,comm 4410'],
      [3, ''],
      [4, ''],
      [5, 'x'],
      [6, ''],
      [7, ''],
      [8, ''],
      [8, 'docker ps -a | grep influx'],
    ]);
  });

  it('code on one line between backticks, a whole line in backticks, a backtick left dangling by a multi-line span', () => {
    expect(texts(lines('```4.15.0-45-generic```', '`uname -r`', '`', '    8775 elastic+  20   0       0      0      0 Z   1.0  0.0   7316:53 java     `', 'echo `uname -r` here'))).toEqual([
      '4.15.0-45-generic',
      'uname -r',
      '',
      '    8775 elastic+  20   0       0      0      0 Z   1.0  0.0   7316:53 java     ',
      'echo `uname -r` here',
    ]);
  });

  it('HTML: <br> splits the line, formatting tags go, entities are decoded; kernel text in angle brackets stays', () => {
    const out = records(
      lines(
        '<details><summary>dmesg</summary>',
        'nginx 17 is &lt;defunct&gt; &amp; its parent 1 is &quot;tini&quot; &#39;ok&#39;<br>second line<br/>',
        '[ 5.1] Call Trace:<br> <TASK>',
        'chrome 39 <defunct> <IRQ> </NMI>',
      ),
    );
    expect(out).toEqual([
      { kind: 'text', text: 'dmesg', line: 1 },
      { kind: 'text', text: 'nginx 17 is <defunct> & its parent 1 is "tini" \'ok\'', line: 2 },
      { kind: 'text', text: 'second line', line: 2 },
      { kind: 'text', text: '', line: 2 },
      { kind: 'text', text: '[ 5.1] Call Trace:', line: 3 },
      { kind: 'text', text: ' <TASK>', line: 3 },
      { kind: 'text', text: 'chrome 39 <defunct> <IRQ> </NMI>', line: 4 },
    ]);
  });

  it('an indented code block of dmesg loses its indent (a log prefix must start the line); frames keep theirs', () => {
    expect(texts(lines('    [Wed Jun 14 18:03:48 2017] INFO: task java:8775 blocked for more than 120 seconds.', '     xfs_reclaim_inode+0x8c/0x350 [xfs]'))).toEqual([
      '[Wed Jun 14 18:03:48 2017] INFO: task java:8775 blocked for more than 120 seconds.',
      '     xfs_reclaim_inode+0x8c/0x350 [xfs]',
    ]);
  });

  it('tabs expand at 8 columns, or at the width that lines tree art up under its branches', () => {
    expect(expandTabs('Name:\tbash')).toBe('Name:   bash');
    expect(texts(lines('State:\tD (disk sleep)', 'NSpid:\t30629\t2'))).toEqual(['State:  D (disk sleep)', 'NSpid:  30629   2']);
    const tree = texts(lines('/pause(1)-+-/init.sh(7)-+-/supervisord(14)', '\t\t\t\t\t    |', '\t\t\t\t\t    |-nginx: master(17)'));
    expect(tree[1].indexOf('|')).toBe(tree[0].indexOf('+', 12));
    expect(tree[2].indexOf('|')).toBe(tree[0].indexOf('+', 12));
  });
});

describe('kernel lines wrapped onto the next line', () => {
  it('joins a headline word-wrapped mid-phrase: the hung-task report reads 120 seconds, both lines are inputs', () => {
    const input = lines('[ 363.100711] INFO: task fluent-bit:2211 blocked for more than', '120 seconds.', '[ 363.100720]       Tainted: G           OE     6.12.40 #1');
    const out = records(input);
    expect(out[0]).toEqual({ kind: 'text', text: '[ 363.100711] INFO: task fluent-bit:2211 blocked for more than 120 seconds.', line: 1, last: 2 });
    const ev = parsePaste(input);
    expect(ev.reports.map((r) => [r.kind, r.pid, r.seconds])).toEqual([['hung-task', 2211, 120]]);
    const covered = (n: number): boolean => ev.inputs.some((i) => i.kind !== 'unrecognised' && i.lines[0] <= n && n <= i.lines[1]);
    expect([1, 2, 3].every(covered)).toBe(true);
  });

  it('joins an OOM kill line wrapped after a comma and one cut where only the joined text is a headline', () => {
    expect(texts(lines('Dec 18 09:05:04 s12 kernel: Memory cgroup out of memory: Killed process 30074 (node) total-vm:866504kB,', 'anon-rss:223336kB, file-rss:0kB'))).toEqual([
      'Dec 18 09:05:04 s12 kernel: Memory cgroup out of memory: Killed process 30074 (node) total-vm:866504kB, anon-rss:223336kB, file-rss:0kB',
    ]);
    expect(texts(lines('[ 77.1] Memory cgroup out of memory: Killed process 30074', '(node) total-vm:866504kB'))).toEqual([
      '[ 77.1] Memory cgroup out of memory: Killed process 30074 (node) total-vm:866504kB',
    ]);
  });

  it('joins a hard wrap at the terminal width as it is (the break falls inside a cgroup path)', () => {
    const full = `[1394910.142195] Task in /kubepods/burstable/pod7f3c2a90-${'0a1b2c3d'.repeat(8)}/${'9e8d7c6b'.repeat(8)} killed as a result of limit of /kubepods/burstable/pod7f3c2a90-${'0a1b2c3d'.repeat(8)}`;
    const width = 100;
    const pieces: string[] = [];
    for (let i = 0; i < full.length; i += width) pieces.push(full.slice(i, i + width));
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    expect(texts(lines(...pieces, '[1394910.142200] Memory cgroup stats for /kubepods/burstable'))).toEqual([full, '[1394910.142200] Memory cgroup stats for /kubepods/burstable']);
  });

  it('never takes a frame, a register line, a report line, a new log line or a sentence for a continuation', () => {
    const keep = [
      lines('[ 5.000001] INFO: task kworker/u8:2:211 blocked for more than 120 seconds.', ' __schedule+0x2cd/0x890', ' ? wait_woken+0x80/0x80'),
      lines('[ 5.000001] RIP: 0010:native_queued_spin_lock_slowpath+0x5c/0x1d0 with a long tail of text here', 'RSP: 0018:ffffb4c1c1f4bd28 EFLAGS: 00000202'),
      lines('[ 5.000001] CPU: 3 PID: 72865 Comm: readiness.sh Tainted: G        W        4.15.0-66-generic #75-Ubuntu', 'Call Trace:'),
      lines('[ 5.000001] nfs: server 10.0.0.5 not responding, still trying', 'Then the pod stayed Terminating for two days.'),
      lines('[ 5.000001] nfs: server 10.0.0.5 not responding, still trying', '[ 5.000002] nfs: server 10.0.0.5 OK'),
    ];
    for (const k of keep) expect(texts(k)).toEqual(k.split('\n'));
  });
});

describe('cut marks', () => {
  const MARKS = ['[...]', '...', '…', '[snip]', '<snip>', '(...)', '-- snip --', '[ ... ]', '[…]', '[... 200 lines omitted ...]', '--8<--', '... snip ...', '  [...]  '];

  it('every usual mark is a cut, not text to read', () => {
    for (const m of MARKS) expect([m, isCutLine(m)]).toEqual([m, true]);
    const input = lines(...MARKS);
    expect(texts(input)).toEqual([]);
    expect(cuts(input)).toEqual(MARKS.map((_m, i) => i + 1));
    for (const m of ['(2 rows)', '... (hung) ...', '---', '***', 'cut the power', '']) expect([m, isCutLine(m)]).toEqual([m, false]);
  });

  it('records cuts by line in the evidence; a report open at a cut (that ends there) is partial; a cut is not unrecognised input', () => {
    const input = lines('some notes first', ...HUNG.split('\n').slice(0, 8), '[...]');
    const ev = parsePaste(input);
    expect(ev.cuts).toEqual([10]);
    expect(ev.reports[0].partial).toBe(true);
    expect(ev.inputs.filter((i) => i.kind === 'unrecognised').map((i) => i.lines)).toEqual([[1, 1]]);
    expect(parsePaste(HUNG).reports[0].partial).toBeFalsy();
  });

  it('a line cut short keeps its text (a table reads "[...]" as unknown columns) and the cut is recorded', () => {
    const row = 'systemd+ 10541  0.0  0.0      0     0 ?        Z    Jul30 [...]';
    expect(hasInlineCut(row)).toBe(true);
    expect(hasInlineCut('[...] and then it hung')).toBe(true);
    expect(hasInlineCut('[  783.891329] INFO: task stat:2308')).toBe(false);
    expect(records(row)).toEqual([
      { kind: 'text', text: row, line: 1 },
      { kind: 'cut', line: 1 },
    ]);
  });
});

describe('characters', () => {
  it('CRLF, NBSP, zero-width characters and colour codes go; smart quotes stay', () => {
    expect(cleanChars('a\u00a0b\u200bc\u2060d\ufeff\r')).toBe('a bcd');
    expect(cleanChars('\x1b[1;31mD\x1b[0m state')).toBe('D state');
    expect(cleanChars('it said “blocked” and ‘stuck’')).toBe('it said “blocked” and ‘stuck’');
    const dos = HUNG.split('\n')
      .map((l) => `${l.replace('] ', ']\u00a0').replace('task', 't\u200bask')}\u200b\r`)
      .join('\n');
    expect(evidenceOf(dos)).toEqual(evidenceOf(HUNG));
  });
});

describe('line numbers stay those of the paste', () => {
  it('through quotes, gutters, fences, a <br> and an unreadable line', () => {
    const input = lines(
      'prose line one',
      '> ```',
      ...HUNG.split('\n')
        .slice(0, 3)
        .map((l, i) => `> ${i + 1}: ${l}`.replace(`${i + 1}: `, `${i + 1}:`)),
      '> ```',
      'bad \u0000 line',
      '   PID TTY      STAT   TIME COMMAND',
      ' 4410 ?        D      0:00 umount /mnt',
    );
    const ev = parsePaste(input);
    expect(ev.unreadable).toEqual([{ lines: [7, 7], reason: 'binary data' }]);
    const kernel = ev.inputs.filter((i) => i.kind === 'dmesg').map((i) => i.lines);
    expect(kernel).toEqual([[3, 5]]);
    expect(ev.inputs.find((i) => i.kind === 'unrecognised')?.lines).toEqual([1, 1]);
    expect(ev.tasks.find((t) => t.tid === 4410)?.state).toBe('D');
  });
});

describe('corpus: a quoted, numbered, fenced, escaped paste gives the same evidence as the clean one', () => {
  const CORPUS = path.resolve(__dirname, '../../fixtures/corpus');
  const CASES = [
    'r-001-hung-task-fuse-6x',
    'r-002-memcg-oom-kill-pod',
    'r-003-pidns-teardown-fuse-6x',
    's-001-pod-terminating-zap-pid-ns',
    's-002-ceph-full-d-state',
    's-004-soft-lockup-stop-machine',
    's-008-fsck-rbd-d-state',
  ];
  const VARIANTS: Record<string, (l: string[]) => string[]> = {
    'quoted "> " and numbered by cat -n': (l) => l.map((x, i) => `> ${String(i + 1).padStart(6)}\t${x}`),
    'quoted ">>" / "> > " and numbered in an editor gutter inside a fence': (l) => ['```', ...l.map((x, i) => `${i % 2 ? '>>' : '> >'} ${String(i + 1).padStart(4)} | ${x}`), '```'],
    'grep -n, CRLF and NBSP': (l) => l.map((x, i) => `${i + 1}:${x.replace(/^ /, '\u00a0')}\r`),
    'vim numbers': (l) => l.map((x, i) => `${String(i + 1).padStart(3)} ${x}`),
    'markdown escapes': (l) => l.map((x) => x.replace(/[<>[\]*#|]/g, (c) => `\\${c}`).replace(/_(?=\S)/g, '\\_')),
  };
  const cases = CASES.map((name) => [name, readFileSync(path.join(CORPUS, name, 'input.txt'), 'utf8').replace(/\n$/, '')] as const);

  it.each(cases)('%s', (_name, input) => {
    const clean = evidenceOf(input);
    for (const [variant, make] of Object.entries(VARIANTS)) {
      expect([variant, evidenceOf(make(input.split('\n')).join('\n'))]).toEqual([variant, clean]);
    }
  });
});

describe('linear time: no pattern here backtracks on a 64 KB line', () => {
  const SIZE = 64 * 1024;
  const fill = (unit: string): string => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
  const SHAPES: Record<string, string> = {
    spaces: fill(' '),
    '>': fill('>'),
    digits: fill('0123456789'),
    '> >': fill('> '),
    '1 ': fill('1 '),
    tabs: fill('\t'),
    '<b ': `<b${fill(' ')}`,
    '&#': fill('&#1'),
    backslashes: fill('\\'),
    backticks: fill('`'),
    '[...': `[${fill('.')}`,
    words: fill('for '),
    'number then blanks': `1${fill(' ')}`,
    'number then digits': `1:${fill('0')}x`,
    'fence then blanks': `\`\`\`${fill(' ')}\``,
  };
  /** CPU time, best of three: other processes on the machine and a GC pause do not fail the test. */
  const ms = (f: () => unknown): number => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = process.cpuUsage();
      f();
      const t = process.cpuUsage(t0);
      best = Math.min(best, (t.user + t.system) / 1000);
    }
    return best;
  };
  const FUNCTIONS: Record<string, (s: string) => unknown> = {
    cleanChars,
    quoteLevels,
    alignsWith: (s) => alignsWith(`>${s}`, s),
    expandTabs,
    'numbered tab': (s) => numbered('tab', s, false),
    'numbered pipe': (s) => numbered('pipe', s, false),
    'numbered grep': (s) => numbered('grep', s, false),
    'numbered space': (s) => numbered('space', s, false),
    markdownLine,
    isCutLine,
    hasInlineCut,
    // The whole normaliser, the line in each place a lookahead looks at it: a table, after a log line, in a gutter, in a quote.
    'normaliser, among ps rows': (s) => normaliseText(lines('   PID TTY      STAT   TIME COMMAND', s, ' 4410 ?        D      0:00 umount')),
    'normaliser, after a log line': (s) => normaliseText(lines('[ 5.000001] INFO: task x:1 blocked for more than', s)),
    'normaliser, in a gutter': (s) => normaliseText(lines('  1 | [ 5.1] a', `  2 | ${s}`, '  3 | [ 5.3] b')),
    'normaliser, in a quote': (s) => normaliseText(lines('> [ 5.1] a', `> ${s}`, '> [ 5.3] b')),
  };

  it.each(Object.keys(SHAPES))('%s', (shape) => {
    const line = SHAPES[shape];
    const slow = Object.entries(FUNCTIONS)
      .map(([name, f]) => [name, Math.round(ms(() => f(line)))] as const)
      .filter(([, t]) => t >= 50);
    expect(slow).toEqual([]);
  });
});

/** Records are emitted in order: a lookahead never reorders lines. */
it('keeps input order across the lookahead windows', () => {
  const input = Array.from({ length: 40 }, (_v, i) => (i % 7 === 0 ? '> quoted' : i % 5 === 0 ? '[...]' : `line ${i}`)).join('\n');
  const order = normaliseText(input).map((r: NormalLine) => r.line);
  expect(order).toEqual([...order].sort((a, b) => a - b));
});
