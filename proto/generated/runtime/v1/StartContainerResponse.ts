// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface StartContainerResponse {
}

export interface StartContainerResponse__Output {
}
