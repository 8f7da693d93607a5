// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface RemovePodSandboxRequest {
  /**
   * ID of the PodSandbox to remove.
   */
  'pod_sandbox_id'?: (string);
}

export interface RemovePodSandboxRequest__Output {
  /**
   * ID of the PodSandbox to remove.
   */
  'pod_sandbox_id': (string);
}
