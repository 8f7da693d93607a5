// Original file: /work/main/proto/whystuck/v1/collector.proto

export const RemediateStatus = {
  REMEDIATE_STATUS_UNSPECIFIED: 'REMEDIATE_STATUS_UNSPECIFIED',
  /**
   * signal delivered
   */
  SIGNALLED: 'SIGNALLED',
  /**
   * start time or comm differ: not the process the snapshot saw
   */
  PID_REUSED: 'PID_REUSED',
  /**
   * the process is gone already
   */
  NOT_FOUND: 'NOT_FOUND',
  /**
   * host PID 1, kernel thread, the collector itself, or a host process
   */
  PROTECTED: 'PROTECTED',
  /**
   * only SIGTERM, SIGKILL, SIGCONT
   */
  SIGNAL_NOT_ALLOWED: 'SIGNAL_NOT_ALLOWED',
  /**
   * client identity not in --remediation-clients
   */
  NOT_AUTHORISED: 'NOT_AUTHORISED',
  /**
   * the kernel refused (errno in message)
   */
  FAILED: 'FAILED',
} as const;

export type RemediateStatus =
  | 'REMEDIATE_STATUS_UNSPECIFIED'
  | 0
  /**
   * signal delivered
   */
  | 'SIGNALLED'
  | 1
  /**
   * start time or comm differ: not the process the snapshot saw
   */
  | 'PID_REUSED'
  | 2
  /**
   * the process is gone already
   */
  | 'NOT_FOUND'
  | 3
  /**
   * host PID 1, kernel thread, the collector itself, or a host process
   */
  | 'PROTECTED'
  | 4
  /**
   * only SIGTERM, SIGKILL, SIGCONT
   */
  | 'SIGNAL_NOT_ALLOWED'
  | 5
  /**
   * client identity not in --remediation-clients
   */
  | 'NOT_AUTHORISED'
  | 6
  /**
   * the kernel refused (errno in message)
   */
  | 'FAILED'
  | 7

export type RemediateStatus__Output = typeof RemediateStatus[keyof typeof RemediateStatus]
