// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { Signal as _whystuck_v1_Signal, Signal__Output as _whystuck_v1_Signal__Output } from '../../whystuck/v1/Signal';
import type { Long } from '@grpc/proto-loader';

export interface RemediateRequest {
  /**
   * host pid (tgid) of the process to signal
   */
  'pid'?: (number);
  /**
   * from the snapshot; must match
   */
  'start_time_ticks'?: (number | string | Long);
  /**
   * from the snapshot; must match
   */
  'expected_comm'?: (string);
  'signal'?: (_whystuck_v1_Signal);
  /**
   * who asked (e.g. "slack:U123ABC"), for the collector's log
   */
  'requester'?: (string);
  /**
   * why (finding id, audit id)
   */
  'reason'?: (string);
  /**
   * The node (Kubernetes node name) the caller means to act on. Required: a
   * collector refuses (WRONG_NODE) a request for any node but its own.
   */
  'node'?: (string);
}

export interface RemediateRequest__Output {
  /**
   * host pid (tgid) of the process to signal
   */
  'pid': (number);
  /**
   * from the snapshot; must match
   */
  'start_time_ticks': (number);
  /**
   * from the snapshot; must match
   */
  'expected_comm': (string);
  'signal': (_whystuck_v1_Signal__Output);
  /**
   * who asked (e.g. "slack:U123ABC"), for the collector's log
   */
  'requester': (string);
  /**
   * why (finding id, audit id)
   */
  'reason': (string);
  /**
   * The node (Kubernetes node name) the caller means to act on. Required: a
   * collector refuses (WRONG_NODE) a request for any node but its own.
   */
  'node': (string);
}
