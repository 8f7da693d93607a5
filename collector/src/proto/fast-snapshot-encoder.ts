import * as protobuf from 'protobufjs';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import { protoRoot } from './proto-root';

/**
 * Encodes SnapshotResponse without proto-loader's `fromObject` pass, which
 * copies every field of every task and parses each 64-bit value from a
 * string (a 10,000-thread snapshot took ~1 s that way). The collector builds
 * responses with numbers for 64-bit fields and numeric enum values, exactly
 * what protobufjs's encoder writes directly; the bytes on the wire are the
 * same protobuf either way, and clients decode them with the generated types.
 */
let type: protobuf.Type | undefined;

const DETAIL: Record<string, number> = { DETAIL_UNSPECIFIED: 0, DETAIL_BASIC: 1, DETAIL_FULL: 2 };

export function encodeSnapshotResponse(value: SnapshotResponse): Buffer {
  // keepCase: field names as written in the proto (snake_case), like LOADER_OPTIONS.
  type ??= new protobuf.Root().loadSync(`${protoRoot()}/whystuck/v1/collector.proto`, { keepCase: true }).lookupType('whystuck.v1.SnapshotResponse');
  for (const t of value.tasks ?? []) {
    if (typeof t.detail === 'string') t.detail = DETAIL[t.detail] as 0 | 1 | 2;
  }
  const writer = type.encode(value as unknown as protobuf.Message);
  return Buffer.from(writer.finish());
}
