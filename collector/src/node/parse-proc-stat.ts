/** The aggregate "cpu" line and counters of /proc/stat. */
export interface CpuSample {
  /** user nice system idle iowait irq softirq steal, in clock ticks. */
  ticks: number[];
  bootTime: number;
  procsRunning: number;
  procsBlocked: number;
  cpuCount: number;
}

export function parseProcStat(text: string): CpuSample {
  const out: CpuSample = { ticks: [], bootTime: 0, procsRunning: 0, procsBlocked: 0, cpuCount: 0 };
  for (const line of text.split('\n')) {
    const parts = line.split(/\s+/);
    if (parts[0] === 'cpu') out.ticks = parts.slice(1, 9).map(Number);
    else if (/^cpu\d+$/.test(parts[0])) out.cpuCount++;
    else if (parts[0] === 'btime') out.bootTime = Number(parts[1]);
    else if (parts[0] === 'procs_running') out.procsRunning = Number(parts[1]);
    else if (parts[0] === 'procs_blocked') out.procsBlocked = Number(parts[1]);
  }
  return out;
}

/** CPU split between two samples, as top's %Cpu line shows it. */
export function cpuPercentages(a: CpuSample, b: CpuSample): number[] {
  const d = b.ticks.map((v, i) => Math.max(0, v - (a.ticks[i] ?? 0)));
  const total = d.reduce((x, y) => x + y, 0);
  return d.map((v) => (total > 0 ? Math.round((1000 * v) / total) / 10 : 0));
}
