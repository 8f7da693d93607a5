// Original file: /work/main/proto/whystuck/v1/collector.proto


export interface HealthRequest {
}

export interface HealthRequest__Output {
}
