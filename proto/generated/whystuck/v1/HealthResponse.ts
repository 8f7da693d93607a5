// Original file: /work/main/proto/whystuck/v1/collector.proto


export interface HealthResponse {
  /**
   * SERVING | NOT_SERVING
   */
  'status'?: (string);
  'version'?: (string);
  'hostname'?: (string);
  'kernel_release'?: (string);
  /**
   * effective capabilities the collector holds
   */
  'capabilities'?: (string)[];
  /**
   * what it cannot read and why (plain words)
   */
  'missing'?: (string)[];
  'pidfd_supported'?: (boolean);
  /**
   * reader threads stuck in the kernel right now
   */
  'blocked_readers'?: (number);
  'proc_root'?: (string);
  /**
   * the node this collector serves (downward API spec.nodeName)
   */
  'node_name'?: (string);
}

export interface HealthResponse__Output {
  /**
   * SERVING | NOT_SERVING
   */
  'status': (string);
  'version': (string);
  'hostname': (string);
  'kernel_release': (string);
  /**
   * effective capabilities the collector holds
   */
  'capabilities': (string)[];
  /**
   * what it cannot read and why (plain words)
   */
  'missing': (string)[];
  'pidfd_supported': (boolean);
  /**
   * reader threads stuck in the kernel right now
   */
  'blocked_readers': (number);
  'proc_root': (string);
  /**
   * the node this collector serves (downward API spec.nodeName)
   */
  'node_name': (string);
}
