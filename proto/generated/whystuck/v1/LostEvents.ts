// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Events the consumer will not see: dropped from the journal before it read them.
 */
export interface LostEvents {
  'from_seq'?: (number | string | Long);
  'count'?: (number | string | Long);
}

/**
 * Events the consumer will not see: dropped from the journal before it read them.
 */
export interface LostEvents__Output {
  'from_seq': (number);
  'count': (number);
}
