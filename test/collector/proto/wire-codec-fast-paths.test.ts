import { In, Out } from '../../../collector/src/proto/wire-codec';
import { snapshotCodec, taskCodec, taskExtraCodec } from '../../../collector/src/proto/snapshot-codec';

describe('wire codec fast paths', () => {
  it('writes 64-bit decimal strings as BigInt would, short or long', () => {
    const viaBig = (s: string): Buffer => {
      const o = new Out(64);
      o.varint64(BigInt(s));
      return o.buf.subarray(0, o.pos);
    };
    for (const s of ['0', '1', '127', '128', '300', '007', '4026531836', '999999999999999', '1000000000000000', '9007199254740993', '18446744073709551615', '-5']) {
      const o = new Out(64);
      o.long(s);
      expect([s, o.buf.subarray(0, o.pos)]).toEqual([s, viaBig(s)]);
    }
  });

  it('steps over varints when skipping, as when reading them', () => {
    const o = new Out(64);
    for (const v of [0, 1, 300, 2 ** 35, Number.MAX_SAFE_INTEGER]) o.varint(v);
    o.varint64(-1n);
    const skip = new In(o.buf, 0, o.pos);
    const read = new In(o.buf, 0, o.pos);
    for (let k = 0; k < 6; k++) {
      skip.skip(0);
      read.varint64();
      expect(skip.pos).toBe(read.pos);
    }
    expect(() => new In(Buffer.from([0x80, 0x80]), 0, 2).skip(0)).toThrow(/truncated varint/);
  });

  it('decodes short strings to equal values, repeated or not, ASCII or not', () => {
    const c = taskCodec();
    const comms = ['', 'a', 'threads', 'threads', 'containerd-shim', 'a (b) ü', 'x'.repeat(31), 'x'.repeat(32), '\u00ff\u0001', 'threads'];
    const decoded = comms.map((comm) => c.decode(c.encode({ pid: 1, comm })).comm);
    expect(decoded).toEqual(comms);
  });

  it("encodes empty maps as nothing and the extras codec as the scanner's", () => {
    const task = { pid: 7, tid: 8, comm: 'x', cgroups: {}, pod_uid: 'u', stack: [{ function: 'a', offset: '+0x1/0x2' }] };
    expect(taskCodec().encode(task)).toEqual(taskCodec().encode({ ...task, cgroups: undefined }));
    expect(taskExtraCodec().encode(task)).toEqual(taskCodec().encode(task));
    const withMap = { ...task, cgroups: { memory: '/a', cpu: '/' } };
    expect(taskCodec().decode(taskCodec().encode(withMap)).cgroups).toEqual(withMap.cgroups);
  });

  it('round-trips a response with kernel records given as decimal strings', () => {
    const s = snapshotCodec();
    const kmsg = [{ seq: '123456', level: 4, facility: 0, monotonic_us: '5678901', wall_time_unix_ms: '1700000005679', text: 't', continuation: [], caller: 'T1' }];
    expect(s.decode(s.encode({ kmsg })).kmsg).toEqual([{ ...kmsg[0], seq: 123456, monotonic_us: 5678901, wall_time_unix_ms: 1700000005679 }]);
  });
});
