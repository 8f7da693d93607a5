// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { Protocol as _runtime_v1_Protocol, Protocol__Output as _runtime_v1_Protocol__Output } from '../../runtime/v1/Protocol';

/**
 * PortMapping specifies the port mapping configurations of a sandbox.
 */
export interface PortMapping {
  /**
   * Protocol of the port mapping.
   */
  'protocol'?: (_runtime_v1_Protocol);
  /**
   * Port number within the container. Default: 0 (not specified).
   */
  'container_port'?: (number);
  /**
   * Port number on the host to map the container port to.
   * 
   * * Valid host port range is 1-65535.
   * * The value 0 has explicit semantic meaning: it indicates NO host port should be allocated.
   * * The value 0 does NOT indicate dynamic port allocation. Future implementations
   * of dynamic allocation will use different values/semantics.
   * * Implementations MUST handle the case where this field is explicitly set to 0,
   * This field SHOULD be omitted when no port is required.
   * 
   * Default: If omitted, container port will not be exposed on the host.
   */
  'host_port'?: (number);
  /**
   * Host IP.
   */
  'host_ip'?: (string);
}

/**
 * PortMapping specifies the port mapping configurations of a sandbox.
 */
export interface PortMapping__Output {
  /**
   * Protocol of the port mapping.
   */
  'protocol': (_runtime_v1_Protocol__Output);
  /**
   * Port number within the container. Default: 0 (not specified).
   */
  'container_port': (number);
  /**
   * Port number on the host to map the container port to.
   * 
   * * Valid host port range is 1-65535.
   * * The value 0 has explicit semantic meaning: it indicates NO host port should be allocated.
   * * The value 0 does NOT indicate dynamic port allocation. Future implementations
   * of dynamic allocation will use different values/semantics.
   * * Implementations MUST handle the case where this field is explicitly set to 0,
   * This field SHOULD be omitted when no port is required.
   * 
   * Default: If omitted, container port will not be exposed on the host.
   */
  'host_port': (number);
  /**
   * Host IP.
   */
  'host_ip': (string);
}
