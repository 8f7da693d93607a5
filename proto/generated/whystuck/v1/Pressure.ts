// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { Long } from '@grpc/proto-loader';

export interface Pressure {
  /**
   * cpu | io | memory
   */
  'resource'?: (string);
  /**
   * some | full
   */
  'kind'?: (string);
  'avg10'?: (number | string);
  'avg60'?: (number | string);
  'avg300'?: (number | string);
  'total_us'?: (number | string | Long);
}

export interface Pressure__Output {
  /**
   * cpu | io | memory
   */
  'resource': (string);
  /**
   * some | full
   */
  'kind': (string);
  'avg10': (number);
  'avg60': (number);
  'avg300': (number);
  'total_us': (number);
}
