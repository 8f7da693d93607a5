// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { Long } from '@grpc/proto-loader';

export interface RuntimeSandbox {
  'id'?: (string);
  'pod_name'?: (string);
  'pod_namespace'?: (string);
  'pod_uid'?: (string);
  'attempt'?: (number);
  /**
   * SANDBOX_READY | SANDBOX_NOTREADY
   */
  'state'?: (string);
  'created_unix_ms'?: (number | string | Long);
  'runtime_handler'?: (string);
  /**
   * Host pid of the sandbox's own process (pause), from the task table; 0 when not found.
   */
  'pid'?: (number);
  /**
   * PodSandboxStatus: the network namespace mode (NODE | POD) and the pod's IP.
   */
  'network_mode'?: (string);
  'ip'?: (string);
  /**
   * PodSandboxStatus did not answer (or failed): the fields above are ListPodSandbox's.
   */
  'status_error'?: (string);
}

export interface RuntimeSandbox__Output {
  'id': (string);
  'pod_name': (string);
  'pod_namespace': (string);
  'pod_uid': (string);
  'attempt': (number);
  /**
   * SANDBOX_READY | SANDBOX_NOTREADY
   */
  'state': (string);
  'created_unix_ms': (number);
  'runtime_handler': (string);
  /**
   * Host pid of the sandbox's own process (pause), from the task table; 0 when not found.
   */
  'pid': (number);
  /**
   * PodSandboxStatus: the network namespace mode (NODE | POD) and the pod's IP.
   */
  'network_mode': (string);
  'ip': (string);
  /**
   * PodSandboxStatus did not answer (or failed): the fields above are ListPodSandbox's.
   */
  'status_error': (string);
}
