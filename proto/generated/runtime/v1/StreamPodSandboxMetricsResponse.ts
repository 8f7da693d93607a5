// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { PodSandboxMetrics as _runtime_v1_PodSandboxMetrics, PodSandboxMetrics__Output as _runtime_v1_PodSandboxMetrics__Output } from '../../runtime/v1/PodSandboxMetrics';

export interface StreamPodSandboxMetricsResponse {
  /**
   * List of pod sandbox metrics.
   */
  'pod_sandbox_metrics'?: (_runtime_v1_PodSandboxMetrics)[];
}

export interface StreamPodSandboxMetricsResponse__Output {
  /**
   * List of pod sandbox metrics.
   */
  'pod_sandbox_metrics': (_runtime_v1_PodSandboxMetrics__Output)[];
}
