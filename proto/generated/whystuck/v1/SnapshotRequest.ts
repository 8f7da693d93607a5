// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { PidList as _whystuck_v1_PidList, PidList__Output as _whystuck_v1_PidList__Output } from '../../whystuck/v1/PidList';
import type { Long } from '@grpc/proto-loader';

export interface SnapshotRequest {
  'whole_node'?: (boolean);
  /**
   * e.g. "6f1c2a4e-7d39-4a1b-9d3e-0c2b9a1f5e77"
   */
  'pod_uid'?: (string);
  /**
   * host pids (tgids or tids)
   */
  'pids'?: (_whystuck_v1_PidList | null);
  /**
   * Task states (single ps letters: R S D Z T t X I) whose kernel stacks are read.
   * Empty means the default: D Z T t, every PID-namespace init and every parent of a zombie.
   */
  'stack_states'?: (string)[];
  /**
   * Kernel log records with sequence >= kmsg_since_seq. 0 means the whole ring.
   */
  'kmsg_since_seq'?: (number | string | Long);
  /**
   * Skip the kernel log entirely.
   */
  'skip_kmsg'?: (boolean);
  /**
   * Read wchan and per-thread status for every thread, not only for the
   * interesting ones (slower on large nodes; see Task.detail).
   */
  'all_thread_details'?: (boolean);
  /**
   * Overall deadline the collector works to, in milliseconds (default 5000, max 60000).
   */
  'deadline_ms'?: (number);
  /**
   * Only tasks that are not running or sleeping (D, Z, T, t, X, P), with their
   * thread-group leaders and parents, and only kernel log records at warning
   * level or above (hung tasks, lockups, OOM kills, call traces, storage
   * errors); node facts in full. What a sweep across many nodes needs: a small
   * answer from a busy node.
   */
  'problems_only'?: (boolean);
  /**
   * Skip the container runtime (SnapshotResponse.runtime): no CRI calls.
   * problems_only snapshots and pid-scoped snapshots skip it too.
   */
  'skip_runtime'?: (boolean);
  /**
   * Scope. Exactly one of: whole node (default), one pod, a list of pids.
   */
  'scope'?: "whole_node"|"pod_uid"|"pids";
}

export interface SnapshotRequest__Output {
  'whole_node'?: (boolean);
  /**
   * e.g. "6f1c2a4e-7d39-4a1b-9d3e-0c2b9a1f5e77"
   */
  'pod_uid'?: (string);
  /**
   * host pids (tgids or tids)
   */
  'pids'?: (_whystuck_v1_PidList__Output | null);
  /**
   * Task states (single ps letters: R S D Z T t X I) whose kernel stacks are read.
   * Empty means the default: D Z T t, every PID-namespace init and every parent of a zombie.
   */
  'stack_states': (string)[];
  /**
   * Kernel log records with sequence >= kmsg_since_seq. 0 means the whole ring.
   */
  'kmsg_since_seq': (number);
  /**
   * Skip the kernel log entirely.
   */
  'skip_kmsg': (boolean);
  /**
   * Read wchan and per-thread status for every thread, not only for the
   * interesting ones (slower on large nodes; see Task.detail).
   */
  'all_thread_details': (boolean);
  /**
   * Overall deadline the collector works to, in milliseconds (default 5000, max 60000).
   */
  'deadline_ms': (number);
  /**
   * Only tasks that are not running or sleeping (D, Z, T, t, X, P), with their
   * thread-group leaders and parents, and only kernel log records at warning
   * level or above (hung tasks, lockups, OOM kills, call traces, storage
   * errors); node facts in full. What a sweep across many nodes needs: a small
   * answer from a busy node.
   */
  'problems_only': (boolean);
  /**
   * Skip the container runtime (SnapshotResponse.runtime): no CRI calls.
   * problems_only snapshots and pid-scoped snapshots skip it too.
   */
  'skip_runtime': (boolean);
  /**
   * Scope. Exactly one of: whole node (default), one pod, a list of pids.
   */
  'scope'?: "whole_node"|"pod_uid"|"pids";
}
