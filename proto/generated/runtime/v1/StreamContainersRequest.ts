// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { ContainerFilter as _runtime_v1_ContainerFilter, ContainerFilter__Output as _runtime_v1_ContainerFilter__Output } from '../../runtime/v1/ContainerFilter';

export interface StreamContainersRequest {
  /**
   * Filter for the list request.
   */
  'filter'?: (_runtime_v1_ContainerFilter | null);
}

export interface StreamContainersRequest__Output {
  /**
   * Filter for the list request.
   */
  'filter': (_runtime_v1_ContainerFilter__Output | null);
}
