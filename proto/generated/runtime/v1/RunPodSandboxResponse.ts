// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface RunPodSandboxResponse {
  /**
   * ID of the PodSandbox to run.
   */
  'pod_sandbox_id'?: (string);
}

export interface RunPodSandboxResponse__Output {
  /**
   * ID of the PodSandbox to run.
   */
  'pod_sandbox_id': (string);
}
