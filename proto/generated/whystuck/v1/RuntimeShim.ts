// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { StackFrame as _whystuck_v1_StackFrame, StackFrame__Output as _whystuck_v1_StackFrame__Output } from '../../whystuck/v1/StackFrame';
import type { Long } from '@grpc/proto-loader';

export interface RuntimeShim {
  'pid'?: (number);
  'comm'?: (string);
  /**
   * the shim process's state letter (its main thread)
   */
  'state'?: (string);
  'wchan'?: (string);
  'start_time_ticks'?: (number | string | Long);
  /**
   * The sandbox (containerd: -id) or container (conmon: -c) it serves, from its command line.
   */
  'serves_id'?: (string);
  /**
   * Pids of the container processes it is the parent of.
   */
  'child_pids'?: (number)[];
  /**
   * its main thread's kernel stack, when readable
   */
  'stack'?: (_whystuck_v1_StackFrame)[];
}

export interface RuntimeShim__Output {
  'pid': (number);
  'comm': (string);
  /**
   * the shim process's state letter (its main thread)
   */
  'state': (string);
  'wchan': (string);
  'start_time_ticks': (number);
  /**
   * The sandbox (containerd: -id) or container (conmon: -c) it serves, from its command line.
   */
  'serves_id': (string);
  /**
   * Pids of the container processes it is the parent of.
   */
  'child_pids': (number)[];
  /**
   * its main thread's kernel stack, when readable
   */
  'stack': (_whystuck_v1_StackFrame__Output)[];
}
