// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { PodSandboxStats as _runtime_v1_PodSandboxStats, PodSandboxStats__Output as _runtime_v1_PodSandboxStats__Output } from '../../runtime/v1/PodSandboxStats';

export interface StreamPodSandboxStatsResponse {
  /**
   * List of pod sandbox stats.
   */
  'pod_sandbox_stats'?: (_runtime_v1_PodSandboxStats)[];
}

export interface StreamPodSandboxStatsResponse__Output {
  /**
   * List of pod sandbox stats.
   */
  'pod_sandbox_stats': (_runtime_v1_PodSandboxStats__Output)[];
}
