// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface RemoveContainerResponse {
}

export interface RemoveContainerResponse__Output {
}
