import * as protobuf from 'protobufjs';
import * as protoLoader from '@grpc/proto-loader';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { snapshotCodec } from '../../collector/src/proto/snapshot-codec';
import { LOADER_OPTIONS } from '../../collector/src/proto/load-proto';
import { criCodecs } from '../../collector/src/runtime/cri-proto';
import type { SnapshotResponse } from '../../proto/generated/whystuck/v1/SnapshotResponse';

const PROTO_DIR = join(__dirname, '..', '..', 'proto');
const stockOptions = { longs: Number, enums: String, defaults: true, oneofs: true };

describe('the runtime section on the wire', () => {
  const root = new protobuf.Root().loadSync(join(PROTO_DIR, 'whystuck/v1/collector.proto'), { keepCase: true });
  const Snapshot = root.lookupType('whystuck.v1.SnapshotResponse');
  const value = {
    duration_ms: 12,
    runtime: {
      endpoint: 'unix:///run/containerd/containerd.sock', endpoint_source: 'found', status: 'ok',
      runtime_name: 'containerd', runtime_version: '1.6.20~ds1', runtime_api_version: 'v1', deadline_ms: 2000, duration_ms: 7,
      sandboxes: [{ id: 'a'.repeat(64), pod_name: 'web-0', pod_namespace: 'shop', pod_uid: '6f1c2a4e-7d39-4a1b-9d3e-0c2b9a1f5e77', attempt: 1, state: 'SANDBOX_READY', created_unix_ms: 1764590000123, pid: 4194000, network_mode: 'NODE', ip: '10.1.2.3' }],
      containers: [
        { id: 'b'.repeat(64), sandbox_id: 'a'.repeat(64), name: 'app', attempt: 2, state: 'CONTAINER_RUNNING', pid: 4194001, created_unix_ms: 1764590000200, started_unix_ms: 1764590000300, image: 'docker.io/library/nginx:1' },
        { id: 'c'.repeat(64), sandbox_id: 'a'.repeat(64), name: 'init', state: 'CONTAINER_EXITED', exit_code: -1, finished_unix_ms: 1764590000400, reason: 'OOMKilled', message: 'ünïcødé', status_error: 'the runtime did not answer ContainerStatus(c…) within 2000 ms' },
      ],
      shims: [{ pid: 812, comm: 'containerd-shim', state: 'D', wchan: 'cgroup_rmdir', start_time_ticks: 2 ** 40 + 3, serves_id: 'a'.repeat(64), child_pids: [4194000, 4194001], stack: [{ function: 'cgroup_rmdir', offset: '+0x1a/0x2c0', module: '', unreliable: false, address: '[<0>]' }] }],
    },
  };

  it('round-trips through the compiled codec exactly as the stock protobufjs path reads it', () => {
    const bytes = snapshotCodec().encode(value as unknown as SnapshotResponse);
    const decoded = snapshotCodec().decode(bytes);
    expect(decoded).toEqual(Snapshot.toObject(Snapshot.decode(bytes), stockOptions));
    const stockBytes = Snapshot.encode(Snapshot.fromObject(value)).finish();
    expect(snapshotCodec().decode(stockBytes)).toEqual(decoded);
    expect(decoded.runtime).toMatchObject({ ...value.runtime, containers: [expect.objectContaining(value.runtime.containers[0]), expect.objectContaining(value.runtime.containers[1])] });
    expect(decoded.runtime?.shims[0].start_time_ticks).toBe(2 ** 40 + 3);
  });

  it('is absent (null) when the collector did not read the runtime, as for an older collector', () => {
    const decoded = snapshotCodec().decode(snapshotCodec().encode({ duration_ms: 1 }));
    expect(decoded.runtime).toBeNull();
  });
});

describe('the vendored CRI contract', () => {
  it('is the upstream file, unmodified, with its license', () => {
    const vendored = join(PROTO_DIR, 'vendor', 'cri-api');
    expect(readFileSync(join(vendored, 'api.proto'), 'utf8')).toMatch(/^package runtime\.v1;$/m);
    expect(readFileSync(join(vendored, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
    const upstream = join(__dirname, '..', '..', '..', 'shared', 'vendor', 'cri-api');
    let files: string[] = [];
    try {
      files = ['api.proto', 'LICENSE', 'README.md'].filter((f) => readFileSync(join(upstream, f)).length > 0);
    } catch { /* shared/ not beside this checkout: the content checks above stand */ }
    for (const f of files) expect(readFileSync(join(vendored, f)).equals(readFileSync(join(upstream, f)))).toBe(true);
  });

  it("the collector's compiled CRI codecs read and write what proto-loader (the kubelet-side stock path) does", () => {
    const def = protoLoader.loadSync('api.proto', { ...LOADER_OPTIONS, includeDirs: [join(PROTO_DIR, 'vendor', 'cri-api')] });
    const service = def['runtime.v1.RuntimeService'] as Record<string, protoLoader.MethodDefinition<unknown, unknown>>;
    const codecs = criCodecs();
    const list = {
      containers: [{
        id: 'b'.repeat(64), pod_sandbox_id: 'a'.repeat(64), metadata: { name: 'app', attempt: 3 }, image: { image: 'docker.io/whystuck/busybox:test' },
        image_ref: 'sha256:00', state: 'CONTAINER_EXITED', created_at: '1764590000123456789', labels: { 'io.kubernetes.pod.uid': 'u' }, annotations: {},
      }],
    };
    const bytes = service.ListContainers.responseSerialize(list);
    expect(codecs.ListContainers.deserialize(bytes)).toEqual(service.ListContainers.responseDeserialize(bytes));
    const status = { status: { id: 'b', state: 'CONTAINER_EXITED', exit_code: 137, reason: 'OOMKilled', finished_at: '1764590000999000000', labels: {}, mounts: [{ container_path: '/x', host_path: '/y', propagation: 'PROPAGATION_HOST_TO_CONTAINER' }] }, info: {} };
    const sb = service.ContainerStatus.responseSerialize(status);
    expect(codecs.ContainerStatus.deserialize(sb)).toEqual(service.ContainerStatus.responseDeserialize(sb));
    for (const req of [{ container_id: 'b', verbose: false }, { container_id: 'b', verbose: true }]) {
      expect(service.ContainerStatus.requestDeserialize(codecs.ContainerStatus.serialize(req))).toEqual(service.ContainerStatus.requestDeserialize(service.ContainerStatus.requestSerialize(req)));
    }
    expect(codecs.ListPodSandbox.path).toBe('/runtime.v1.RuntimeService/ListPodSandbox');
  });
});
