// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface RemoveImageResponse {
}

export interface RemoveImageResponse__Output {
}
