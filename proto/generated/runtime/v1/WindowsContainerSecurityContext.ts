// Original file: /work/main/proto/vendor/cri-api/api.proto


/**
 * WindowsContainerSecurityContext holds windows security configuration that will be applied to a container.
 */
export interface WindowsContainerSecurityContext {
  /**
   * User name to run the container process as. If specified, the user MUST
   * exist in the container image and be resolved there by the runtime;
   * otherwise, the runtime MUST return error.
   */
  'run_as_username'?: (string);
  /**
   * The contents of the GMSA credential spec to use to run this container.
   */
  'credential_spec'?: (string);
  /**
   * Indicates whether a container is to be run as a HostProcess container.
   */
  'host_process'?: (boolean);
}

/**
 * WindowsContainerSecurityContext holds windows security configuration that will be applied to a container.
 */
export interface WindowsContainerSecurityContext__Output {
  /**
   * User name to run the container process as. If specified, the user MUST
   * exist in the container image and be resolved there by the runtime;
   * otherwise, the runtime MUST return error.
   */
  'run_as_username': (string);
  /**
   * The contents of the GMSA credential spec to use to run this container.
   */
  'credential_spec': (string);
  /**
   * Indicates whether a container is to be run as a HostProcess container.
   */
  'host_process': (boolean);
}
