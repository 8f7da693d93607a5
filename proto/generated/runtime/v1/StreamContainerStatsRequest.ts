// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { ContainerStatsFilter as _runtime_v1_ContainerStatsFilter, ContainerStatsFilter__Output as _runtime_v1_ContainerStatsFilter__Output } from '../../runtime/v1/ContainerStatsFilter';

export interface StreamContainerStatsRequest {
  /**
   * Filter for the list request.
   */
  'filter'?: (_runtime_v1_ContainerStatsFilter | null);
}

export interface StreamContainerStatsRequest__Output {
  /**
   * Filter for the list request.
   */
  'filter': (_runtime_v1_ContainerStatsFilter__Output | null);
}
