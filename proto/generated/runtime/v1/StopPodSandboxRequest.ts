// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface StopPodSandboxRequest {
  /**
   * ID of the PodSandbox to stop.
   */
  'pod_sandbox_id'?: (string);
}

export interface StopPodSandboxRequest__Output {
  /**
   * ID of the PodSandbox to stop.
   */
  'pod_sandbox_id': (string);
}
