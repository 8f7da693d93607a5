// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface StartContainerRequest {
  /**
   * ID of the container to start.
   */
  'container_id'?: (string);
}

export interface StartContainerRequest__Output {
  /**
   * ID of the container to start.
   */
  'container_id': (string);
}
