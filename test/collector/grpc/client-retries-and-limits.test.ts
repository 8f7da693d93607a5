import * as grpc from '@grpc/grpc-js';
import type { NodeCollectorHandlers } from '../../../proto/generated/whystuck/v1/NodeCollector';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import { loadCollectorProto } from '../../../collector/src/proto/load-proto';
import { snapshotCodec } from '../../../collector/src/proto/snapshot-codec';
import { createCollectorClient, MAX_RECEIVE_BYTES, type CollectorClient } from '../../../collector/src/grpc/client';

/**
 * The collector client against a scripted NodeCollector server on 127.0.0.1
 * (plaintext; the real service definition and codec): grpc-js's own retries
 * of Snapshot and Health inside one deadline, Remediate never retried, and the
 * receive limit.
 */
interface Script {
  /** Answer the first N calls of the method UNAVAILABLE, the rest as usual. */
  failFirst: number;
  /** Wait this long before each answer. */
  delayMs: number;
  /** What a successful Snapshot sends (encoded bytes pass through the service's serializer). */
  snapshot: Buffer | (() => Buffer);
  /** Instead of everything else: answer Snapshot with this error. */
  snapshotError?: grpc.StatusObject;
}

interface Seen {
  calls: number;
  /** grpc-js's grpc-previous-rpc-attempts header of each call ('' on a first attempt). */
  previous: string[];
  at: number[];
}

