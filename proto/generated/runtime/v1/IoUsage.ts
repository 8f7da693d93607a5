// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { PsiStats as _runtime_v1_PsiStats, PsiStats__Output as _runtime_v1_PsiStats__Output } from '../../runtime/v1/PsiStats';
import type { Long } from '@grpc/proto-loader';

export interface IoUsage {
  /**
   * Timestamp in nanoseconds at which the information were collected. Must be > 0.
   */
  'timestamp'?: (number | string | Long);
  /**
   * IO PSI statistics.
   */
  'psi'?: (_runtime_v1_PsiStats | null);
}

export interface IoUsage__Output {
  /**
   * Timestamp in nanoseconds at which the information were collected. Must be > 0.
   */
  'timestamp': (number);
  /**
   * IO PSI statistics.
   */
  'psi': (_runtime_v1_PsiStats__Output | null);
}
