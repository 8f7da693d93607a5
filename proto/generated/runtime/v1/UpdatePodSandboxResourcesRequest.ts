// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { LinuxContainerResources as _runtime_v1_LinuxContainerResources, LinuxContainerResources__Output as _runtime_v1_LinuxContainerResources__Output } from '../../runtime/v1/LinuxContainerResources';

export interface UpdatePodSandboxResourcesRequest {
  /**
   * ID of the PodSandbox to update.
   */
  'pod_sandbox_id'?: (string);
  /**
   * Optional overhead represents the overheads associated with this sandbox
   */
  'overhead'?: (_runtime_v1_LinuxContainerResources | null);
  /**
   * Optional resources represents the sum of container resources for this sandbox
   */
  'resources'?: (_runtime_v1_LinuxContainerResources | null);
}

export interface UpdatePodSandboxResourcesRequest__Output {
  /**
   * ID of the PodSandbox to update.
   */
  'pod_sandbox_id': (string);
  /**
   * Optional overhead represents the overheads associated with this sandbox
   */
  'overhead': (_runtime_v1_LinuxContainerResources__Output | null);
  /**
   * Optional resources represents the sum of container resources for this sandbox
   */
  'resources': (_runtime_v1_LinuxContainerResources__Output | null);
}
