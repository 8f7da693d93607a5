// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface RuntimeConfigRequest {
}

export interface RuntimeConfigRequest__Output {
}
