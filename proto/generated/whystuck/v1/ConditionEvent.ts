// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A state that persisted (RAISED) or ended (CLEARED).
 */
export interface ConditionEvent {
  /**
   * d-pileup | zombie-growth | pidns-teardown | frozen-pod
   */
  'kind'?: (string);
  /**
   * RAISED | CLEARED
   */
  'state'?: (string);
  'pod_uid'?: (string);
  /**
   * D tasks, zombies, ...
   */
  'count'?: (number);
  /**
   * when the condition began
   */
  'since_unix_ms'?: (number | string | Long);
  /**
   * a few of the tasks involved
   */
  'pids'?: (number)[];
  /**
   * plain words
   */
  'detail'?: (string);
}

/**
 * A state that persisted (RAISED) or ended (CLEARED).
 */
export interface ConditionEvent__Output {
  /**
   * d-pileup | zombie-growth | pidns-teardown | frozen-pod
   */
  'kind': (string);
  /**
   * RAISED | CLEARED
   */
  'state': (string);
  'pod_uid': (string);
  /**
   * D tasks, zombies, ...
   */
  'count': (number);
  /**
   * when the condition began
   */
  'since_unix_ms': (number);
  /**
   * a few of the tasks involved
   */
  'pids': (number)[];
  /**
   * plain words
   */
  'detail': (string);
}
