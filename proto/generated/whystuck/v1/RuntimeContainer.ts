// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { Long } from '@grpc/proto-loader';

export interface RuntimeContainer {
  'id'?: (string);
  'sandbox_id'?: (string);
  'name'?: (string);
  'attempt'?: (number);
  /**
   * CONTAINER_CREATED | CONTAINER_RUNNING | CONTAINER_EXITED | CONTAINER_UNKNOWN
   */
  'state'?: (string);
  /**
   * Host pid of the container's first process, from the task table (the
   * process in the container's cgroup whose parent is outside it); 0 when none.
   */
  'pid'?: (number);
  'exit_code'?: (number);
  'created_unix_ms'?: (number | string | Long);
  'started_unix_ms'?: (number | string | Long);
  'finished_unix_ms'?: (number | string | Long);
  /**
   * "OOMKilled", "Error", "Completed" ...
   */
  'reason'?: (string);
  'message'?: (string);
  'image'?: (string);
  /**
   * its sandbox's pod
   */
  'pod_uid'?: (string);
  /**
   * ContainerStatus did not answer (or failed): exit code, times and reason are unknown.
   */
  'status_error'?: (string);
}

export interface RuntimeContainer__Output {
  'id': (string);
  'sandbox_id': (string);
  'name': (string);
  'attempt': (number);
  /**
   * CONTAINER_CREATED | CONTAINER_RUNNING | CONTAINER_EXITED | CONTAINER_UNKNOWN
   */
  'state': (string);
  /**
   * Host pid of the container's first process, from the task table (the
   * process in the container's cgroup whose parent is outside it); 0 when none.
   */
  'pid': (number);
  'exit_code': (number);
  'created_unix_ms': (number);
  'started_unix_ms': (number);
  'finished_unix_ms': (number);
  /**
   * "OOMKilled", "Error", "Completed" ...
   */
  'reason': (string);
  'message': (string);
  'image': (string);
  /**
   * its sandbox's pod
   */
  'pod_uid': (string);
  /**
   * ContainerStatus did not answer (or failed): exit code, times and reason are unknown.
   */
  'status_error': (string);
}
