import * as protobuf from 'protobufjs';
import * as protoLoader from '@grpc/proto-loader';
import { join } from 'node:path';
import { createSnapshotter } from '../../collector/src/snapshot/snapshotter';
import { snapshotCodec } from '../../collector/src/proto/snapshot-codec';
import { compileCodec } from '../../collector/src/proto/wire-codec';
import { LOADER_OPTIONS } from '../../collector/src/proto/load-proto';
import type { SnapshotResponse } from '../../proto/generated/whystuck/v1/SnapshotResponse';

const PROTO_DIR = join(__dirname, '..', '..', 'proto');
const root = new protobuf.Root().loadSync(join(PROTO_DIR, 'whystuck/v1/collector.proto'), { keepCase: true });
const SnapshotResponseType = root.lookupType('whystuck.v1.SnapshotResponse');
const stockOptions = { longs: Number, enums: String, defaults: true, oneofs: true };

/** What proto-loader (the stock path) makes of bytes: the reference for the decoder. */
function stockDecode(bytes: Uint8Array, type = SnapshotResponseType): unknown {
  return type.toObject(type.decode(bytes), stockOptions);
}

function stockEncode(value: unknown, type = SnapshotResponseType): Uint8Array {
  return type.encode(type.fromObject(value as Record<string, unknown>)).finish();
}

describe('wire codec (compiled from the proto)', () => {
  let real: SnapshotResponse;

  beforeAll(async () => {
    const s = createSnapshotter();
    try {
      real = await s.snapshot({ scope: 'whole_node', whole_node: true });
    } finally {
      await s.close();
    }
  });

  it('encodes a real snapshot of this machine into bytes the stock decoder reads back identically', () => {
    const bytes = snapshotCodec().encode(real);
    const ours = stockDecode(bytes);
    const stock = stockDecode(stockEncode(real));
    expect(ours).toEqual(stock);
    expect((ours as { tasks: unknown[] }).tasks.length).toBe(real.tasks?.length);
  });

  it('decodes stock-encoded bytes exactly as proto-loader does (defaults, longs as numbers, enums as names)', () => {
    const bytes = stockEncode(real);
    expect(snapshotCodec().decode(bytes)).toEqual(stockDecode(bytes));
    // and the declared options really are the ones the stock path was checked with
    expect(LOADER_OPTIONS).toMatchObject({ keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  });

  it('is smaller than the stock encoding of the same snapshot: proto3 defaults stay off the wire', () => {
    const ours = snapshotCodec().encode(real).length;
    const stock = protobuf.Writer.create();
    // protobufjs writes every present key, defaults included
    SnapshotResponseType.encode(real as unknown as protobuf.Message, stock);
    expect(ours).toBeLessThan(stock.finish().length);
  });

  it('round-trips edge values: negatives, 64-bit strings, huge uint64, unicode, maps, unknown enum numbers', () => {
    const value = {
      taken_at_unix_ms: '1764590000123',
      kmsg_next_seq: '18446744073709551615',
      kmsg_lost: 0,
      duration_ms: 7,
      tasks: [
        {
          pid: 4194304,
          tid: 1,
          tgid: 1,
          ppid: 0,
          comm: 'ünïcødé ✓ (x) y',
          state: 'D',
          flags: 0x40000040,
          start_time_ticks: 2 ** 40 + 3,
          ns_pid: [12345, 1],
          ns_tgid: [],
          nice: -20,
          rt_priority: 99,
          cgroups: { 'cpu,cpuacct': '/kubepods/pod1', memory: '/x' },
          detail: 'DETAIL_FULL',
          stack: [{ function: 'request_wait_answer', offset: '+0x1a/0x2c0', module: '[fuse]', unreliable: true }],
          cmdline: 'x'.repeat(5000),
        },
      ],
      kmsg: [{ seq: 1, level: 3, text: 'a'.repeat(200000), continuation: ['SUBSYSTEM=block', ''] }],
    };
    const bytes = snapshotCodec().encode(value as unknown as SnapshotResponse);
    const decoded = snapshotCodec().decode(bytes);
    expect(decoded).toEqual(stockDecode(bytes));
    expect(decoded).toEqual(stockDecode(stockEncode(value)));
    const t = decoded.tasks[0];
    expect([t.nice, t.start_time_ticks, t.comm, t.cgroups, t.detail]).toEqual([-20, 2 ** 40 + 3, 'ünïcødé ✓ (x) y', value.tasks[0].cgroups, 'DETAIL_FULL']);
    expect(decoded.kmsg_next_seq).toBe(Number(18446744073709551615n));
    expect(decoded.kmsg[0].text.length).toBe(200000);

    const unknownEnum = SnapshotResponseType.encode(SnapshotResponseType.fromObject({ tasks: [{ pid: 1, detail: 7 }] })).finish();
    expect(snapshotCodec().decode(unknownEnum).tasks[0].detail).toBe(stockDecode(unknownEnum) && (stockDecode(unknownEnum) as { tasks: Array<{ detail: unknown }> }).tasks[0].detail);
  });

  it('handles a oneof and a request message the same way as proto-loader', () => {
    const def = protoLoader.loadSync('whystuck/v1/collector.proto', { ...LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
    const reqType = root.lookupType('whystuck.v1.SnapshotRequest');
    const codec = compileCodec(reqType);
    // proto-loader's own (stock) serializers for the request
    const method = (def['whystuck.v1.NodeCollector'] as Record<string, protoLoader.MethodDefinition<unknown, unknown>>).Snapshot;
    for (const req of [{ whole_node: false }, { pod_uid: 'abc' }, { pids: { pids: [1, -2, 3] }, kmsg_since_seq: '12' }, {}]) {
      expect(codec.decode(codec.encode(req))).toEqual(method.requestDeserialize(method.requestSerialize(req)));
      expect(codec.decode(method.requestSerialize(req))).toEqual(method.requestDeserialize(codec.encode(req)));
    }
    expect((codec.decode(codec.encode({ whole_node: false })) as { scope?: string }).scope).toBe('whole_node');
  });

  it('rejects truncated input with a clear error instead of inventing fields', () => {
    // Tasks are the response's last fields: one byte short, the last task's length points past the end.
    // (A cut at a field boundary is valid protobuf, just with fewer fields.)
    const bytes = snapshotCodec().encode(real);
    expect(() => snapshotCodec().decode(bytes.subarray(0, bytes.length - 1))).toThrow(/wire-codec: truncated/);
  });
});
