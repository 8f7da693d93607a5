// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface VersionResponse {
  /**
   * Version of the kubelet runtime API.
   */
  'version'?: (string);
  /**
   * Name of the container runtime.
   */
  'runtime_name'?: (string);
  /**
   * Version of the container runtime. The string must be
   * semver-compatible.
   */
  'runtime_version'?: (string);
  /**
   * API version of the container runtime. The string must be
   * semver-compatible.
   */
  'runtime_api_version'?: (string);
}

export interface VersionResponse__Output {
  /**
   * Version of the kubelet runtime API.
   */
  'version': (string);
  /**
   * Name of the container runtime.
   */
  'runtime_name': (string);
  /**
   * Version of the container runtime. The string must be
   * semver-compatible.
   */
  'runtime_version': (string);
  /**
   * API version of the container runtime. The string must be
   * semver-compatible.
   */
  'runtime_api_version': (string);
}
