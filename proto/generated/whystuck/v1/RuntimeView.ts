// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { RuntimeSandbox as _whystuck_v1_RuntimeSandbox, RuntimeSandbox__Output as _whystuck_v1_RuntimeSandbox__Output } from '../../whystuck/v1/RuntimeSandbox';
import type { RuntimeContainer as _whystuck_v1_RuntimeContainer, RuntimeContainer__Output as _whystuck_v1_RuntimeContainer__Output } from '../../whystuck/v1/RuntimeContainer';
import type { RuntimeShim as _whystuck_v1_RuntimeShim, RuntimeShim__Output as _whystuck_v1_RuntimeShim__Output } from '../../whystuck/v1/RuntimeShim';

/**
 * What the node's container runtime (containerd, CRI-O) says about the pods,
 * read over its CRI v1 socket (runtime.v1.RuntimeService, the contract in
 * proto/vendor/cri-api/) in parallel with the task walk, under a short
 * deadline: a runtime that does not answer is itself evidence (status
 * timed-out, and a read problem with reason timed-out). Scope: the pod of a
 * pod_uid snapshot, every pod of a whole-node one. Times are unix
 * milliseconds (the CRI's nanoseconds, cut); 0 = not set.
 */
export interface RuntimeView {
  /**
   * The socket read, e.g. "unix:///run/containerd/containerd.sock"; "" when none was found.
   */
  'endpoint'?: (string);
  /**
   * configured (the collector's --runtime-endpoint) | found (a usual socket path)
   */
  'endpoint_source'?: (string);
  /**
   * ok | not-found (no runtime socket) | unreachable (refused, no such socket)
   * | timed-out (no answer within the deadline) | error (the runtime answered with an error)
   */
  'status'?: (string);
  /**
   * plain words: which call failed, and how
   */
  'error'?: (string);
  /**
   * from Version: "containerd", "cri-o"
   */
  'runtime_name'?: (string);
  'runtime_version'?: (string);
  /**
   * "v1"
   */
  'runtime_api_version'?: (string);
  /**
   * the deadline each call had
   */
  'deadline_ms'?: (number);
  /**
   * how long reading the runtime took
   */
  'duration_ms'?: (number);
  'sandboxes'?: (_whystuck_v1_RuntimeSandbox)[];
  'containers'?: (_whystuck_v1_RuntimeContainer)[];
  /**
   * The runtime's shims (containerd-shim-runc-v2, conmon) that are parents of
   * the containers' processes (or, whole node, every shim): from /proc.
   */
  'shims'?: (_whystuck_v1_RuntimeShim)[];
}

/**
 * What the node's container runtime (containerd, CRI-O) says about the pods,
 * read over its CRI v1 socket (runtime.v1.RuntimeService, the contract in
 * proto/vendor/cri-api/) in parallel with the task walk, under a short
 * deadline: a runtime that does not answer is itself evidence (status
 * timed-out, and a read problem with reason timed-out). Scope: the pod of a
 * pod_uid snapshot, every pod of a whole-node one. Times are unix
 * milliseconds (the CRI's nanoseconds, cut); 0 = not set.
 */
export interface RuntimeView__Output {
  /**
   * The socket read, e.g. "unix:///run/containerd/containerd.sock"; "" when none was found.
   */
  'endpoint': (string);
  /**
   * configured (the collector's --runtime-endpoint) | found (a usual socket path)
   */
  'endpoint_source': (string);
  /**
   * ok | not-found (no runtime socket) | unreachable (refused, no such socket)
   * | timed-out (no answer within the deadline) | error (the runtime answered with an error)
   */
  'status': (string);
  /**
   * plain words: which call failed, and how
   */
  'error': (string);
  /**
   * from Version: "containerd", "cri-o"
   */
  'runtime_name': (string);
  'runtime_version': (string);
  /**
   * "v1"
   */
  'runtime_api_version': (string);
  /**
   * the deadline each call had
   */
  'deadline_ms': (number);
  /**
   * how long reading the runtime took
   */
  'duration_ms': (number);
  'sandboxes': (_whystuck_v1_RuntimeSandbox__Output)[];
  'containers': (_whystuck_v1_RuntimeContainer__Output)[];
  /**
   * The runtime's shims (containerd-shim-runc-v2, conmon) that are parents of
   * the containers' processes (or, whole node, every shim): from /proc.
   */
  'shims': (_whystuck_v1_RuntimeShim__Output)[];
}
