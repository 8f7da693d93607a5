// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { LoadAvg as _whystuck_v1_LoadAvg, LoadAvg__Output as _whystuck_v1_LoadAvg__Output } from '../../whystuck/v1/LoadAvg';
import type { CpuTimes as _whystuck_v1_CpuTimes, CpuTimes__Output as _whystuck_v1_CpuTimes__Output } from '../../whystuck/v1/CpuTimes';
import type { Pressure as _whystuck_v1_Pressure, Pressure__Output as _whystuck_v1_Pressure__Output } from '../../whystuck/v1/Pressure';
import type { Mount as _whystuck_v1_Mount, Mount__Output as _whystuck_v1_Mount__Output } from '../../whystuck/v1/Mount';
import type { FreezerState as _whystuck_v1_FreezerState, FreezerState__Output as _whystuck_v1_FreezerState__Output } from '../../whystuck/v1/FreezerState';
import type { MemcgOomEvents as _whystuck_v1_MemcgOomEvents, MemcgOomEvents__Output as _whystuck_v1_MemcgOomEvents__Output } from '../../whystuck/v1/MemcgOomEvents';
import type { Long } from '@grpc/proto-loader';

export interface NodeFacts {
  'hostname'?: (string);
  'kernel_release'?: (string);
  /**
   * uname -v
   */
  'kernel_version'?: (string);
  /**
   * seconds, from /proc/stat btime
   */
  'boot_time_unix'?: (number | string | Long);
  'uptime_seconds'?: (number | string);
  'loadavg'?: (_whystuck_v1_LoadAvg | null);
  'cpu'?: (_whystuck_v1_CpuTimes | null);
  /**
   * proc/pressure/{cpu,io,memory}
   */
  'pressure'?: (_whystuck_v1_Pressure)[];
  /**
   * mounts of interest only
   */
  'mounts'?: (_whystuck_v1_Mount)[];
  'freezers'?: (_whystuck_v1_FreezerState)[];
  'memcg_oom'?: (_whystuck_v1_MemcgOomEvents)[];
  /**
   * USER_HZ, to turn start times into seconds
   */
  'clock_ticks_per_second'?: (number);
  'cpu_count'?: (number);
  'mem_total_kb'?: (number | string | Long);
  'mem_available_kb'?: (number | string | Long);
  /**
   * 1, 2, or 3 for hybrid (v1 controllers plus a v2 hierarchy)
   */
  'cgroup_version'?: (number);
  /**
   * Kernel tunables the diagnosis cares about (e.g. kernel.hung_task_timeout_secs).
   */
  'sysctls'?: ({[key: string]: string});
}

export interface NodeFacts__Output {
  'hostname': (string);
  'kernel_release': (string);
  /**
   * uname -v
   */
  'kernel_version': (string);
  /**
   * seconds, from /proc/stat btime
   */
  'boot_time_unix': (number);
  'uptime_seconds': (number);
  'loadavg': (_whystuck_v1_LoadAvg__Output | null);
  'cpu': (_whystuck_v1_CpuTimes__Output | null);
  /**
   * proc/pressure/{cpu,io,memory}
   */
  'pressure': (_whystuck_v1_Pressure__Output)[];
  /**
   * mounts of interest only
   */
  'mounts': (_whystuck_v1_Mount__Output)[];
  'freezers': (_whystuck_v1_FreezerState__Output)[];
  'memcg_oom': (_whystuck_v1_MemcgOomEvents__Output)[];
  /**
   * USER_HZ, to turn start times into seconds
   */
  'clock_ticks_per_second': (number);
  'cpu_count': (number);
  'mem_total_kb': (number);
  'mem_available_kb': (number);
  /**
   * 1, 2, or 3 for hybrid (v1 controllers plus a v2 hierarchy)
   */
  'cgroup_version': (number);
  /**
   * Kernel tunables the diagnosis cares about (e.g. kernel.hung_task_timeout_secs).
   */
  'sysctls': ({[key: string]: string});
}
