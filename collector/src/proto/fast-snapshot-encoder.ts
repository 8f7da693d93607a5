import * as protobuf from 'protobufjs';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { Task } from '../../../proto/generated/whystuck/v1/Task';
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

/**
 * protobufjs writes every present key, defaults included; proto3 leaves
 * default values off the wire. Dropping them halves a snapshot's size.
 */
function compact(task: Task): Task {
  const out: Record<string, unknown> = {};
  for (const key in task) {
    const v = (task as Record<string, unknown>)[key];
    if (v === '' || v === 0 || v === false || v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (key === 'detail' && typeof v === 'string') out.detail = DETAIL[v];
    else if (key === 'cgroups' && Object.keys(v as object).length === 0) continue;
    else out[key] = v;
  }
  return out as Task;
}

export function encodeSnapshotResponse(value: SnapshotResponse): Buffer {
  // keepCase: field names as written in the proto (snake_case), like LOADER_OPTIONS.
  type ??= new protobuf.Root().loadSync(`${protoRoot()}/whystuck/v1/collector.proto`, { keepCase: true }).lookupType('whystuck.v1.SnapshotResponse');
  const tasks = (value.tasks ?? []).map(compact);
  const writer = type.encode({ ...value, tasks } as unknown as protobuf.Message);
  return Buffer.from(writer.finish());
}
