// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface RestoredContainer {
  /**
   * Name from the restored container's ContainerMetadata. This identifies
   * which requested container configuration produced the runtime ID.
   */
  'name'?: (string);
  /**
   * Non-empty runtime ID of the restored container.
   */
  'container_id'?: (string);
}

export interface RestoredContainer__Output {
  /**
   * Name from the restored container's ContainerMetadata. This identifies
   * which requested container configuration produced the runtime ID.
   */
  'name': (string);
  /**
   * Non-empty runtime ID of the restored container.
   */
  'container_id': (string);
}
