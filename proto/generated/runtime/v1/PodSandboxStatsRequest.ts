// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface PodSandboxStatsRequest {
  /**
   * ID of the pod sandbox for which to retrieve stats.
   */
  'pod_sandbox_id'?: (string);
}

export interface PodSandboxStatsRequest__Output {
  /**
   * ID of the pod sandbox for which to retrieve stats.
   */
  'pod_sandbox_id': (string);
}
