// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface RemovePodSandboxResponse {
}

export interface RemovePodSandboxResponse__Output {
}
