// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { WindowsCpuGroupAffinity as _runtime_v1_WindowsCpuGroupAffinity, WindowsCpuGroupAffinity__Output as _runtime_v1_WindowsCpuGroupAffinity__Output } from '../../runtime/v1/WindowsCpuGroupAffinity';
import type { Long } from '@grpc/proto-loader';

/**
 * WindowsContainerResources specifies Windows specific configuration for
 * resources.
 */
export interface WindowsContainerResources {
  /**
   * CPU shares (relative weight vs. other containers). Default: 0 (not specified).
   */
  'cpu_shares'?: (number | string | Long);
  /**
   * Number of CPUs available to the container. Default: 0 (not specified).
   */
  'cpu_count'?: (number | string | Long);
  /**
   * Specifies the portion of processor cycles that this container can use as a percentage times 100.
   */
  'cpu_maximum'?: (number | string | Long);
  /**
   * Memory limit in bytes. Default: 0 (not specified).
   */
  'memory_limit_in_bytes'?: (number | string | Long);
  /**
   * Specifies the size of the rootfs / scratch space in bytes to be configured for this container. Default: 0 (not specified).
   */
  'rootfs_size_in_bytes'?: (number | string | Long);
  /**
   * Optionally specifies the set of CPUs to affinitize for this container.
   */
  'affinity_cpus'?: (_runtime_v1_WindowsCpuGroupAffinity)[];
}

/**
 * WindowsContainerResources specifies Windows specific configuration for
 * resources.
 */
export interface WindowsContainerResources__Output {
  /**
   * CPU shares (relative weight vs. other containers). Default: 0 (not specified).
   */
  'cpu_shares': (number);
  /**
   * Number of CPUs available to the container. Default: 0 (not specified).
   */
  'cpu_count': (number);
  /**
   * Specifies the portion of processor cycles that this container can use as a percentage times 100.
   */
  'cpu_maximum': (number);
  /**
   * Memory limit in bytes. Default: 0 (not specified).
   */
  'memory_limit_in_bytes': (number);
  /**
   * Specifies the size of the rootfs / scratch space in bytes to be configured for this container. Default: 0 (not specified).
   */
  'rootfs_size_in_bytes': (number);
  /**
   * Optionally specifies the set of CPUs to affinitize for this container.
   */
  'affinity_cpus': (_runtime_v1_WindowsCpuGroupAffinity__Output)[];
}
