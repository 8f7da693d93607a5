// Original file: /work/main/proto/vendor/cri-api/api.proto

import type { PodSandboxConfig as _runtime_v1_PodSandboxConfig, PodSandboxConfig__Output as _runtime_v1_PodSandboxConfig__Output } from '../../runtime/v1/PodSandboxConfig';
import type { ContainerConfig as _runtime_v1_ContainerConfig, ContainerConfig__Output as _runtime_v1_ContainerConfig__Output } from '../../runtime/v1/ContainerConfig';

export interface RestorePodRequest {
  /**
   * Absolute path to the directory containing the checkpoint data to restore.
   * The runtime must not modify the checkpoint data. The data format and
   * layout are runtime-defined.
   */
  'checkpoint_path'?: (string);
  /**
   * Pod sandbox configuration supplied by the kubelet, with node-local restore-time
   * updates (new Pod UID, cgroup parent path, log directory). Pod-spec equality between
   * the live Pod and status.checkpointedPodTemplate of the referenced PodCheckpoint is
   * enforced at API-server admission (and re-checked by the kubelet before this call);
   * arbitrary user overrides are not permitted.
   */
  'config'?: (_runtime_v1_PodSandboxConfig | null);
  /**
   * Runtime handler to use for restoring the pod sandbox and its containers.
   * The handler selects the configured runtime implementation that interprets
   * the runtime-specific checkpoint data. The selected handler must be
   * compatible with the checkpoint; the runtime must reject a checkpoint it
   * cannot restore. An empty value selects the default handler, as for
   * RunPodSandboxRequest. The runtime must reject an unknown non-empty handler.
   */
  'runtime_handler'?: (string);
  /**
   * Optional opaque runtime-specific restore options supplied by the CRI
   * caller. Keys are interpreted in the scope of `runtime_handler`.
   * Kubernetes does not expose these options in its alpha API and kubelet
   * sends an empty map. Direct CRI callers may set keys documented by the
   * selected runtime. The runtime must reject unsupported or invalid keys and
   * values rather than silently ignore them. Options must not contain secrets.
   */
  'options'?: ({[key: string]: string});
  /**
   * Complete restore-time configurations for all containers represented by
   * the checkpoint. The list must be non-empty. Every entry must have a
   * non-empty, unique metadata name, and those names must be the exact set of
   * container names in the checkpoint. The runtime must match containers by
   * metadata name. The checkpoint is authoritative for filesystem and
   * process state. Image, command, args, working directory, environment, and
   * process credentials describe the expected checkpointed process; they
   * must not start or mutate it, and any mismatch the runtime can validate
   * must fail the restore. The runtime applies restore-time settings outside
   * checkpoint-owned process state, including labels, annotations, mounts,
   * devices, Linux resources, logging, and security constraints, and must
   * fail settings incompatible with the checkpoint.
   */
  'container_configs'?: (_runtime_v1_ContainerConfig)[];
}

export interface RestorePodRequest__Output {
  /**
   * Absolute path to the directory containing the checkpoint data to restore.
   * The runtime must not modify the checkpoint data. The data format and
   * layout are runtime-defined.
   */
  'checkpoint_path': (string);
  /**
   * Pod sandbox configuration supplied by the kubelet, with node-local restore-time
   * updates (new Pod UID, cgroup parent path, log directory). Pod-spec equality between
   * the live Pod and status.checkpointedPodTemplate of the referenced PodCheckpoint is
   * enforced at API-server admission (and re-checked by the kubelet before this call);
   * arbitrary user overrides are not permitted.
   */
  'config': (_runtime_v1_PodSandboxConfig__Output | null);
  /**
   * Runtime handler to use for restoring the pod sandbox and its containers.
   * The handler selects the configured runtime implementation that interprets
   * the runtime-specific checkpoint data. The selected handler must be
   * compatible with the checkpoint; the runtime must reject a checkpoint it
   * cannot restore. An empty value selects the default handler, as for
   * RunPodSandboxRequest. The runtime must reject an unknown non-empty handler.
   */
  'runtime_handler': (string);
  /**
   * Optional opaque runtime-specific restore options supplied by the CRI
   * caller. Keys are interpreted in the scope of `runtime_handler`.
   * Kubernetes does not expose these options in its alpha API and kubelet
   * sends an empty map. Direct CRI callers may set keys documented by the
   * selected runtime. The runtime must reject unsupported or invalid keys and
   * values rather than silently ignore them. Options must not contain secrets.
   */
  'options': ({[key: string]: string});
  /**
   * Complete restore-time configurations for all containers represented by
   * the checkpoint. The list must be non-empty. Every entry must have a
   * non-empty, unique metadata name, and those names must be the exact set of
   * container names in the checkpoint. The runtime must match containers by
   * metadata name. The checkpoint is authoritative for filesystem and
   * process state. Image, command, args, working directory, environment, and
   * process credentials describe the expected checkpointed process; they
   * must not start or mutate it, and any mismatch the runtime can validate
   * must fail the restore. The runtime applies restore-time settings outside
   * checkpoint-owned process state, including labels, annotations, mounts,
   * devices, Linux resources, logging, and security constraints, and must
   * fail settings incompatible with the checkpoint.
   */
  'container_configs': (_runtime_v1_ContainerConfig__Output)[];
}
