import { guardedFiles, parseRecords, section, completed } from '../../../bot/src/nodes/ssh/remote-records';
import { parseRemoteErrors } from '../../../bot/src/nodes/ssh/remote-errors';
import { kmsgFromDmesg, kmsgFromStream } from '../../../bot/src/nodes/ssh/remote-kmsg';

const out = (...parts: string[]): Buffer => Buffer.from(parts.join(''), 'latin1');

describe('collect.sh output', () => {
  it('file contents cannot forge markers: every file record starts with its path', () => {
    // A process whose arguments are "@@end", "\n@@batch 0" and "x\0@@skip 1/cmdline" (NULs split arguments).
    const records = parseRecords(
      out('\0@@cmdlines 1\0', '7/cmdline:evil\0', '7/cmdline:@@end\0', '7/cmdline:\n@@batch 0\0', '7/cmdline:x\0', '8/cmdline:sleep\0', '8/cmdline:1000\0', '\0@@batch 0\0\0@@end\0'),
    );
    expect(records.filter((r) => 'mark' in r).map((r) => ('mark' in r ? r.mark[0] : ''))).toEqual(['cmdlines', 'batch', 'end']);
    const files = guardedFiles(records, 'cmdlines');
    expect(files.get('7/cmdline')).toEqual({ status: 'ok', raw: 'evil\0@@end\0\n@@batch 0\0x' });
    expect(files.get('8/cmdline')).toEqual({ status: 'ok', raw: 'sleep\x001000' });
    expect(completed(records)).toBe(true);
  });

  it('a batch cut by its deadline counts for nothing; its files are read again one by one', () => {
    const records = parseRecords(
      out(
        '\0@@stacks\0',
        '5/task/5/stack:[<0>] do_wait\n', // cut mid-record when grep was killed
        '\0@@batch 137\0',
        '5/task/5/stack:[<0>] do_wait+0x1/0x2\n\0',
        '\0@@file 5/task/5/stack 0\0',
        '\0@@file 6/task/6/stack 137\0',
        '\0@@skip 9/task/9/stack\0',
        '\0@@end\0',
      ),
    );
    const files = guardedFiles(records, 'stacks');
    expect(files.get('5/task/5/stack')).toEqual({ status: 'ok', raw: '[<0>] do_wait+0x1/0x2\n' });
    expect(files.get('6/task/6/stack')).toEqual({ status: 'timed-out', triedMs: 1000 });
    expect(files.get('9/task/9/stack')).toEqual({ status: 'skipped' });
  });

  it('a long command line read alone with head -c: its "(standard input)" pieces belong to the file between @@cut and @@file', () => {
    const records = parseRecords(
      out(
        '\0@@cmdlines 1\0',
        '7/cmdline:sleep\0',
        '7/cmdline:1\0',
        '\0@@batch 0\0',
        '\0@@cut 8/cmdline\0',
        '(standard input):java\0',
        '(standard input):-cp\0',
        '(standard input):a.jar:b.ja\0',
        '\0@@file 8/cmdline 0\0',
        '\0@@cut 9/cmdline\0',
        '(standard input):stuck\0',
        '\0@@file 9/cmdline 137\0',
        '(standard input):outside a cut\0',
        '\0@@batch 0\0',
        '\0@@end\0',
      ),
    );
    const files = guardedFiles(records, 'cmdlines');
    expect(files.get('7/cmdline')).toEqual({ status: 'ok', raw: 'sleep\x001' });
    expect(files.get('8/cmdline')).toEqual({ status: 'ok', raw: 'java\0-cp\0a.jar:b.ja' });
    expect(files.get('9/cmdline')).toEqual({ status: 'timed-out', triedMs: 1000 });
    expect([...files.keys()].sort()).toEqual(['7/cmdline', '8/cmdline', '9/cmdline']);
  });

  it('sections, cgroup paths with colons, and a run cut short', () => {
    const records = parseRecords(out('\0@@cgroups\0', 'exists:/sys/fs/cgroup/freezer/tasks\0', '/sys/fs/cgroup/unified/kubepods.slice/a:b:c/cgroup.events:populated 1\nfrozen 0\n\0', '\0@@kmsg\0'));
    expect(section(records, 'cgroups')).toEqual([
      { name: 'exists', text: '/sys/fs/cgroup/freezer/tasks' },
      { name: '/sys/fs/cgroup/unified/kubepods.slice/a:b:c/cgroup.events', text: 'populated 1\nfrozen 0\n' },
    ]);
    expect(completed(records)).toBe(false);
  });

  it('stderr lines of GNU and busybox tools become paths and errno codes', () => {
    const { errors, other } = parseRemoteErrors(
      [
        'grep: 12/task/12/stack: Permission denied',
        "ls: cannot read symbolic link '1/ns/pid': Permission denied",
        "ls: cannot access '99/ns/pid': No such file or directory",
        "dd: failed to open '/dev/kmsg': Operation not permitted",
        'grep: 5/status: No such process',
        'something else entirely',
      ].join('\n'),
    );
    expect(errors).toEqual([
      { path: '/proc/12/task/12/stack', code: 'EACCES', message: 'Permission denied' },
      { path: '/proc/1/ns/pid', code: 'EACCES', message: 'Permission denied' },
      { path: '/proc/99/ns/pid', code: 'ENOENT', message: 'No such file or directory' },
      { path: '/dev/kmsg', code: 'EPERM', message: 'Operation not permitted' },
      { path: '/proc/5/status', code: 'ESRCH', message: 'No such process' },
    ]);
    expect(other).toEqual(['something else entirely']);
  });

  it('the kernel log stream splits back into records; gaps are lost records; a re-read ring is not repeated', () => {
    const stream = [
      '6,10,1000,-;first',
      '3,11,2000,-,caller=T42;sd 0:0:0:0: [sda] tag#0 FAILED',
      ' SUBSYSTEM=scsi',
      ' DEVICE=+scsi:0:0:0:0',
      '4,14,3000,-;after a gap',
      '6,10,1000,-;first',
      '4,14,3000,-;after a gap',
      '4,15,4000,-;escaped \\x0a newline',
      '',
    ].join('\n');
    const r = kmsgFromStream(stream, { sinceSeq: 0n, bootTimeMs: 1_000_000 });
    expect(r.records.map((k) => [k.seq, k.level, k.text, k.continuation])).toEqual([
      ['10', 6, 'first', []],
      ['11', 3, 'sd 0:0:0:0: [sda] tag#0 FAILED', ['SUBSYSTEM=scsi', 'DEVICE=+scsi:0:0:0:0']],
      ['14', 4, 'after a gap', []],
      ['15', 4, 'escaped \n newline', []],
    ]);
    expect(r.records[1]).toMatchObject({ caller: 'T42', wall_time_unix_ms: '1000002' });
    expect(r).toMatchObject({ lost: 2n, nextSeq: 16n, newestSeq: 15n });
    expect(kmsgFromStream(stream, { sinceSeq: 14n, bootTimeMs: 0 }).records.map((k) => k.seq)).toEqual(['14', '15']);
  });

  it('dmesg -r lines, when /dev/kmsg cannot be opened', () => {
    expect(kmsgFromDmesg('<3>[   12.500000] EXT4-fs error\n<12>[13.000001] user\n', 0)).toEqual([
      { seq: '0', level: 3, facility: 0, monotonic_us: '12500000', wall_time_unix_ms: '12500', text: 'EXT4-fs error', continuation: [], caller: '' },
      { seq: '1', level: 4, facility: 1, monotonic_us: '13000001', wall_time_unix_ms: '13000', text: 'user', continuation: [], caller: '' },
    ]);
  });
});
