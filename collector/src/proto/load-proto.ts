import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../../../proto/generated/collector';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import { snapshotCodec } from './snapshot-codec';
import { protoRoot } from './proto-root';

/** The options proto-loader-gen-types was run with (scripts/gen-proto.js); keep them equal. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

let cached: ProtoGrpcType | undefined;

export function loadCollectorProto(): ProtoGrpcType {
  if (!cached) {
    const def = protoLoader.loadSync('whystuck/v1/collector.proto', { ...LOADER_OPTIONS, includeDirs: [protoRoot()] });
    const service = def['whystuck.v1.NodeCollector'] as grpc.ServiceDefinition;
    // The one big message gets the compiled codec on both sides (same wire bytes).
    service.Snapshot.responseSerialize = (value: unknown) => (Buffer.isBuffer(value) ? value : snapshotCodec().encode(value as SnapshotResponse));
    service.Snapshot.responseDeserialize = (bytes: Buffer) => snapshotCodec().decode(bytes);
    cached = grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType;
  }
  return cached;
}
