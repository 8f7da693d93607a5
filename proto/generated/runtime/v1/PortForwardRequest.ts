// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface PortForwardRequest {
  /**
   * ID of the container to which to forward the port.
   */
  'pod_sandbox_id'?: (string);
  /**
   * Port to forward.
   */
  'port'?: (number)[];
}

export interface PortForwardRequest__Output {
  /**
   * ID of the container to which to forward the port.
   */
  'pod_sandbox_id': (string);
  /**
   * Port to forward.
   */
  'port': (number)[];
}
