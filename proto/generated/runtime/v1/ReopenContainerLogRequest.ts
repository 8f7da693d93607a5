// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface ReopenContainerLogRequest {
  /**
   * ID of the container for which to reopen the log.
   */
  'container_id'?: (string);
}

export interface ReopenContainerLogRequest__Output {
  /**
   * ID of the container for which to reopen the log.
   */
  'container_id': (string);
}
