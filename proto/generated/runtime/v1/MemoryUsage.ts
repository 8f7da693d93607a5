// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { UInt64Value as _runtime_v1_UInt64Value, UInt64Value__Output as _runtime_v1_UInt64Value__Output } from '../../runtime/v1/UInt64Value';
import type { PsiStats as _runtime_v1_PsiStats, PsiStats__Output as _runtime_v1_PsiStats__Output } from '../../runtime/v1/PsiStats';
import type { Long } from '@grpc/proto-loader';

/**
 * MemoryUsage provides the memory usage information.
 */
export interface MemoryUsage {
  /**
   * Timestamp in nanoseconds at which the information were collected. Must be > 0.
   */
  'timestamp'?: (number | string | Long);
  /**
   * The amount of working set memory in bytes.
   */
  'working_set_bytes'?: (_runtime_v1_UInt64Value | null);
  /**
   * Available memory for use. This is defined as the memory limit - workingSetBytes.
   */
  'available_bytes'?: (_runtime_v1_UInt64Value | null);
  /**
   * Total memory in use. This includes all memory regardless of when it was accessed.
   */
  'usage_bytes'?: (_runtime_v1_UInt64Value | null);
  /**
   * The amount of anonymous and swap cache memory (includes transparent hugepages).
   */
  'rss_bytes'?: (_runtime_v1_UInt64Value | null);
  /**
   * Cumulative number of minor page faults.
   */
  'page_faults'?: (_runtime_v1_UInt64Value | null);
  /**
   * Cumulative number of major page faults.
   */
  'major_page_faults'?: (_runtime_v1_UInt64Value | null);
  /**
   * Memory PSI statistics.
   */
  'psi'?: (_runtime_v1_PsiStats | null);
}

/**
 * MemoryUsage provides the memory usage information.
 */
export interface MemoryUsage__Output {
  /**
   * Timestamp in nanoseconds at which the information were collected. Must be > 0.
   */
  'timestamp': (number);
  /**
   * The amount of working set memory in bytes.
   */
  'working_set_bytes': (_runtime_v1_UInt64Value__Output | null);
  /**
   * Available memory for use. This is defined as the memory limit - workingSetBytes.
   */
  'available_bytes': (_runtime_v1_UInt64Value__Output | null);
  /**
   * Total memory in use. This includes all memory regardless of when it was accessed.
   */
  'usage_bytes': (_runtime_v1_UInt64Value__Output | null);
  /**
   * The amount of anonymous and swap cache memory (includes transparent hugepages).
   */
  'rss_bytes': (_runtime_v1_UInt64Value__Output | null);
  /**
   * Cumulative number of minor page faults.
   */
  'page_faults': (_runtime_v1_UInt64Value__Output | null);
  /**
   * Cumulative number of major page faults.
   */
  'major_page_faults': (_runtime_v1_UInt64Value__Output | null);
  /**
   * Memory PSI statistics.
   */
  'psi': (_runtime_v1_PsiStats__Output | null);
}
