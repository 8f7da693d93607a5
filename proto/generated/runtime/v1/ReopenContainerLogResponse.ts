// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface ReopenContainerLogResponse {
}

export interface ReopenContainerLogResponse__Output {
}
