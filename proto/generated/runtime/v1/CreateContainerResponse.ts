// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface CreateContainerResponse {
  /**
   * ID of the created container.
   */
  'container_id'?: (string);
}

export interface CreateContainerResponse__Output {
  /**
   * ID of the created container.
   */
  'container_id': (string);
}
