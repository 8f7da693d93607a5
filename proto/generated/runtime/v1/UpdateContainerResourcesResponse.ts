// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface UpdateContainerResourcesResponse {
}

export interface UpdateContainerResourcesResponse__Output {
}
