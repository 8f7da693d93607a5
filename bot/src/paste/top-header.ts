import type { NodeEvidence } from '../evidence/evidence';

/**
 * Node-wide numbers from `top` headers (procps and busybox), `uptime`,
 * /proc/loadavg and /proc/stat:
 *   top - 07:45:10 up 5 days, 20:33,  1 user,  load average: 26.22, 26.56, 25.38
 *   Tasks: 479 total,   1 running, 474 sleeping,   0 stopped,   4 zombie
 *   %Cpu(s):  8.5 us,  3.9 sy,  0.0 ni, 32.1 id, 55.1 wa,  0.0 hi,  0.4 si,  0.0 st
 *   %Cpu3  :  0.0 us,  0.3 sy,  0.0 ni, 99.7 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st   (top with "1": one per CPU)
 *   26.22 26.56 25.38 3/1234 98765
 *   Load average: 0.52 0.58 0.59 2/187 1234                                          (busybox top)
 *   CPU:   0% usr   1% sys   0% nic  97% idle   1% io   0% irq   0% sirq               (busybox top)
 * Returns what the line was, or null.
 */
const LOAD = /[Ll]oad averages?: ([\d.]+),? ([\d.]+),? ([\d.]+)(?: (\d+)\/(\d+))?/;
const LOADAVG_FILE = /^([\d.]+) ([\d.]+) ([\d.]+) (\d+)\/(\d+) \d+$/;
const TASKS = /^(?:Tasks|Threads):\s+(\d+) total,\s+(\d+) running,\s+(\d+) sleeping,\s+(\d+) stopped,\s+(\d+) zombie/;
const CPU = /^%?Cpu(\(s\)|\d+)?\s*:\s*(.*)$/;
const BUSYBOX_CPU = /^CPU\d*:\s+(.*\bidle\b.*)$/;
const PROCS = /^procs_(running|blocked) (\d+)$/;

/** top's and busybox's names for the CPU time shares. */
const SHARE_KEYS: Record<string, 'userPct' | 'systemPct' | 'idlePct' | 'iowaitPct'> = {
  us: 'userPct',
  usr: 'userPct',
  sy: 'systemPct',
  sys: 'systemPct',
  id: 'idlePct',
  idle: 'idlePct',
  wa: 'iowaitPct',
  io: 'iowaitPct',
};

export function readNodeLine(line: string, node: NodeEvidence): 'load' | 'tasks' | 'cpu' | 'mem' | null {
  const t = line.trim();
  let m: RegExpExecArray | null;
  if (t.includes('oad average') && (m = LOAD.exec(t))) {
    node.loadavg = { ...node.loadavg, one: Number(m[1]), five: Number(m[2]), fifteen: Number(m[3]) };
    if (m[4]) node.loadavg = { ...node.loadavg, running: Number(m[4]), total: Number(m[5]) };
    return 'load';
  }
  if ((m = LOADAVG_FILE.exec(t))) {
    node.loadavg = { one: Number(m[1]), five: Number(m[2]), fifteen: Number(m[3]), running: Number(m[4]), total: Number(m[5]) };
    return 'load';
  }
  if ((m = TASKS.exec(t))) {
    node.taskCounts = { ...node.taskCounts, total: Number(m[1]), running: Number(m[2]), sleeping: Number(m[3]), stopped: Number(m[4]), zombie: Number(m[5]) };
    return 'tasks';
  }
  if ((m = CPU.exec(t))) {
    const shares = cpuShares(m[2]);
    if (shares.idlePct === undefined) return null;
    const perCpu = m[1] !== undefined && m[1] !== '(s)';
    if (perCpu) {
      // top with "1" pressed prints one line per CPU: they count the CPUs; the whole-node line, when there is one, wins.
      node.cpuCount = Math.max(node.cpuCount ?? 0, Number(m[1]) + 1);
      if (node.cpu) return 'cpu';
    }
    node.cpu = shares;
    return 'cpu';
  }
  if ((m = BUSYBOX_CPU.exec(t))) {
    node.cpu = cpuShares(m[1]);
    return 'cpu';
  }
  if ((m = PROCS.exec(t))) {
    node.taskCounts = { ...node.taskCounts, [m[1] === 'running' ? 'running' : 'blocked']: Number(m[2]) };
    return 'tasks';
  }
  if (/^(?:[KMG]iB )?(?:Mem|Swap)\s*:/.test(t)) return 'mem';
  return null;
}

/**
 * "8.5 us,  3.9 sy, ... 32.1 id, 55.1 wa", older top's "0.3%us,  0.2%sy, ... 99.5%id"
 * and busybox's "0% usr 1% sys ... 97% idle 1% io": a number, then its key.
 */
function cpuShares(text: string): NonNullable<NodeEvidence['cpu']> {
  const out: NonNullable<NodeEvidence['cpu']> = {};
  const words = text
    .replace(/,/g, ' ')
    .trim()
    .split(/\s+/, 64)
    .flatMap((w) => {
      const joined = /^(\d+(?:\.\d+)?)%([a-z]+)$/.exec(w);
      return joined ? [joined[1], joined[2]] : [w];
    });
  for (let i = 0; i + 1 < words.length; i++) {
    const key = Object.hasOwn(SHARE_KEYS, words[i + 1]) ? SHARE_KEYS[words[i + 1]] : undefined;
    const value = /^\d+(?:\.\d+)?%?$/.test(words[i]) ? Number(words[i].replace('%', '')) : NaN;
    if (key && !Number.isNaN(value) && out[key] === undefined) out[key] = value;
  }
  return out;
}
