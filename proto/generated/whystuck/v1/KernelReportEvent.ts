// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A kernel-log report, classified where it was read.
 */
export interface KernelReportEvent {
  /**
   * hung-task | soft-lockup | hard-lockup | rcu-stall | oom-kill | io-error |
   * storage-backend | netdev-refcount
   */
  'kind'?: (string);
  'kmsg_seq'?: (number | string | Long);
  'wall_time_unix_ms'?: (number | string | Long);
  'headline'?: (string);
  /**
   * backend kind (ceph-full, nfs-not-responding, ...) or OOM constraint
   */
  'detail'?: (string);
  /**
   * the task named by the report, when it names one
   */
  'pid'?: (number);
  'comm'?: (string);
  /**
   * from an OOM report's memcg path, or the named task's cgroup
   */
  'pod_uid'?: (string);
  'cgroup_path'?: (string);
  /**
   * device, server, osd, netdev
   */
  'target'?: (string);
}

/**
 * A kernel-log report, classified where it was read.
 */
export interface KernelReportEvent__Output {
  /**
   * hung-task | soft-lockup | hard-lockup | rcu-stall | oom-kill | io-error |
   * storage-backend | netdev-refcount
   */
  'kind': (string);
  'kmsg_seq': (number);
  'wall_time_unix_ms': (number);
  'headline': (string);
  /**
   * backend kind (ceph-full, nfs-not-responding, ...) or OOM constraint
   */
  'detail': (string);
  /**
   * the task named by the report, when it names one
   */
  'pid': (number);
  'comm': (string);
  /**
   * from an OOM report's memcg path, or the named task's cgroup
   */
  'pod_uid': (string);
  'cgroup_path': (string);
  /**
   * device, server, osd, netdev
   */
  'target': (string);
}
