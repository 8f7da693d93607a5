// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface ContainerStatsRequest {
  /**
   * ID of the container for which to retrieve stats.
   */
  'container_id'?: (string);
}

export interface ContainerStatsRequest__Output {
  /**
   * ID of the container for which to retrieve stats.
   */
  'container_id': (string);
}
