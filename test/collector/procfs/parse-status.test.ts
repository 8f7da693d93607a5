import { parseStatus } from '../../../collector/src/procfs/parse-status';

describe('parseStatus', () => {
  it('reads namespaces, tracer and signal masks', () => {
    const s = parseStatus([
      'Name:\tprometheus', 'State:\tZ (zombie)', 'Tgid:\t22103', 'PPid:\t22080', 'TracerPid:\t0',
      'Uid:\t65534\t65534\t65534\t65534', 'NStgid:\t22103\t7', 'NSpid:\t22103\t7',
      'Threads:\t6', 'SigPnd:\t0000000000000000', 'ShdPnd:\t0000000000000100',
      'SigBlk:\t0000000000000000', 'SigIgn:\t0000000000000000', 'SigCgt:\tfffffffe7fc1feff',
      'voluntary_ctxt_switches:\t150', 'nonvoluntary_ctxt_switches:\t545',
    ].join('\n'));
    expect(s).toMatchObject({ name: 'prometheus', state: 'Z', tgid: 22103, ppid: 22080, tracerPid: 0, uid: 65534, threads: 6, shdPnd: '0000000000000100', voluntaryCtxtSwitches: 150 });
    expect(s.nsPid).toEqual([22103, 7]);
    expect(s.nsTgid).toEqual([22103, 7]);
  });
});
