// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { VolumeHolder as _whystuck_v1_VolumeHolder, VolumeHolder__Output as _whystuck_v1_VolumeHolder__Output } from '../../whystuck/v1/VolumeHolder';

/**
 * One volume mount of a pod under the kubelet's pods directory, as the host's
 * mount namespace (pid 1's, where the kubelet mounts) has it — or, when the
 * host no longer has it, as another mount namespace still does. Read with
 * the guarded reader: one mountinfo per mount namespace, the fd and cwd
 * links of the processes of the namespaces that have the mount, and a
 * statfs of the mount under a deadline.
 */
export interface PodVolumeMount {
  /**
   * Where the host has it mounted; "" when only other namespaces still have it.
   */
  'mount_point'?: (string);
  /**
   * the pod's name for the volume ("data"), from the path
   */
  'volume'?: (string);
  /**
   * "kubernetes.io/empty-dir", "kubernetes.io/csi" ("~" read as "/")
   */
  'plugin'?: (string);
  'fs_type'?: (string);
  /**
   * mountinfo's source ("tmpfs", "/dev/rbd0", "10.0.0.5:/export")
   */
  'source'?: (string);
  /**
   * major:minor
   */
  'device'?: (string);
  /**
   * the mount's root within its filesystem
   */
  'root'?: (string);
  /**
   * Whether the filesystem behind it answers a statfs within the deadline:
   * ok | timed-out | blocked-earlier (an earlier statfs of it is still stuck)
   * | error (backend_error says which) | not-read (no reader left, or not reachable)
   */
  'backend_status'?: (string);
  'backend_error'?: (string);
  /**
   * how long the statfs took (or was waited for)
   */
  'backend_ms'?: (number);
  'holders'?: (_whystuck_v1_VolumeHolder)[];
  /**
   * the pod whose volume it is
   */
  'pod_uid'?: (string);
}

/**
 * One volume mount of a pod under the kubelet's pods directory, as the host's
 * mount namespace (pid 1's, where the kubelet mounts) has it — or, when the
 * host no longer has it, as another mount namespace still does. Read with
 * the guarded reader: one mountinfo per mount namespace, the fd and cwd
 * links of the processes of the namespaces that have the mount, and a
 * statfs of the mount under a deadline.
 */
export interface PodVolumeMount__Output {
  /**
   * Where the host has it mounted; "" when only other namespaces still have it.
   */
  'mount_point': (string);
  /**
   * the pod's name for the volume ("data"), from the path
   */
  'volume': (string);
  /**
   * "kubernetes.io/empty-dir", "kubernetes.io/csi" ("~" read as "/")
   */
  'plugin': (string);
  'fs_type': (string);
  /**
   * mountinfo's source ("tmpfs", "/dev/rbd0", "10.0.0.5:/export")
   */
  'source': (string);
  /**
   * major:minor
   */
  'device': (string);
  /**
   * the mount's root within its filesystem
   */
  'root': (string);
  /**
   * Whether the filesystem behind it answers a statfs within the deadline:
   * ok | timed-out | blocked-earlier (an earlier statfs of it is still stuck)
   * | error (backend_error says which) | not-read (no reader left, or not reachable)
   */
  'backend_status': (string);
  'backend_error': (string);
  /**
   * how long the statfs took (or was waited for)
   */
  'backend_ms': (number);
  'holders': (_whystuck_v1_VolumeHolder__Output)[];
  /**
   * the pod whose volume it is
   */
  'pod_uid': (string);
}
