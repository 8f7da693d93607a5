// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { Long } from '@grpc/proto-loader';

export interface KmsgRecord {
  'seq'?: (number | string | Long);
  /**
   * 0 emerg .. 7 debug
   */
  'level'?: (number);
  /**
   * 0 kern, 1 user ...
   */
  'facility'?: (number);
  /**
   * since boot
   */
  'monotonic_us'?: (number | string | Long);
  /**
   * boot time + monotonic, like dmesg -T
   */
  'wall_time_unix_ms'?: (number | string | Long);
  'text'?: (string);
  /**
   * dictionary lines (SUBSYSTEM=, DEVICE=)
   */
  'continuation'?: (string)[];
  /**
   * caller id when the kernel prints it (T1234 / C2)
   */
  'caller'?: (string);
}

export interface KmsgRecord__Output {
  'seq': (number);
  /**
   * 0 emerg .. 7 debug
   */
  'level': (number);
  /**
   * 0 kern, 1 user ...
   */
  'facility': (number);
  /**
   * since boot
   */
  'monotonic_us': (number);
  /**
   * boot time + monotonic, like dmesg -T
   */
  'wall_time_unix_ms': (number);
  'text': (string);
  /**
   * dictionary lines (SUBSYSTEM=, DEVICE=)
   */
  'continuation': (string)[];
  /**
   * caller id when the kernel prints it (T1234 / C2)
   */
  'caller': (string);
}
