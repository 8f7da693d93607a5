// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { PsiData as _runtime_v1_PsiData, PsiData__Output as _runtime_v1_PsiData__Output } from '../../runtime/v1/PsiData';

/**
 * PSI statistics for an individual resource.
 */
export interface PsiStats {
  /**
   * PSI data for all tasks in the cgroup.
   */
  'Full'?: (_runtime_v1_PsiData | null);
  /**
   * PSI data for some tasks in the cgroup.
   */
  'Some'?: (_runtime_v1_PsiData | null);
}

/**
 * PSI statistics for an individual resource.
 */
export interface PsiStats__Output {
  /**
   * PSI data for all tasks in the cgroup.
   */
  'Full': (_runtime_v1_PsiData__Output | null);
  /**
   * PSI data for some tasks in the cgroup.
   */
  'Some': (_runtime_v1_PsiData__Output | null);
}
