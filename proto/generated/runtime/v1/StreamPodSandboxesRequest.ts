// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { PodSandboxFilter as _runtime_v1_PodSandboxFilter, PodSandboxFilter__Output as _runtime_v1_PodSandboxFilter__Output } from '../../runtime/v1/PodSandboxFilter';

export interface StreamPodSandboxesRequest {
  /**
   * Filter for the list request.
   */
  'filter'?: (_runtime_v1_PodSandboxFilter | null);
}

export interface StreamPodSandboxesRequest__Output {
  /**
   * Filter for the list request.
   */
  'filter': (_runtime_v1_PodSandboxFilter__Output | null);
}
