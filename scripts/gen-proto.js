#!/usr/bin/env node
// Regenerates proto/generated from proto/whystuck/v1/*.proto (and the vendored
// CRI API, proto/vendor/cri-api/api.proto) with the same
// loader options the runtime uses (collector/src/proto/load-proto.ts).
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const root = path.resolve(__dirname, '..');
const out = process.argv[2] ?? path.join(root, 'proto', 'generated');
execFileSync(
  process.execPath,
  [
    require.resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js'),
    '--keepCase',
    '--longs=Number',
    '--enums=String',
    '--defaults',
    '--oneofs',
    '--grpcLib=@grpc/grpc-js',
    '--outDir',
    out,
    `--includeDirs=${path.join(root, 'proto')}`,
    '--includeComments',
    'whystuck/v1/collector.proto',
    // The CRI v1 contract (vendored, unmodified) the collector reads the container runtime with.
    'vendor/cri-api/api.proto',
  ],
  { stdio: 'inherit', cwd: root },
);
