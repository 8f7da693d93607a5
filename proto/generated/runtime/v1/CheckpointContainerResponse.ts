// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface CheckpointContainerResponse {
}

export interface CheckpointContainerResponse__Output {
}
