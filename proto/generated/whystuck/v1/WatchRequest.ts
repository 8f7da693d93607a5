// Original file: /work/main/proto/whystuck/v1/collector.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Resuming: pass the `journal_id` and `seq` of the last event handled. Same
 * journal: events after `since_seq` are replayed from the collector's journal
 * (a `lost` event first if some were already dropped from it), then live ones.
 * Another journal (the collector restarted) or none: the whole journal is
 * replayed — it starts with every report still in the kernel's ring buffer,
 * so a restart loses nothing the kernel kept; consumers dedupe kernel reports
 * on `kmsg_seq` and conditions on (kind, pod_uid, since_unix_ms).
 * Conditions use the collector's thresholds (its --watch-* flags).
 */
export interface WatchRequest {
  'journal_id'?: (string);
  'since_seq'?: (number | string | Long);
}

/**
 * Resuming: pass the `journal_id` and `seq` of the last event handled. Same
 * journal: events after `since_seq` are replayed from the collector's journal
 * (a `lost` event first if some were already dropped from it), then live ones.
 * Another journal (the collector restarted) or none: the whole journal is
 * replayed — it starts with every report still in the kernel's ring buffer,
 * so a restart loses nothing the kernel kept; consumers dedupe kernel reports
 * on `kmsg_seq` and conditions on (kind, pod_uid, since_unix_ms).
 * Conditions use the collector's thresholds (its --watch-* flags).
 */
export interface WatchRequest__Output {
  'journal_id': (string);
  'since_seq': (number);
}
