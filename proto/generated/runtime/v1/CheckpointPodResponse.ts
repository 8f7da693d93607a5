// Original file: /work/main/proto/vendor/cri-api/api.proto


/**
 * Empty: the checkpoint is written under the request's `output_path` directory,
 * which the caller provided and already knows, so there is no separate location
 * or object name to return.
 */
export interface CheckpointPodResponse {
}

/**
 * Empty: the checkpoint is written under the request's `output_path` directory,
 * which the caller provided and already knows, so there is no separate location
 * or object name to return.
 */
export interface CheckpointPodResponse__Output {
}
