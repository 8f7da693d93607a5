// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface RemoveContainerRequest {
  /**
   * ID of the container to remove.
   */
  'container_id'?: (string);
}

export interface RemoveContainerRequest__Output {
  /**
   * ID of the container to remove.
   */
  'container_id': (string);
}
