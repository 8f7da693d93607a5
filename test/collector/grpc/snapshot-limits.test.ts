import * as grpc from '@grpc/grpc-js';
import type { NodeCollectorClient } from '../../../proto/generated/whystuck/v1/NodeCollector';
import type { SnapshotRequest } from '../../../proto/generated/whystuck/v1/SnapshotRequest';
import { loadCollectorProto } from '../../../collector/src/proto/load-proto';
import { clientCredentials } from '../../../collector/src/grpc/tls';
import { DEFAULT_LIMITS } from '../../../collector/src/grpc/server';
import type { CollectorClient } from '../../../collector/src/grpc/client';
import { startHarness, type Harness } from '../../helpers/collector-harness';

/**
 * The collector's admission limits on this machine's real /proc, over
 * loopback mutual TLS: abandoned calls, coalesced snapshots, the Watch cap.
 * Work is counted (scans started, callers dropped), never timed.
 */
describe('collector limits: abandoned calls, coalescing, Watch cap (real /proc)', () => {
  let h: Harness;
  let raw: NodeCollectorClient;
  let client: CollectorClient;
  beforeAll(async () => {
    h = await startHarness({ watch: { observeMs: 0 } });
    const proto = loadCollectorProto();
    raw = new proto.whystuck.v1.NodeCollector(h.address, clientCredentials(h.clientTls('whystuck-bot')), { 'grpc.max_receive_message_length': 256 * 1024 * 1024 }) as NodeCollectorClient;
    client = h.client('whystuck-bot', { deadlineMs: 30000 });
  });
  afterAll(async () => {
    raw?.close();
    await h?.close(); // closes its clients
  });

  /** Resolves once `cond` holds (checked every 20 ms), failing after `ms`. */
  const until = async (cond: () => boolean, ms = 20000): Promise<void> => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('condition not reached');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const idle = (): boolean => {
    const s = h.server.stats();
    return s.running === 0 && s.queuedJobs === 0;
  };

  it('200 calls abandoned by their clients start at most the snapshots already running; the next snapshot is answered', async () => {
    // Warm: reader thread loaded, connection up.
    expect((await client.snapshot({ whole_node: true, skip_kmsg: true })).status).toBe('ok');
    await until(idle);
    const scans0 = h.snapshotter.stats().scans;
    const gate0 = h.server.stats();

    // Four request shapes, as a bot asks them: node, node problems-only, a pod, a pid.
    const shapes: SnapshotRequest[] = [{ whole_node: true }, { whole_node: true, problems_only: true }, { pod_uid: '6f1c2a4e-7d39-4a1b-9d3e-0c2b9a1f5e77' }, { pids: { pids: [process.pid] } }];
    const codes: number[] = [];
    const ended: Array<Promise<void>> = [];
    const calls: grpc.ClientUnaryCall[] = [];
    for (let i = 0; i < 200; i++) {
      ended.push(
        new Promise((resolve) => {
          calls.push(
            raw.Snapshot(shapes[i % shapes.length], { deadline: Date.now() + 60000 }, (err) => {
              codes.push(err ? err.code : grpc.status.OK);
              resolve();
            }),
          );
        }),
      );
    }
    // Abandoned: every client gives up once all 200 are sent.
    await new Promise((r) => setImmediate(r));
    for (const c of calls) c.cancel();
    await Promise.all(ended);
    expect(codes.every((c) => c === grpc.status.CANCELLED)).toBe(true);
    await until(idle);

    const gate = h.server.stats();
    const scans = h.snapshotter.stats().scans - scans0;
    const started = gate.started - gate0.started;
    // Only snapshots that were already running when the cancellations arrived (at most the
    // running limit); every caller that was waiting was dropped before its work started.
    expect(started).toBeLessThanOrEqual(DEFAULT_LIMITS.maxRunningSnapshots);
    expect(scans).toBeLessThanOrEqual(DEFAULT_LIMITS.maxRunningSnapshots);
    expect(gate.refused - gate0.refused).toBe(0);

    // A real question afterwards is answered by one snapshot of its own.
    const after = await client.snapshot({ whole_node: true });
    if (after.status !== 'ok') throw new Error(`snapshot after the abandoned calls failed: ${JSON.stringify(after)}`);
    expect(after.value.tasks.some((t) => t.tid === process.pid)).toBe(true);
    expect(h.snapshotter.stats().scans - scans0).toBe(scans + 1);
  });

  it('concurrent whole-node snapshots share scans, and none is older than its question', async () => {
    await until(idle);
    const scans0 = h.snapshotter.stats().scans;
    const asked: number[] = [];
    const answers = await Promise.all(
      Array.from({ length: 20 }, async () => {
        asked.push(Date.now());
        const at = asked[asked.length - 1];
        const r = await client.snapshot({ whole_node: true, skip_kmsg: true });
        if (r.status !== 'ok') throw new Error(JSON.stringify(r));
        return { at, takenAt: Number(r.value.taken_at_unix_ms), tasks: r.value.tasks.length };
      }),
    );
    const scans = h.snapshotter.stats().scans - scans0;
    // The first caller's snapshot, then one for everyone who asked while it ran (and so on, as
    // calls trickle in): far fewer scans than questions. (Exact counts: test/collector/kernel/held-reads.)
    expect(scans).toBeLessThanOrEqual(5);
    expect(new Set(answers.map((a) => a.takenAt)).size).toBe(scans);
    for (const a of answers) {
      expect(a.takenAt).toBeGreaterThanOrEqual(a.at);
      expect(a.tasks).toBeGreaterThan(10);
    }
    // The same counts on /metrics.
    const text = await h.metrics!.registry.getSingleMetricAsString('whystuck_collector_snapshot_gate');
    const value = (what: string): number => Number(new RegExp(`what="${what}"} (\\d+)`).exec(text)?.[1]);
    expect(value('started')).toBe(h.server.stats().started);
    expect(value('coalesced')).toBe(h.server.stats().coalesced);
    expect(value('coalesced')).toBeGreaterThan(0);
  });

  it('refuses Watch streams past the cap with RESOURCE_EXHAUSTED and a reason', async () => {
    const streams = Array.from({ length: DEFAULT_LIMITS.maxWatchStreams }, () => client.watch({}));
    // Read each until it is closed (closing ends it with CANCELLED).
    const drained = streams.map(async (s) => {
      try {
        for await (const ev of s.events) void ev;
      } catch {
        /* closed */
      }
    });
    try {
      await until(() => h.server.stats().watchStreams === DEFAULT_LIMITS.maxWatchStreams);
      const extra = client.watch({});
      let err: grpc.ServiceError | undefined;
      try {
        for await (const ev of extra.events) void ev;
      } catch (e) {
        err = e as grpc.ServiceError;
      }
      expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(err?.details).toMatch(new RegExp(`${DEFAULT_LIMITS.maxWatchStreams} Watch streams are open \\(limit ${DEFAULT_LIMITS.maxWatchStreams}\\)`));
    } finally {
      for (const s of streams) s.close();
      await Promise.all(drained);
    }
    await until(() => h.server.stats().watchStreams === 0);
  });
});
