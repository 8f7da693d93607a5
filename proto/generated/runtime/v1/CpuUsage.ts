// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { UInt64Value as _runtime_v1_UInt64Value, UInt64Value__Output as _runtime_v1_UInt64Value__Output } from '../../runtime/v1/UInt64Value';
import type { PsiStats as _runtime_v1_PsiStats, PsiStats__Output as _runtime_v1_PsiStats__Output } from '../../runtime/v1/PsiStats';
import type { Long } from '@grpc/proto-loader';

/**
 * CpuUsage provides the CPU usage information.
 */
export interface CpuUsage {
  /**
   * Timestamp in nanoseconds at which the information were collected. Must be > 0.
   */
  'timestamp'?: (number | string | Long);
  /**
   * Cumulative CPU usage (sum across all cores) since object creation.
   */
  'usage_core_nano_seconds'?: (_runtime_v1_UInt64Value | null);
  /**
   * Total CPU usage (sum of all cores) averaged over the sample window.
   * The "core" unit can be interpreted as CPU core-nanoseconds per second.
   */
  'usage_nano_cores'?: (_runtime_v1_UInt64Value | null);
  /**
   * CPU PSI statistics.
   */
  'psi'?: (_runtime_v1_PsiStats | null);
}

/**
 * CpuUsage provides the CPU usage information.
 */
export interface CpuUsage__Output {
  /**
   * Timestamp in nanoseconds at which the information were collected. Must be > 0.
   */
  'timestamp': (number);
  /**
   * Cumulative CPU usage (sum across all cores) since object creation.
   */
  'usage_core_nano_seconds': (_runtime_v1_UInt64Value__Output | null);
  /**
   * Total CPU usage (sum of all cores) averaged over the sample window.
   * The "core" unit can be interpreted as CPU core-nanoseconds per second.
   */
  'usage_nano_cores': (_runtime_v1_UInt64Value__Output | null);
  /**
   * CPU PSI statistics.
   */
  'psi': (_runtime_v1_PsiStats__Output | null);
}
