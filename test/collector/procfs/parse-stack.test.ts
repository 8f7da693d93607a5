import { parseStack, parseStackLine } from '../../../collector/src/procfs/parse-stack';

describe('parseStack', () => {
  it('parses /proc/PID/stack of a modern kernel (hidden addresses)', () => {
    const frames = parseStack('[<0>] zap_pid_ns_processes+0x1a3/0x1f0\n[<0>] do_exit+0x8b7/0xaf0\n[<0>] do_group_exit+0x31/0x80\n');
    expect(frames.map((f) => f.function)).toEqual(['zap_pid_ns_processes', 'do_exit', 'do_group_exit']);
    expect(frames[0]).toMatchObject({ offset: '+0x1a3/0x1f0', address: '[<0>]', unreliable: false });
  });

  it('parses old-kernel frames with addresses, modules and unreliable markers', () => {
    expect(parseStackLine('[<ffffffffc0a1b2c3>] request_wait_answer+0x11b/0x210 [fuse]')).toMatchObject({ function: 'request_wait_answer', module: 'fuse', address: '[<ffffffffc0a1b2c3>]' });
    expect(parseStackLine(' ? __schedule+0x2c4/0x880')).toMatchObject({ function: '__schedule', unreliable: true });
    expect(parseStackLine('  schedule+0x36/0x80')).toMatchObject({ function: 'schedule', unreliable: false });
  });

  it('ignores lines that are not frames', () => {
    expect(parseStack('Call Trace:\n<TASK>\nRIP: 0033:0x7f\n')).toEqual([]);
  });
});
