import * as protobuf from 'protobufjs';
import type { SnapshotResponse, SnapshotResponse__Output } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { Task, Task__Output } from '../../../proto/generated/whystuck/v1/Task';
import { protoRoot } from './proto-root';
import { compileCodec, type WireCodec } from './wire-codec';

let root: protobuf.Root | undefined;
let snapshot: WireCodec<SnapshotResponse, SnapshotResponse__Output> | undefined;
let task: WireCodec<Task, Task__Output> | undefined;

// Field names as written in the proto (keepCase), like LOADER_OPTIONS.
const lookup = (name: string): protobuf.Type => {
  root ??= new protobuf.Root().loadSync(`${protoRoot()}/whystuck/v1/collector.proto`, { keepCase: true });
  return root.lookupType(name);
};

/**
 * The Snapshot response's codec: a 10,000-thread snapshot is ~1.7 MB of
 * protobuf, and proto-loader's generic path spent ~100 ms encoding and
 * ~50 ms decoding it. 64-bit fields accept numbers or decimal strings.
 */
export function snapshotCodec(): WireCodec<SnapshotResponse, SnapshotResponse__Output> {
  snapshot ??= compileCodec(lookup('whystuck.v1.SnapshotResponse'));
  return snapshot;
}

/** Task messages on their own: the scanner encodes each task where it reads it. */
export function taskCodec(): WireCodec<Task, Task__Output> {
  task ??= compileCodec(lookup('whystuck.v1.Task'));
  return task;
}

let taskExtra: WireCodec<Task, Task__Output> | undefined;

/**
 * The same Task codec compiled once more, for the few fields a snapshot
 * appends to scanned tasks (pods, cmdlines, stacks): objects of many small
 * shapes, which through the scanner's codec made its property reads
 * megamorphic — and the main thread's share of the walk encodes with it.
 */
export function taskExtraCodec(): WireCodec<Task, Task__Output> {
  taskExtra ??= compileCodec(lookup('whystuck.v1.Task'));
  return taskExtra;
}

/** SnapshotResponse.tasks is field 2, length-delimited: its tag byte. */
export const TASKS_FIELD_TAG = (2 << 3) | 2;
