// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { Long } from '@grpc/proto-loader';

/**
 * PSI data for an individual resource.
 */
export interface PsiData {
  /**
   * Total time duration for tasks in the cgroup have waited due to congestion.
   * Unit: nanoseconds.
   */
  'Total'?: (number | string | Long);
  /**
   * The average (in %) tasks have waited due to congestion over a 10 second window.
   */
  'Avg10'?: (number | string);
  /**
   * The average (in %) tasks have waited due to congestion over a 60 second window.
   */
  'Avg60'?: (number | string);
  /**
   * The average (in %) tasks have waited due to congestion over a 300 second window.
   */
  'Avg300'?: (number | string);
}

/**
 * PSI data for an individual resource.
 */
export interface PsiData__Output {
  /**
   * Total time duration for tasks in the cgroup have waited due to congestion.
   * Unit: nanoseconds.
   */
  'Total': (number);
  /**
   * The average (in %) tasks have waited due to congestion over a 10 second window.
   */
  'Avg10': (number);
  /**
   * The average (in %) tasks have waited due to congestion over a 60 second window.
   */
  'Avg60': (number);
  /**
   * The average (in %) tasks have waited due to congestion over a 300 second window.
   */
  'Avg300': (number);
}
