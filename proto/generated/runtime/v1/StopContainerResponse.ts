// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface StopContainerResponse {
}

export interface StopContainerResponse__Output {
}
