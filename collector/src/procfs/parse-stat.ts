/**
 * Parses one /proc/PID[/task/TID]/stat line.
 *
 * The comm field sits between the first "(" and the LAST ")": a comm may
 * itself contain spaces and parentheses (e.g. "(sd-pam)" or "a) b").
 */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  flags: number;
  utime: number;
  stime: number;
  priority: number;
  nice: number;
  numThreads: number;
  /** Clock ticks since boot (fits a double for 2.8 million years of uptime). */
  startTime: number;
  processor: number;
  rtPriority: number;
  /** Field 35: 0/1 placeholder on modern kernels (1 = blocked), not a symbol. */
  blocked: boolean;
}

export function parseStat(line: string): ProcStat | null {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(line.slice(0, open).trim());
  const rest = line.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  if (!Number.isInteger(pid) || rest.length < 20) return null;
  const f = (n: number): string => rest[n - 3] ?? '0';
  return {
    pid,
    comm: line.slice(open + 1, close),
    state: f(3),
    ppid: Number(f(4)),
    flags: Number(f(9)),
    utime: Number(f(14)),
    stime: Number(f(15)),
    priority: Number(f(18)),
    nice: Number(f(19)),
    numThreads: Number(f(20)),
    startTime: Number(f(22)),
    blocked: f(35) === '1',
    processor: Number(f(39)),
    rtPriority: Number(f(40)),
  };
}