describe('collector client: grpc-js retries inside one deadline, receive limit (scripted server on 127.0.0.1)', () => {
  let server: grpc.Server;
  let address: string;
  const script: Record<'Snapshot' | 'Health' | 'Remediate', Script> = {} as never;
  const seen: Record<'Snapshot' | 'Health' | 'Remediate', Seen> = {} as never;
  const clients: CollectorClient[] = [];
  const SMALL = snapshotCodec().encode({ tasks: [], kmsg: [], collector_version: 'scripted' });

  const reset = (): void => {
    for (const m of ['Snapshot', 'Health', 'Remediate'] as const) {
      script[m] = { failFirst: 0, delayMs: 0, snapshot: SMALL };
      seen[m] = { calls: 0, previous: [], at: [] };
    }
  };
  reset();

  /** Counts the call, then answers after the script's delay: UNAVAILABLE while failFirst lasts, else `ok()`. */
  const answer = <T>(m: 'Snapshot' | 'Health' | 'Remediate', call: grpc.ServerUnaryCall<unknown, T>, cb: grpc.sendUnaryData<T>, ok: () => T): void => {
    const s = seen[m];
    s.calls++;
    s.at.push(Date.now());
    s.previous.push(String(call.metadata.get('grpc-previous-rpc-attempts')[0] ?? ''));
    const n = s.calls;
    setTimeout(() => {
      if (n <= script[m].failFirst) cb({ code: grpc.status.UNAVAILABLE, details: `scripted: attempt ${n} unavailable` });
      else cb(null, ok());
    }, script[m].delayMs);
  };

  beforeAll(async () => {
    server = new grpc.Server();
    const handlers: NodeCollectorHandlers = {
      Snapshot(call, cb) {
        const e = script.Snapshot.snapshotError;
        if (e) {
          seen.Snapshot.calls++;
          cb(e);
          return;
        }
        const body = script.Snapshot.snapshot;
        answer('Snapshot', call, cb, () => (typeof body === 'function' ? body() : body) as unknown as SnapshotResponse);
      },
      Health(call, cb) {
        answer('Health', call, cb, () => ({ status: 'SERVING', version: 'scripted' }));
      },
      Remediate(call, cb) {
        answer('Remediate', call, cb, () => ({ status: 'SIGNALLED' as const, message: 'scripted' }));
      },
      Watch(call) {
        call.end();
      },
    };
    server.addService(loadCollectorProto().whystuck.v1.NodeCollector.service, handlers);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    address = `127.0.0.1:${port}`;
  });
  afterEach(reset);
  afterAll(async () => {
    for (const c of clients) c.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  const client = (o: { retries?: number; deadlineMs?: number; maxReceiveBytes?: number } = {}): CollectorClient => {
    const c = createCollectorClient({ address, deadlineMs: 5000, ...o });
    clients.push(c);
    return c;
  };

  it("retries a Snapshot answered UNAVAILABLE with grpc-js's own retries: one call, its attempts numbered by grpc-js", async () => {
    script.Snapshot.failFirst = 2;
    const r = await client({ retries: 2 }).snapshot({ whole_node: true });
    expect(r).toMatchObject({ status: 'ok', value: { collector_version: 'scripted' } });
    expect(seen.Snapshot.calls).toBe(3);
    // The header grpc-js adds to the attempts of one retried call (a hand-made retry would be a new call without it).
    expect(seen.Snapshot.previous).toEqual(['', '1', '2']);
    // A small backoff between attempts (0.1 s, then 0.2 s, ±20 %).
    const gaps = seen.Snapshot.at.slice(1).map((t, i) => t - seen.Snapshot.at[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(70);
    expect(gaps[1]).toBeGreaterThanOrEqual(150);
  });

  it('retries Health the same way', async () => {
    script.Health.failFirst = 1;
    const r = await client({ retries: 1 }).health();
    expect(r).toMatchObject({ status: 'ok', value: { status: 'SERVING' } });
    expect(seen.Health.previous).toEqual(['', '1']);
  });

  it("gives up after `retries` retries, answering unreachable with the collector's words", async () => {
    script.Snapshot.failFirst = 100;
    const r = await client({ retries: 2 }).snapshot({ whole_node: true });
    expect(r).toMatchObject({ status: 'unreachable', address, message: 'scripted: attempt 3 unavailable' });
    expect(seen.Snapshot.calls).toBe(3);
  });

  it('retries: 0 tries once', async () => {
    script.Snapshot.failFirst = 100;
    const r = await client({ retries: 0 }).snapshot({ whole_node: true });
    expect(r).toMatchObject({ status: 'unreachable' });
    expect(seen.Snapshot.calls).toBe(1);
  });

  it("runs every attempt inside the call's one deadline: slow UNAVAILABLE answers end at the deadline, not after each attempt's own", async () => {
    // Each attempt takes 400 ms to fail; five attempts with deadlines of their own would take over 2 s.
    script.Snapshot.failFirst = 100;
    script.Snapshot.delayMs = 400;
    const t0 = Date.now();
    const r = await client({ retries: 4, deadlineMs: 1000 }).snapshot({ whole_node: true });
    const took = Date.now() - t0;
    expect(r).toMatchObject({ status: 'unreachable' });
    if (r.status === 'unreachable') expect(r.message).toMatch(/deadline/i);
    expect(took).toBeLessThan(1500);
    expect(took).toBeGreaterThanOrEqual(950);
    // Two attempts fit (400 ms + ~100 ms backoff + 400 ms), a third starts at most.
    expect(seen.Snapshot.calls).toBeGreaterThanOrEqual(2);
    expect(seen.Snapshot.calls).toBeLessThanOrEqual(3);
  });

  it('a retried Snapshot that succeeds inside the deadline arrives within it', async () => {
    script.Snapshot.failFirst = 2;
    script.Snapshot.delayMs = 200;
    const t0 = Date.now();
    const r = await client({ retries: 3, deadlineMs: 2000 }).snapshot({ whole_node: true });
    expect(r.status).toBe('ok');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(seen.Snapshot.previous).toEqual(['', '1', '2']);
  });

  it('never retries Remediate: answered UNAVAILABLE, it was attempted exactly once', async () => {
    script.Remediate.failFirst = 100;
    const r = await client({ retries: 4 }).remediate({ node: 'n', pid: 1, signal: 'SIGTERM', requester: 'test' });
    expect(r).toMatchObject({ status: 'unreachable', message: 'scripted: attempt 1 unavailable' });
    // Give a (wrong) retry time to arrive.
    await new Promise((res) => setTimeout(res, 500));
    expect(seen.Remediate.calls).toBe(1);
    expect(seen.Remediate.previous).toEqual(['']);
  });

  it('a Remediate that fails once is not repeated by the next one either (each call: one attempt)', async () => {
    script.Remediate.failFirst = 1;
    const c = client({ retries: 2 });
    expect((await c.remediate({ node: 'n', pid: 1, signal: 'SIGTERM', requester: 'test' })).status).toBe('unreachable');
    expect((await c.remediate({ node: 'n', pid: 1, signal: 'SIGTERM', requester: 'test' })).status).toBe('ok');
    expect(seen.Remediate.previous).toEqual(['', '']);
  });

  it('accepts answers up to 32 MiB by default', async () => {
    expect(MAX_RECEIVE_BYTES).toBe(32 * 1024 * 1024);
    // A valid answer just under the limit: one kernel-log record of ~31.9 MiB of text.
    const big = snapshotCodec().encode({ tasks: [], kmsg: [{ seq: '1', text: 'x'.repeat(MAX_RECEIVE_BYTES - 100_000) }], collector_version: 'big' });
    expect(big.length).toBeLessThanOrEqual(MAX_RECEIVE_BYTES);
    script.Snapshot.snapshot = big;
    const r = await client({ retries: 0, deadlineMs: 20000 }).snapshot({ whole_node: true });
    expect(r.status).toBe('ok');
    if (r.status === 'ok') expect(r.value.kmsg[0].text.length).toBe(MAX_RECEIVE_BYTES - 100_000);
  });

  it('refuses an answer over 32 MiB with RESOURCE_EXHAUSTED and words naming the size and the limit; not retried', async () => {
    script.Snapshot.snapshot = () => Buffer.alloc(MAX_RECEIVE_BYTES + 1);
    const r = await client({ retries: 2, deadlineMs: 20000 }).snapshot({ whole_node: true });
    expect(r).toMatchObject({ status: 'rejected', code: grpc.status.RESOURCE_EXHAUSTED });
    if (r.status !== 'rejected') return;
    expect(r.message).toContain(`the collector's answer is ${MAX_RECEIVE_BYTES + 1} bytes (32.0 MB), larger than this client's receive limit of ${MAX_RECEIVE_BYTES} bytes (32.0 MB`);
    expect(r.message).toMatch(/problems_only/);
    expect(seen.Snapshot.calls).toBe(1);
  });

  it('names a smaller configured limit the same way', async () => {
    script.Snapshot.snapshot = Buffer.alloc(4096);
    const r = await client({ retries: 0, maxReceiveBytes: 1024 }).snapshot({ whole_node: true });
    expect(r).toMatchObject({ status: 'rejected', code: grpc.status.RESOURCE_EXHAUSTED });
    if (r.status === 'rejected') expect(r.message).toMatch(/answer is 4096 bytes .* receive limit of 1024 bytes/);
  });

  it("passes the collector's own RESOURCE_EXHAUSTED (its queue is full) through unchanged", async () => {
    script.Snapshot.snapshotError = {
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: 'collector busy: 16 snapshots are already queued (limit 16) behind 2 running; retry in a moment',
      metadata: new grpc.Metadata(),
    };
    const r = await client({ retries: 2 }).snapshot({ whole_node: true });
    expect(r).toEqual({ status: 'rejected', code: grpc.status.RESOURCE_EXHAUSTED, message: 'collector busy: 16 snapshots are already queued (limit 16) behind 2 running; retry in a moment' });
    expect(seen.Snapshot.calls).toBe(1);
  });
});
