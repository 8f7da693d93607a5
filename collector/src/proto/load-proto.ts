import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../../../proto/generated/collector';

/** The options proto-loader-gen-types was run with (scripts/gen-proto.js); keep them equal. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The package root: the nearest ancestor holding proto/whystuck/v1/collector.proto. */
function protoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'proto', 'whystuck', 'v1', 'collector.proto'))) return join(dir, 'proto');
    const up = dirname(dir);
    if (up === dir) throw new Error('proto/whystuck/v1/collector.proto not found above ' + __dirname);
    dir = up;
  }
}

let cached: ProtoGrpcType | undefined;

export function loadCollectorProto(): ProtoGrpcType {
  if (!cached) {
    const def = protoLoader.loadSync('whystuck/v1/collector.proto', { ...LOADER_OPTIONS, includeDirs: [protoRoot()] });
    cached = grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType;
  }
  return cached;
}
