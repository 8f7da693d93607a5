import * as protobuf from 'protobufjs';
import * as protoLoader from '@grpc/proto-loader';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { snapshotCodec } from '../../collector/src/proto/snapshot-codec';
import { compileCodec } from '../../collector/src/proto/wire-codec';
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
      endpoint: 'unix:///run/containerd/containerd.sock',
      endpoint_source: 'found',
      status: 'ok',
      runtime_name: 'containerd',
      runtime_version: '1.6.20~ds1',
      runtime_api_version: 'v1',
      deadline_ms: 2000,
      duration_ms: 7,
      sandboxes: [
        {
          id: 'a'.repeat(64),
          pod_name: 'web-0',
          pod_namespace: 'shop',
          pod_uid: '6f1c2a4e-7d39-4a1b-9d3e-0c2b9a1f5e77',
          attempt: 1,
          state: 'SANDBOX_READY',
          created_unix_ms: 1764590000123,
          pid: 4194000,
          network_mode: 'NODE',
          ip: '10.1.2.3',
        },
      ],
      containers: [
        {
          id: 'b'.repeat(64),
          sandbox_id: 'a'.repeat(64),
          name: 'app',
          attempt: 2,
          state: 'CONTAINER_RUNNING',
          pid: 4194001,
          created_unix_ms: 1764590000200,
          started_unix_ms: 1764590000300,
          image: 'docker.io/library/nginx:1',
        },
        {
          id: 'c'.repeat(64),
          sandbox_id: 'a'.repeat(64),
          name: 'init',
          state: 'CONTAINER_EXITED',
          exit_code: -1,
          finished_unix_ms: 1764590000400,
          reason: 'OOMKilled',
          message: 'ünïcødé',
          status_error: 'the runtime did not answer ContainerStatus(c…) within 2000 ms',
        },
      ],
      shims: [
        {
          pid: 812,
          comm: 'containerd-shim',
          state: 'D',
          wchan: 'cgroup_rmdir',
          start_time_ticks: 2 ** 40 + 3,
          serves_id: 'a'.repeat(64),
          child_pids: [4194000, 4194001],
          stack: [{ function: 'cgroup_rmdir', offset: '+0x1a/0x2c0', module: '', unreliable: false, address: '[<0>]' }],
        },
      ],
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

  it('an older reader skips it: an unknown length-delimited field is stepped over, not taken for a truncation', () => {
    const older = new protobuf.Root().loadSync(join(PROTO_DIR, 'whystuck/v1/collector.proto'), { keepCase: true });
    older.lookupType('whystuck.v1.SnapshotResponse').remove(older.lookupType('whystuck.v1.SnapshotResponse').fields.runtime);
    const olderCodec = compileCodec<unknown, { duration_ms: number; collector_version: string }>(older.lookupType('whystuck.v1.SnapshotResponse'));
    const bytes = snapshotCodec().encode({ ...value, collector_version: 'after' } as unknown as SnapshotResponse);
    expect(olderCodec.decode(bytes)).toMatchObject({ duration_ms: 12, collector_version: 'after' });
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
    } catch {
      /* shared/ not beside this checkout: the content checks above stand */
    }
    for (const f of files) expect(readFileSync(join(vendored, f)).equals(readFileSync(join(upstream, f)))).toBe(true);
  });

  it("the collector's CRI codecs read what proto-loader reads, for the fields they keep, and skip the rest", () => {
    const def = protoLoader.loadSync('api.proto', { ...LOADER_OPTIONS, includeDirs: [join(PROTO_DIR, 'vendor', 'cri-api')] });
    const service = def['runtime.v1.RuntimeService'] as Record<string, protoLoader.MethodDefinition<unknown, unknown>>;
    const codecs = criCodecs();
    /** Every key of `ours` (recursively) has proto-loader's value. */
    const agrees = (ours: unknown, stock: unknown, at = ''): void => {
      if (ours && typeof ours === 'object' && !Array.isArray(ours) && Object.keys(ours).length > 0) {
        for (const [k, v] of Object.entries(ours)) agrees(v, (stock as Record<string, unknown>)[k], `${at}.${k}`);
      } else if (Array.isArray(ours)) {
        expect([at, ours.length]).toEqual([at, (stock as unknown[]).length]);
        ours.forEach((v, i) => agrees(v, (stock as unknown[])[i], `${at}[${i}]`));
      } else {
        expect([at, ours]).toEqual([at, stock]);
      }
    };
    const list = {
      containers: [
        {
          id: 'b'.repeat(64),
          pod_sandbox_id: 'a'.repeat(64),
          metadata: { name: 'app', attempt: 3 },
          image: { image: 'docker.io/whystuck/busybox:test', annotations: { a: 'b' } },
          image_ref: 'sha256:00',
          state: 'CONTAINER_EXITED',
          created_at: '1764590000123456789',
          labels: { 'io.kubernetes.pod.uid': 'u' },
          annotations: { big: 'x'.repeat(1000) },
        },
      ],
    };
    const bytes = service.ListContainers.responseSerialize(list);
    const ours = codecs.ListContainers.deserialize(bytes);
    agrees(ours, service.ListContainers.responseDeserialize(bytes));
    expect(ours.containers[0]).toEqual({
      id: 'b'.repeat(64),
      pod_sandbox_id: 'a'.repeat(64),
      metadata: { name: 'app', attempt: 3 },
      image: { image: 'docker.io/whystuck/busybox:test' },
      image_ref: 'sha256:00',
      state: 'CONTAINER_EXITED',
      created_at: 1764590000123456789,
      labels: { 'io.kubernetes.pod.uid': 'u' },
    });

    const status = {
      status: {
        id: 'b',
        state: 'CONTAINER_EXITED',
        exit_code: 137,
        reason: 'OOMKilled',
        message: 'm',
        started_at: '1764590000000000000',
        finished_at: '1764590000999000000',
        labels: { l: 'v' },
        mounts: [{ container_path: '/x', host_path: '/y', propagation: 'PROPAGATION_HOST_TO_CONTAINER' }],
      },
      info: { pid: '12' },
    };
    const sb = service.ContainerStatus.responseSerialize(status);
    const st = codecs.ContainerStatus.deserialize(sb);
    agrees(st, service.ContainerStatus.responseDeserialize(sb));
    expect(st.status).toMatchObject({ exit_code: 137, reason: 'OOMKilled', finished_at: 1764590000999000000 });
    expect(Object.keys(st.status ?? {})).not.toContain('mounts');
    expect(Object.keys(st)).toEqual(['status']);

    const sandbox = {
      status: {
        id: 's',
        state: 'SANDBOX_NOTREADY',
        network: { ip: '10.0.0.9' },
        linux: { namespaces: { options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
        metadata: { name: 'web-0', uid: 'u', namespace: 'shop', attempt: 1 },
      },
    };
    const pb = service.PodSandboxStatus.responseSerialize(sandbox);
    agrees(codecs.PodSandboxStatus.deserialize(pb), service.PodSandboxStatus.responseDeserialize(pb));
    expect(codecs.PodSandboxStatus.deserialize(pb).status?.linux?.namespaces?.options?.network).toBe('NODE');

    for (const [m, req] of [
      ['ContainerStatus', { container_id: 'b', verbose: false }],
      ['PodSandboxStatus', { pod_sandbox_id: 's', verbose: true }],
      ['Version', { version: 'v1' }],
      ['ListContainers', { filter: { pod_sandbox_id: 's', label_selector: { a: 'b' } } }],
    ] as const) {
      const codec = codecs[m] as { serialize(v: unknown): Buffer };
      expect(service[m].requestDeserialize(codec.serialize(req))).toEqual(service[m].requestDeserialize(service[m].requestSerialize(req)));
    }
    expect(codecs.ListPodSandbox.path).toBe('/runtime.v1.RuntimeService/ListPodSandbox');
  });
});
