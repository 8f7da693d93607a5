// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface StopPodSandboxResponse {
}

export interface StopPodSandboxResponse__Output {
}
