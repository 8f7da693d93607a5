// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { UInt64Value as _runtime_v1_UInt64Value, UInt64Value__Output as _runtime_v1_UInt64Value__Output } from '../../runtime/v1/UInt64Value';
import type { Long } from '@grpc/proto-loader';

/**
 * WindowsProcessUsage are stats pertaining to processes specific to Windows.
 */
export interface WindowsProcessUsage {
  /**
   * Timestamp in nanoseconds at which the information were collected. Must be > 0.
   */
  'timestamp'?: (number | string | Long);
  /**
   * Number of processes.
   */
  'process_count'?: (_runtime_v1_UInt64Value | null);
}

/**
 * WindowsProcessUsage are stats pertaining to processes specific to Windows.
 */
export interface WindowsProcessUsage__Output {
  /**
   * Timestamp in nanoseconds at which the information were collected. Must be > 0.
   */
  'timestamp': (number);
  /**
   * Number of processes.
   */
  'process_count': (_runtime_v1_UInt64Value__Output | null);
}
