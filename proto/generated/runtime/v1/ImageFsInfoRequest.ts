// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface ImageFsInfoRequest {
}

export interface ImageFsInfoRequest__Output {
}
