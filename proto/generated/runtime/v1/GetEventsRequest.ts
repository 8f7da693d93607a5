// Original file: /work/main/proto/vendor/cri-api/api.proto


export interface GetEventsRequest {
}

export interface GetEventsRequest__Output {
}
