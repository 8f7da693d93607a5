// Original file: /work/main/proto/whystuck/v1/collector.proto


/**
 * CPU time split over the interval between two samples of /proc/stat,
 * as percentages of all CPUs (like top's %Cpu line), plus raw counters.
 */
export interface CpuTimes {
  'interval_ms'?: (number | string);
  'user_pct'?: (number | string);
  'nice_pct'?: (number | string);
  'system_pct'?: (number | string);
  'idle_pct'?: (number | string);
  'iowait_pct'?: (number | string);
  'irq_pct'?: (number | string);
  'softirq_pct'?: (number | string);
  'steal_pct'?: (number | string);
  'procs_running'?: (number);
  /**
   * tasks in D right now (from /proc/stat)
   */
  'procs_blocked'?: (number);
}

/**
 * CPU time split over the interval between two samples of /proc/stat,
 * as percentages of all CPUs (like top's %Cpu line), plus raw counters.
 */
export interface CpuTimes__Output {
  'interval_ms': (number);
  'user_pct': (number);
  'nice_pct': (number);
  'system_pct': (number);
  'idle_pct': (number);
  'iowait_pct': (number);
  'irq_pct': (number);
  'softirq_pct': (number);
  'steal_pct': (number);
  'procs_running': (number);
  /**
   * tasks in D right now (from /proc/stat)
   */
  'procs_blocked': (number);
}
