import { readdirSync, readFileSync } from 'node:fs';
import { parseStatus, type ProcStatus } from '../../../collector/src/procfs/parse-status';

/** The straightforward reading (every line split into key and value), to compare the fast one with. */
function reference(text: string): ProcStatus {
  const ints = (v: string): number[] => v.split(/\s+/).filter(Boolean).map(Number);
  const out: ProcStatus = { nsPid: [], nsTgid: [] };
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const value = line.slice(colon + 1).trim();
    switch (line.slice(0, colon)) {
      case 'Name':
        out.name = value;
        break;
      case 'State':
        out.state = value.charAt(0);
        break;
      case 'Tgid':
        out.tgid = Number(value);
        break;
      case 'PPid':
        out.ppid = Number(value);
        break;
      case 'TracerPid':
        out.tracerPid = Number(value);
        break;
      case 'Uid':
        out.uid = ints(value)[0];
        break;
      case 'NSpid':
        out.nsPid = ints(value);
        break;
      case 'NStgid':
        out.nsTgid = ints(value);
        break;
      case 'SigPnd':
        out.sigPnd = value;
        break;
      case 'ShdPnd':
        out.shdPnd = value;
        break;
      case 'SigBlk':
        out.sigBlk = value;
        break;
      case 'SigIgn':
        out.sigIgn = value;
        break;
      case 'SigCgt':
        out.sigCgt = value;
        break;
      case 'VmRSS':
        out.vmRssKb = parseInt(value, 10);
        break;
      case 'Threads':
        out.threads = Number(value);
        break;
      case 'voluntary_ctxt_switches':
        out.voluntaryCtxtSwitches = Number(value);
        break;
      case 'nonvoluntary_ctxt_switches':
        out.nonvoluntaryCtxtSwitches = Number(value);
        break;
      default:
        break;
    }
  }
  return out;
}

describe('parseStatus', () => {
  it('reads namespaces, tracer and signal masks', () => {
    const s = parseStatus(
      [
        'Name:\tprometheus',
        'State:\tZ (zombie)',
        'Tgid:\t22103',
        'PPid:\t22080',
        'TracerPid:\t0',
        'Uid:\t65534\t65534\t65534\t65534',
        'NStgid:\t22103\t7',
        'NSpid:\t22103\t7',
        'Threads:\t6',
        'SigPnd:\t0000000000000000',
        'ShdPnd:\t0000000000000100',
        'SigBlk:\t0000000000000000',
        'SigIgn:\t0000000000000000',
        'SigCgt:\tfffffffe7fc1feff',
        'voluntary_ctxt_switches:\t150',
        'nonvoluntary_ctxt_switches:\t545',
      ].join('\n'),
    );
    expect(s).toMatchObject({ name: 'prometheus', state: 'Z', tgid: 22103, ppid: 22080, tracerPid: 0, uid: 65534, threads: 6, shdPnd: '0000000000000100', voluntaryCtxtSwitches: 150 });
    expect(s.nsPid).toEqual([22103, 7]);
    expect(s.nsTgid).toEqual([22103, 7]);
  });

  it('reads every status file of this machine as splitting each line would', () => {
    let compared = 0;
    for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      let tids: string[] = [];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue;
      }
      for (const tid of tids) {
        let text: string;
        try {
          text = readFileSync(`/proc/${pid}/task/${tid}/status`, 'latin1');
        } catch {
          continue;
        }
        expect(parseStatus(text)).toEqual(reference(text));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('keeps odd names and values as they are', () => {
    for (const text of ['Name:\ta: b \nState:\tS (sleeping)\n', 'Name:\t\nUid:\n', 'Name:x\nNSpid:\t1\t2\t3', 'NoColonLine\nTgid: 12 \r\n', '']) {
      expect(parseStatus(text)).toEqual(reference(text));
    }
  });
});
