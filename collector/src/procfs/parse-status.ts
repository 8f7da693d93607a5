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

/**
 * One pass over the text: a line's key is recognised where it starts (by its
 * first character and length), and only the values kept are cut out — a
 * status file has ~55 lines, and the scan reads one per process (and per
 * thread of interest); splitting all of them into keys and values was most
 * of the garbage a scan of many small processes made.
 */
export function parseStatus(text: string): ProcStatus {
  const out: ProcStatus = { nsPid: [], nsTgid: [] };
  const n = text.length;
  let pos = 0;
  while (pos < n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    const colon = text.indexOf(':', pos);
    if (colon >= 0 && colon < end) {
      const len = colon - pos;
      const key = keyAt(text, pos, len);
      if (key) {
        let a = colon + 1;
        while (a < end && text.charCodeAt(a) <= 32) a++;
        let b = end;
        while (b > a && text.charCodeAt(b - 1) <= 32) b--;
        const value = text.slice(a, b);
        switch (key) {
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
    }
    pos = end + 1;
  }
  return out;
}

/** Keys kept, by length; a line's key is compared only with those of its length and first character. */
const KEYS = new Map<number, string[]>();
for (const k of [
  'Name',
  'State',
  'Tgid',
  'PPid',
  'TracerPid',
  'Uid',
  'NSpid',
  'NStgid',
  'SigPnd',
  'ShdPnd',
  'SigBlk',
  'SigIgn',
  'SigCgt',
  'VmRSS',
  'Threads',
  'voluntary_ctxt_switches',
  'nonvoluntary_ctxt_switches',
]) {
  KEYS.set(k.length, [...(KEYS.get(k.length) ?? []), k]);
}

function keyAt(text: string, pos: number, len: number): string | undefined {
  const candidates = KEYS.get(len);
  if (!candidates) return undefined;
  const c = text.charCodeAt(pos);
  for (const k of candidates) if (k.charCodeAt(0) === c && text.startsWith(k, pos)) return k;
  return undefined;
}
