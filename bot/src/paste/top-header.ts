import type { NodeEvidence } from '../evidence/evidence';

/**
 * Node-wide numbers from `top` headers, `uptime`, /proc/loadavg and /proc/stat:
 *   top - 07:45:10 up 5 days, 20:33,  1 user,  load average: 26.22, 26.56, 25.38
 *   Tasks: 479 total,   1 running, 474 sleeping,   0 stopped,   4 zombie
 *   %Cpu(s):  8.5 us,  3.9 sy,  0.0 ni, 32.1 id, 55.1 wa,  0.0 hi,  0.4 si,  0.0 st
 *   26.22 26.56 25.38 3/1234 98765
 * Returns true when the line was one of them.
 */
const LOAD = /load averages?: ([\d.]+),? ([\d.]+),? ([\d.]+)/;
const LOADAVG_FILE = /^([\d.]+) ([\d.]+) ([\d.]+) (\d+)\/(\d+) \d+$/;
const TASKS = /^(?:Tasks|Threads):\s+(\d+) total,\s+(\d+) running,\s+(\d+) sleeping,\s+(\d+) stopped,\s+(\d+) zombie/;
const CPU = /^%?Cpu\(?s?\)?\d*\s*:\s*(.*)$/;
const PROCS = /^procs_(running|blocked) (\d+)$/;

export function readNodeLine(line: string, node: NodeEvidence): 'load' | 'tasks' | 'cpu' | 'mem' | null {
  const t = line.trim();
  let m: RegExpExecArray | null;
  if ((m = LOAD.exec(t))) {
    node.loadavg = { ...node.loadavg, one: Number(m[1]), five: Number(m[2]), fifteen: Number(m[3]) };
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
  if ((m = CPU.exec(t)) && /\bid\b/.test(m[1])) {
    const v = (k: string): number | undefined => {
      const x = new RegExp(`([\\d.]+)[%\\s]*${k}\\b`).exec(m![1]);
      return x ? Number(x[1]) : undefined;
    };
    node.cpu = { userPct: v('us'), systemPct: v('sy'), idlePct: v('id'), iowaitPct: v('wa') };
    return 'cpu';
  }
  if ((m = PROCS.exec(t))) {
    node.taskCounts = { ...node.taskCounts, [m[1] === 'running' ? 'running' : 'blocked']: Number(m[2]) };
    return 'tasks';
  }
  if (/^(?:[KMG]iB )?(?:Mem|Swap)\s*:/.test(t)) return 'mem';
  return null;
}
