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
   * host PID 1, kernel thread, a node daemon (kubelet, runtime, sshd, systemd, ...), the collector's own pod, or a host process
   */
  PROTECTED: 'PROTECTED',
  /**
   * only SIGTERM, SIGKILL, SIGCONT
   */
  SIGNAL_NOT_ALLOWED: 'SIGNAL_NOT_ALLOWED',
  /**
   * client certificate is not the bot's identity (--bot-identity)
   */
  NOT_AUTHORISED: 'NOT_AUTHORISED',
  /**
   * the kernel refused (errno in message)
   */
  FAILED: 'FAILED',
  /**
   * the request's node is not this collector's node
   */
  WRONG_NODE: 'WRONG_NODE',
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
   * host PID 1, kernel thread, a node daemon (kubelet, runtime, sshd, systemd, ...), the collector's own pod, or a host process
   */
  | 'PROTECTED'
  | 4
  /**
   * only SIGTERM, SIGKILL, SIGCONT
   */
  | 'SIGNAL_NOT_ALLOWED'
  | 5
  /**
   * client certificate is not the bot's identity (--bot-identity)
   */
  | 'NOT_AUTHORISED'
  | 6
  /**
   * the kernel refused (errno in message)
   */
  | 'FAILED'
  | 7
  /**
   * the request's node is not this collector's node
   */
  | 'WRONG_NODE'
  | 8

export type RemediateStatus__Output = typeof RemediateStatus[keyof typeof RemediateStatus]
