// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { KernelReportEvent as _whystuck_v1_KernelReportEvent, KernelReportEvent__Output as _whystuck_v1_KernelReportEvent__Output } from '../../whystuck/v1/KernelReportEvent';
import type { ConditionEvent as _whystuck_v1_ConditionEvent, ConditionEvent__Output as _whystuck_v1_ConditionEvent__Output } from '../../whystuck/v1/ConditionEvent';
import type { LostEvents as _whystuck_v1_LostEvents, LostEvents__Output as _whystuck_v1_LostEvents__Output } from '../../whystuck/v1/LostEvents';
import type { Heartbeat as _whystuck_v1_Heartbeat, Heartbeat__Output as _whystuck_v1_Heartbeat__Output } from '../../whystuck/v1/Heartbeat';
import type { Long } from '@grpc/proto-loader';

export interface WatchEvent {
  /**
   * this collector process's journal
   */
  'journal_id'?: (string);
  /**
   * position in the journal, from 1
   */
  'seq'?: (number | string | Long);
  /**
   * when the collector recorded it
   */
  'at_unix_ms'?: (number | string | Long);
  'hostname'?: (string);
  'kernel_report'?: (_whystuck_v1_KernelReportEvent | null);
  'condition'?: (_whystuck_v1_ConditionEvent | null);
  'lost'?: (_whystuck_v1_LostEvents | null);
  'heartbeat'?: (_whystuck_v1_Heartbeat | null);
  'event'?: "kernel_report"|"condition"|"lost"|"heartbeat";
}

export interface WatchEvent__Output {
  /**
   * this collector process's journal
   */
  'journal_id': (string);
  /**
   * position in the journal, from 1
   */
  'seq': (number);
  /**
   * when the collector recorded it
   */
  'at_unix_ms': (number);
  'hostname': (string);
  'kernel_report'?: (_whystuck_v1_KernelReportEvent__Output | null);
  'condition'?: (_whystuck_v1_ConditionEvent__Output | null);
  'lost'?: (_whystuck_v1_LostEvents__Output | null);
  'heartbeat'?: (_whystuck_v1_Heartbeat__Output | null);
  'event'?: "kernel_report"|"condition"|"lost"|"heartbeat";
}
