// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface ContainerStatusRequest {
  /**
   * ID of the container for which to retrieve status.
   */
  'container_id'?: (string);
  /**
   * Verbose indicates whether to return extra information about the container.
   */
  'verbose'?: (boolean);
}

export interface ContainerStatusRequest__Output {
  /**
   * ID of the container for which to retrieve status.
   */
  'container_id': (string);
  /**
   * Verbose indicates whether to return extra information about the container.
   */
  'verbose': (boolean);
}
