// Original file: /work/main/proto/whystuck/v1/collector.proto


export interface ReadProblem {
  'path'?: (string);
  /**
   * permission | vanished | timed-out | blocked-earlier | error | skipped | unsupported
   */
  'reason'?: (string);
  /**
   * errno code or message, and what would fix it
   */
  'detail'?: (string);
  'tried_ms'?: (number);
  /**
   * 0 when not about a task
   */
  'pid'?: (number);
  'tid'?: (number);
  /**
   * A capability that would let the collector read it (CAP_SYS_ADMIN, CAP_SYSLOG ...).
   */
  'needs_capability'?: (string);
}

export interface ReadProblem__Output {
  'path': (string);
  /**
   * permission | vanished | timed-out | blocked-earlier | error | skipped | unsupported
   */
  'reason': (string);
  /**
   * errno code or message, and what would fix it
   */
  'detail': (string);
  'tried_ms': (number);
  /**
   * 0 when not about a task
   */
  'pid': (number);
  'tid': (number);
  /**
   * A capability that would let the collector read it (CAP_SYS_ADMIN, CAP_SYSLOG ...).
   */
  'needs_capability': (string);
}
