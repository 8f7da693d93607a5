// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { StackFrame as _whystuck_v1_StackFrame, StackFrame__Output as _whystuck_v1_StackFrame__Output } from '../../whystuck/v1/StackFrame';
import type { Detail as _whystuck_v1_Detail, Detail__Output as _whystuck_v1_Detail__Output } from '../../whystuck/v1/Detail';
import type { Long } from '@grpc/proto-loader';

/**
 * One thread. Processes are their thread-group leaders (tid == tgid).
 */
export interface Task {
  /**
   * == tgid (the process); kept as "pid" as ps shows it
   */
  'pid'?: (number);
  'tid'?: (number);
  'tgid'?: (number);
  'ppid'?: (number);
  'comm'?: (string);
  /**
   * single letter as in /proc/PID/stat: R S D Z T t X I P
   */
  'state'?: (string);
  /**
   * task->flags (PF_EXITING 0x4, PF_KTHREAD 0x200000 ...)
   */
  'flags'?: (number);
  'num_threads'?: (number);
  /**
   * clock ticks since boot: identity against PID reuse
   */
  'start_time_ticks'?: (number | string | Long);
  /**
   * symbol, or "" when running / not read (see detail)
   */
  'wchan'?: (string);
  'stack'?: (_whystuck_v1_StackFrame)[];
  /**
   * NSpid: this task's pid in each nested namespace, outermost first
   */
  'ns_pid'?: (number)[];
  /**
   * NStgid
   */
  'ns_tgid'?: (number)[];
  /**
   * inode of /proc/PID/ns/pid (nsfs inodes are 32-bit)
   */
  'pid_ns_inode'?: (number);
  'tracer_pid'?: (number);
  /**
   * hex masks, as /proc/PID/status prints them
   */
  'sig_pending'?: (string);
  'sig_shared_pending'?: (string);
  'sig_blocked'?: (string);
  'sig_ignored'?: (string);
  'sig_caught'?: (string);
  /**
   * the most telling path (memory or unified)
   */
  'cgroup_path'?: (string);
  'pod_uid'?: (string);
  'container_id'?: (string);
  /**
   * containerd | cri-o | docker | ""
   */
  'container_runtime'?: (string);
  /**
   * How the pod was attributed: cgroup | parent | pid-namespace | "".
   */
  'pod_attribution'?: (string);
  /**
   * NUL-separated argv joined by spaces, secrets redacted
   */
  'cmdline'?: (string);
  'is_kernel_thread'?: (boolean);
  /**
   * pid 1 in its own (non-root) PID namespace
   */
  'is_pid_ns_init'?: (boolean);
  'is_thread_group_leader'?: (boolean);
  'uid'?: (number);
  'vm_rss_kb'?: (number | string | Long);
  /**
   * What was read for this task: BASIC = its stat (threads in R/S/I...);
   * FULL = also its own status and wchan. Stacks are read for the states asked.
   * Process-wide facts (ns_tgid, sig_shared_pending, sig_ignored, sig_caught,
   * cgroup_path, uid, vm_rss_kb, cgroups) are sent on the thread-group leader
   * and on FULL threads; a BASIC non-leader thread leaves them to its leader.
   */
  'detail'?: (_whystuck_v1_Detail);
  'stack_read'?: (boolean);
  'rt_priority'?: (number);
  'nice'?: (number);
  'utime_ticks'?: (number | string | Long);
  'stime_ticks'?: (number | string | Long);
  /**
   * last CPU it ran on
   */
  'processor'?: (number);
  'voluntary_ctxt_switches'?: (number | string | Long);
  'nonvoluntary_ctxt_switches'?: (number | string | Long);
  /**
   * controller (or "" for v2) -> path; set on thread-group leaders only (threads share them).
   */
  'cgroups'?: ({[key: string]: string});
  'freezer_state'?: (string);
}

/**
 * One thread. Processes are their thread-group leaders (tid == tgid).
 */
export interface Task__Output {
  /**
   * == tgid (the process); kept as "pid" as ps shows it
   */
  'pid': (number);
  'tid': (number);
  'tgid': (number);
  'ppid': (number);
  'comm': (string);
  /**
   * single letter as in /proc/PID/stat: R S D Z T t X I P
   */
  'state': (string);
  /**
   * task->flags (PF_EXITING 0x4, PF_KTHREAD 0x200000 ...)
   */
  'flags': (number);
  'num_threads': (number);
  /**
   * clock ticks since boot: identity against PID reuse
   */
  'start_time_ticks': (number);
  /**
   * symbol, or "" when running / not read (see detail)
   */
  'wchan': (string);
  'stack': (_whystuck_v1_StackFrame__Output)[];
  /**
   * NSpid: this task's pid in each nested namespace, outermost first
   */
  'ns_pid': (number)[];
  /**
   * NStgid
   */
  'ns_tgid': (number)[];
  /**
   * inode of /proc/PID/ns/pid (nsfs inodes are 32-bit)
   */
  'pid_ns_inode': (number);
  'tracer_pid': (number);
  /**
   * hex masks, as /proc/PID/status prints them
   */
  'sig_pending': (string);
  'sig_shared_pending': (string);
  'sig_blocked': (string);
  'sig_ignored': (string);
  'sig_caught': (string);
  /**
   * the most telling path (memory or unified)
   */
  'cgroup_path': (string);
  'pod_uid': (string);
  'container_id': (string);
  /**
   * containerd | cri-o | docker | ""
   */
  'container_runtime': (string);
  /**
   * How the pod was attributed: cgroup | parent | pid-namespace | "".
   */
  'pod_attribution': (string);
  /**
   * NUL-separated argv joined by spaces, secrets redacted
   */
  'cmdline': (string);
  'is_kernel_thread': (boolean);
  /**
   * pid 1 in its own (non-root) PID namespace
   */
  'is_pid_ns_init': (boolean);
  'is_thread_group_leader': (boolean);
  'uid': (number);
  'vm_rss_kb': (number);
  /**
   * What was read for this task: BASIC = its stat (threads in R/S/I...);
   * FULL = also its own status and wchan. Stacks are read for the states asked.
   * Process-wide facts (ns_tgid, sig_shared_pending, sig_ignored, sig_caught,
   * cgroup_path, uid, vm_rss_kb, cgroups) are sent on the thread-group leader
   * and on FULL threads; a BASIC non-leader thread leaves them to its leader.
   */
  'detail': (_whystuck_v1_Detail__Output);
  'stack_read': (boolean);
  'rt_priority': (number);
  'nice': (number);
  'utime_ticks': (number);
  'stime_ticks': (number);
  /**
   * last CPU it ran on
   */
  'processor': (number);
  'voluntary_ctxt_switches': (number);
  'nonvoluntary_ctxt_switches': (number);
  /**
   * controller (or "" for v2) -> path; set on thread-group leaders only (threads share them).
   */
  'cgroups': ({[key: string]: string});
  'freezer_state': (string);
}
