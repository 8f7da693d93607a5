// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { RemediateStatus as _whystuck_v1_RemediateStatus, RemediateStatus__Output as _whystuck_v1_RemediateStatus__Output } from '../../whystuck/v1/RemediateStatus';
import type { Task as _whystuck_v1_Task, Task__Output as _whystuck_v1_Task__Output } from '../../whystuck/v1/Task';
import type { Long } from '@grpc/proto-loader';

export interface RemediateResponse {
  'status'?: (_whystuck_v1_RemediateStatus);
  /**
   * plain words for people
   */
  'message'?: (string);
  /**
   * The task ~1 s after the signal.
   */
  'still_present'?: (boolean);
  /**
   * ps letter, when still present
   */
  'state_after'?: (string);
  'wchan_after'?: (string);
  /**
   * identity and signal bound through a pidfd
   */
  'used_pidfd'?: (boolean);
  'signalled_at_unix_ms'?: (number | string | Long);
  /**
   * the task as re-checked before signalling
   */
  'target'?: (_whystuck_v1_Task | null);
}

export interface RemediateResponse__Output {
  'status': (_whystuck_v1_RemediateStatus__Output);
  /**
   * plain words for people
   */
  'message': (string);
  /**
   * The task ~1 s after the signal.
   */
  'still_present': (boolean);
  /**
   * ps letter, when still present
   */
  'state_after': (string);
  'wchan_after': (string);
  /**
   * identity and signal bound through a pidfd
   */
  'used_pidfd': (boolean);
  'signalled_at_unix_ms': (number);
  /**
   * the task as re-checked before signalling
   */
  'target': (_whystuck_v1_Task__Output | null);
}
