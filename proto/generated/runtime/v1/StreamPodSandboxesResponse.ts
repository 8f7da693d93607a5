// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { PodSandbox as _runtime_v1_PodSandbox, PodSandbox__Output as _runtime_v1_PodSandbox__Output } from '../../runtime/v1/PodSandbox';

export interface StreamPodSandboxesResponse {
  /**
   * List of PodSandboxes.
   */
  'pod_sandboxes'?: (_runtime_v1_PodSandbox)[];
}

export interface StreamPodSandboxesResponse__Output {
  /**
   * List of PodSandboxes.
   */
  'pod_sandboxes': (_runtime_v1_PodSandbox__Output)[];
}
