// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface CheckpointPodRequest {
  /**
   * ID of the pod sandbox to be checkpointed.
   */
  'pod_sandbox_id'?: (string);
  /**
   * Absolute path to an existing, empty directory where the runtime must
   * write the checkpoint. The caller owns the directory, makes it writable by
   * the runtime, and should restrict access to the caller and runtime. The
   * runtime must not remove the directory. A Pod checkpoint is a collection
   * of runtime-defined files; their layout and format are opaque to the
   * caller. The runtime must not write outside this directory and must remove
   * partial artifacts before returning an error.
   */
  'output_path'?: (string);
  /**
   * IDs of the containers to include in the checkpoint. The list must be
   * non-empty, must not contain duplicates, and must contain exactly the
   * running containers selected by the caller. Every container must belong to
   * `pod_sandbox_id` and be running; otherwise the runtime must fail the
   * request without producing a checkpoint.
   */
  'container_ids'?: (string)[];
  /**
   * Optional opaque runtime-specific checkpoint options supplied by the CRI
   * caller. Keys are interpreted in the scope of the pod sandbox's runtime
   * handler. Kubernetes does not expose these options in its alpha API and
   * kubelet sends an empty map. Direct CRI callers may set keys documented by
   * the selected runtime. The runtime must reject unsupported or invalid keys
   * and values rather than silently ignore them. Options must not contain
   * secrets.
   */
  'options'?: ({[key: string]: string});
}

export interface CheckpointPodRequest__Output {
  /**
   * ID of the pod sandbox to be checkpointed.
   */
  'pod_sandbox_id': (string);
  /**
   * Absolute path to an existing, empty directory where the runtime must
   * write the checkpoint. The caller owns the directory, makes it writable by
   * the runtime, and should restrict access to the caller and runtime. The
   * runtime must not remove the directory. A Pod checkpoint is a collection
   * of runtime-defined files; their layout and format are opaque to the
   * caller. The runtime must not write outside this directory and must remove
   * partial artifacts before returning an error.
   */
  'output_path': (string);
  /**
   * IDs of the containers to include in the checkpoint. The list must be
   * non-empty, must not contain duplicates, and must contain exactly the
   * running containers selected by the caller. Every container must belong to
   * `pod_sandbox_id` and be running; otherwise the runtime must fail the
   * request without producing a checkpoint.
   */
  'container_ids': (string)[];
  /**
   * Optional opaque runtime-specific checkpoint options supplied by the CRI
   * caller. Keys are interpreted in the scope of the pod sandbox's runtime
   * handler. Kubernetes does not expose these options in its alpha API and
   * kubelet sends an empty map. Direct CRI callers may set keys documented by
   * the selected runtime. The runtime must reject unsupported or invalid keys
   * and values rather than silently ignore them. Options must not contain
   * secrets.
   */
  'options': ({[key: string]: string});
}
