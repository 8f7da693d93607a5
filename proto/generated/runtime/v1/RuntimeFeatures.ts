// Original file: /work/main/proto/vendor/cri-api/api.proto


/**
 * RuntimeFeatures describes the set of features implemented by the CRI implementation.
 * The features contained in the RuntimeFeatures should depend only on the cri implementation
 * independent of runtime handlers.
 */
export interface RuntimeFeatures {
  /**
   * supplemental_groups_policy is set to true if the runtime supports SupplementalGroupsPolicy and ContainerUser.
   */
  'supplemental_groups_policy'?: (boolean);
  /**
   * user_namespaces_host_network is set to true if the runtime supports containers using both
   * host network and user namespace simultaneously.
   */
  'user_namespaces_host_network'?: (boolean);
  /**
   * mount_options is set to true if the runtime supports additional bind
   * mount options (noexec, nodev, nosuid) on container mounts.
   */
  'mount_options'?: (boolean);
}

/**
 * RuntimeFeatures describes the set of features implemented by the CRI implementation.
 * The features contained in the RuntimeFeatures should depend only on the cri implementation
 * independent of runtime handlers.
 */
export interface RuntimeFeatures__Output {
  /**
   * supplemental_groups_policy is set to true if the runtime supports SupplementalGroupsPolicy and ContainerUser.
   */
  'supplemental_groups_policy': (boolean);
  /**
   * user_namespaces_host_network is set to true if the runtime supports containers using both
   * host network and user namespace simultaneously.
   */
  'user_namespaces_host_network': (boolean);
  /**
   * mount_options is set to true if the runtime supports additional bind
   * mount options (noexec, nodev, nosuid) on container mounts.
   */
  'mount_options': (boolean);
}
