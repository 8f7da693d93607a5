// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { RestoredContainer as _runtime_v1_RestoredContainer, RestoredContainer__Output as _runtime_v1_RestoredContainer__Output } from '../../runtime/v1/RestoredContainer';

export interface RestorePodResponse {
  /**
   * Non-empty ID of the restored pod sandbox.
   */
  'pod_sandbox_id'?: (string);
  /**
   * Restored containers in CREATED state, without having executed the
   * restored process (see RestorePod). This must contain exactly one entry
   * for every request.container_configs entry. Names and container IDs
   * must each be non-empty and unique.
   */
  'restored_containers'?: (_runtime_v1_RestoredContainer)[];
}

export interface RestorePodResponse__Output {
  /**
   * Non-empty ID of the restored pod sandbox.
   */
  'pod_sandbox_id': (string);
  /**
   * Restored containers in CREATED state, without having executed the
   * restored process (see RestorePod). This must contain exactly one entry
   * for every request.container_configs entry. Names and container IDs
   * must each be non-empty and unique.
   */
  'restored_containers': (_runtime_v1_RestoredContainer__Output)[];
}
