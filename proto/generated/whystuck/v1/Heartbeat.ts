// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { Long } from '@grpc/proto-loader';

export interface Heartbeat {
  'last_seq'?: (number | string | Long);
}

export interface Heartbeat__Output {
  'last_seq': (number);
}
