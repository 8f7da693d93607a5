/** The fields of /proc/PID/status that the evidence model uses. */
export interface ProcStatus {
  name?: string;
  state?: string;
  tgid?: number;
  ppid?: number;
  tracerPid?: number;
  uid?: number;
  nsPid: number[];
  nsTgid: number[];
  sigPnd?: string;
  shdPnd?: string;
  sigBlk?: string;
  sigIgn?: string;
  sigCgt?: string;
  vmRssKb?: number;
  threads?: number;
  voluntaryCtxtSwitches?: number;
  nonvoluntaryCtxtSwitches?: number;
}

const ints = (v: string): number[] => v.split(/\s+/).filter(Boolean).map(Number);

export function parseStatus(text: string): ProcStatus {
  const out: ProcStatus = { nsPid: [], nsTgid: [] };
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    switch (key) {
      case 'Name': out.name = value; break;
      case 'State': out.state = value.charAt(0); break;
      case 'Tgid': out.tgid = Number(value); break;
      case 'PPid': out.ppid = Number(value); break;
      case 'TracerPid': out.tracerPid = Number(value); break;
      case 'Uid': out.uid = ints(value)[0]; break;
      case 'NSpid': out.nsPid = ints(value); break;
      case 'NStgid': out.nsTgid = ints(value); break;
      case 'SigPnd': out.sigPnd = value; break;
      case 'ShdPnd': out.shdPnd = value; break;
      case 'SigBlk': out.sigBlk = value; break;
      case 'SigIgn': out.sigIgn = value; break;
      case 'SigCgt': out.sigCgt = value; break;
      case 'VmRSS': out.vmRssKb = parseInt(value, 10); break;
      case 'Threads': out.threads = Number(value); break;
      case 'voluntary_ctxt_switches': out.voluntaryCtxtSwitches = Number(value); break;
      case 'nonvoluntary_ctxt_switches': out.nonvoluntaryCtxtSwitches = Number(value); break;
      default: break;
    }
  }
  return out;
}
