// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { Long } from '@grpc/proto-loader';

export interface MemcgOomEvents {
  'cgroup_path'?: (string);
  'pod_uid'?: (string);
  'container_id'?: (string);
  /**
   * times the limit was hit and the OOM path ran
   */
  'oom'?: (number | string | Long);
  /**
   * tasks killed
   */
  'oom_kill'?: (number | string | Long);
  /**
   * v1 memory.oom_control under_oom
   */
  'under_oom'?: (boolean);
  'oom_kill_disable'?: (boolean);
  'limit_bytes'?: (number | string | Long);
  'usage_bytes'?: (number | string | Long);
}

export interface MemcgOomEvents__Output {
  'cgroup_path': (string);
  'pod_uid': (string);
  'container_id': (string);
  /**
   * times the limit was hit and the OOM path ran
   */
  'oom': (number);
  /**
   * tasks killed
   */
  'oom_kill': (number);
  /**
   * v1 memory.oom_control under_oom
   */
  'under_oom': (boolean);
  'oom_kill_disable': (boolean);
  'limit_bytes': (number);
  'usage_bytes': (number);
}
