// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface ListMetricDescriptorsRequest {
}

export interface ListMetricDescriptorsRequest__Output {
}
