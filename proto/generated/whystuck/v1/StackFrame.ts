// Original file: /work/main/proto/whystuck/v1/collector.proto


export interface StackFrame {
  /**
   * symbol, e.g. "zap_pid_ns_processes"
   */
  'function'?: (string);
  /**
   * "+0x1a3/0x1f0" when shown
   */
  'offset'?: (string);
  /**
   * "[fuse]" when shown
   */
  'module'?: (string);
  /**
   * "?" frames of a call trace
   */
  'unreliable'?: (boolean);
  /**
   * "[<0>]" or real address as printed
   */
  'address'?: (string);
}

export interface StackFrame__Output {
  /**
   * symbol, e.g. "zap_pid_ns_processes"
   */
  'function': (string);
  /**
   * "+0x1a3/0x1f0" when shown
   */
  'offset': (string);
  /**
   * "[fuse]" when shown
   */
  'module': (string);
  /**
   * "?" frames of a call trace
   */
  'unreliable': (boolean);
  /**
   * "[<0>]" or real address as printed
   */
  'address': (string);
}
