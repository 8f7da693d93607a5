// Original file: /work/main/proto/whystuck/v1/collector.proto


export interface PidList {
  'pids'?: (number)[];
}

export interface PidList__Output {
  'pids': (number)[];
}
