// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { NodeFacts as _whystuck_v1_NodeFacts, NodeFacts__Output as _whystuck_v1_NodeFacts__Output } from '../../whystuck/v1/NodeFacts';
import type { Task as _whystuck_v1_Task, Task__Output as _whystuck_v1_Task__Output } from '../../whystuck/v1/Task';
import type { KmsgRecord as _whystuck_v1_KmsgRecord, KmsgRecord__Output as _whystuck_v1_KmsgRecord__Output } from '../../whystuck/v1/KmsgRecord';
import type { ReadProblem as _whystuck_v1_ReadProblem, ReadProblem__Output as _whystuck_v1_ReadProblem__Output } from '../../whystuck/v1/ReadProblem';
import type { PodSummary as _whystuck_v1_PodSummary, PodSummary__Output as _whystuck_v1_PodSummary__Output } from '../../whystuck/v1/PodSummary';
import type { RuntimeView as _whystuck_v1_RuntimeView, RuntimeView__Output as _whystuck_v1_RuntimeView__Output } from '../../whystuck/v1/RuntimeView';
import type { PodVolumeMount as _whystuck_v1_PodVolumeMount, PodVolumeMount__Output as _whystuck_v1_PodVolumeMount__Output } from '../../whystuck/v1/PodVolumeMount';
import type { Long } from '@grpc/proto-loader';

export interface SnapshotResponse {
  'node'?: (_whystuck_v1_NodeFacts | null);
  'tasks'?: (_whystuck_v1_Task)[];
  'kmsg'?: (_whystuck_v1_KmsgRecord)[];
  'read_problems'?: (_whystuck_v1_ReadProblem)[];
  /**
   * The sequence number to ask for next time (last record + 1).
   */
  'kmsg_next_seq'?: (number | string | Long);
  /**
   * Records lost because the ring overwrote them before they were read (EPIPE).
   */
  'kmsg_lost'?: (number | string | Long);
  'taken_at_unix_ms'?: (number | string | Long);
  'duration_ms'?: (number);
  'collector_version'?: (string);
  /**
   * The proc root the facts were read from ("/proc" in production).
   */
  'proc_root'?: (string);
  /**
   * Pods found on the node (from task cgroups), with how many tasks each.
   */
  'pods'?: (_whystuck_v1_PodSummary)[];
  /**
   * The container runtime's view of the pods in scope (CRI), with its shim
   * processes. Absent when skipped (skip_runtime, problems_only, pids scope).
   */
  'runtime'?: (_whystuck_v1_RuntimeView | null);
  /**
   * Pod snapshots: the pod's volume mounts under the kubelet's pods directory
   * (<kubelet root>/pods/<uid>/volumes/...), who holds each busy, and whether
   * its filesystem answers. Empty when the pod has none, and for other scopes.
   */
  'pod_volumes'?: (_whystuck_v1_PodVolumeMount)[];
}

export interface SnapshotResponse__Output {
  'node': (_whystuck_v1_NodeFacts__Output | null);
  'tasks': (_whystuck_v1_Task__Output)[];
  'kmsg': (_whystuck_v1_KmsgRecord__Output)[];
  'read_problems': (_whystuck_v1_ReadProblem__Output)[];
  /**
   * The sequence number to ask for next time (last record + 1).
   */
  'kmsg_next_seq': (number);
  /**
   * Records lost because the ring overwrote them before they were read (EPIPE).
   */
  'kmsg_lost': (number);
  'taken_at_unix_ms': (number);
  'duration_ms': (number);
  'collector_version': (string);
  /**
   * The proc root the facts were read from ("/proc" in production).
   */
  'proc_root': (string);
  /**
   * Pods found on the node (from task cgroups), with how many tasks each.
   */
  'pods': (_whystuck_v1_PodSummary__Output)[];
  /**
   * The container runtime's view of the pods in scope (CRI), with its shim
   * processes. Absent when skipped (skip_runtime, problems_only, pids scope).
   */
  'runtime': (_whystuck_v1_RuntimeView__Output | null);
  /**
   * Pod snapshots: the pod's volume mounts under the kubelet's pods directory
   * (<kubelet root>/pods/<uid>/volumes/...), who holds each busy, and whether
   * its filesystem answers. Empty when the pod has none, and for other scopes.
   */
  'pod_volumes': (_whystuck_v1_PodVolumeMount__Output)[];
}
