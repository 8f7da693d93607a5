import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { kubeLeaseApi } from '../../../bot/src/kube/lease-api';
import { openSqliteStore } from '../../../bot/src/store/sqlite-store';
import { LeaseConflict, type LeaseApi, type LeaseRecord } from '../../../bot/src/kube/lease-types';
import { createShardLeases, shardOfNode, type HeldShard, type ShardLeases } from '../../../bot/src/watch/shard-leases';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';

const logger = pino({ level: 'silent' });

/** Leases in memory with the API server's optimistic concurrency: a stale resourceVersion is a conflict. */
function memoryLeases(): LeaseApi & { all: Map<string, LeaseRecord>; down: boolean; writes: number } {
  const all = new Map<string, LeaseRecord>();
  let rv = 0;
  const api = {
    all,
    down: false,
    writes: 0,
    async list() {
      if (api.down) throw Object.assign(new Error('503'), { code: 503 });
      return [...all.values()].map((l) => ({ ...l }));
    },
    async create(l: LeaseRecord) {
      if (api.down) throw Object.assign(new Error('503'), { code: 503 });
      if (all.has(l.name)) throw new LeaseConflict(l.name);
      const s = { ...l, resourceVersion: String(++rv) };
      all.set(l.name, s);
      api.writes++;
      return { ...s };
    },
    async replace(l: LeaseRecord) {
      if (api.down) throw Object.assign(new Error('503'), { code: 503 });
      const cur = all.get(l.name);
      if (!cur || cur.resourceVersion !== l.resourceVersion) throw new LeaseConflict(l.name);
      const s = { ...l, resourceVersion: String(++rv) };
      all.set(l.name, s);
      api.writes++;
      return { ...s };
    },
  };
  return api;
}

function replica(api: LeaseApi, identity: string, clock: { t: number }, shards = 8, events: string[] = []): ShardLeases {
  return createShardLeases({
    api,
    identity,
    shards,
    leaseDurationMs: 10_000,
    now: () => clock.t,
    logger,
    onAcquired: async (s: HeldShard) => {
      events.push(`${identity} +${s.shard}@${s.token}`);
      return true;
    },
    onReleased: async (s: HeldShard, why) => {
      events.push(`${identity} -${s.shard} ${why}`);
    },
  });
}

const shardsOf = (r: ShardLeases): number[] =>
  r
    .held()
    .map((h) => h.shard)
    .sort((a, b) => a - b);

describe('watch shard leases', () => {
  it('a lone replica takes every shard and renews them; the holder, duration and transitions are on the leases', async () => {
    const api = memoryLeases();
    const clock = { t: 1_000_000 };
    const a = replica(api, 'bot-a', clock);
    await a.tick();
    expect(shardsOf(a)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const l = api.all.get('whystuck-watch-shard-3')!;
    expect(l).toMatchObject({ holder: 'bot-a', durationSeconds: 10, renewTimeMs: clock.t, acquireTimeMs: clock.t, transitions: 1 });
    expect(api.all.get('whystuck-watch-member-0')).toMatchObject({ holder: 'bot-a' });
    clock.t += 2000;
    await a.tick();
    expect(api.all.get('whystuck-watch-shard-3')).toMatchObject({ holder: 'bot-a', renewTimeMs: clock.t, acquireTimeMs: clock.t - 2000, transitions: 1 });
    expect(a.heldShard(3)?.token).toBe(1);
  });

  it('a second replica gets its fair share: the first gives back the shards beyond ceil(8 / 2) after stopping them', async () => {
    const api = memoryLeases();
    const clock = { t: 1_000_000 };
    const events: string[] = [];
    const a = replica(api, 'bot-a', clock, 8, events);
    const b = replica(api, 'bot-b', clock, 8, events);
    await a.tick();
    await b.tick(); // b is a member now, holds nothing: every lease is live
    expect(shardsOf(b)).toEqual([]);
    clock.t += 2000;
    await a.tick(); // a sees two live replicas: keeps 4
    expect(shardsOf(a)).toEqual([0, 1, 2, 3]);
    expect(events.filter((e) => e.includes('released'))).toEqual(['bot-a -7 released', 'bot-a -6 released', 'bot-a -5 released', 'bot-a -4 released']);
    await b.tick();
    expect(shardsOf(b)).toEqual([4, 5, 6, 7]);
    expect(b.heldShard(4)?.token).toBe(2); // a new holder: the transition count (the fencing token) grew
    // Stable afterwards.
    for (let i = 0; i < 3; i++) {
      clock.t += 2000;
      await a.tick();
      await b.tick();
    }
    expect(shardsOf(a)).toEqual([0, 1, 2, 3]);
    expect(shardsOf(b)).toEqual([4, 5, 6, 7]);
    // Three replicas: at most ceil(8 / 3) = 3 each.
    const c = replica(api, 'bot-c', clock, 8, events);
    for (let i = 0; i < 3; i++) {
      clock.t += 2000;
      await c.tick();
      await a.tick();
      await b.tick();
    }
    expect(a.held().length).toBeLessThanOrEqual(3);
    expect(b.held().length).toBeLessThanOrEqual(3);
    expect(shardsOf(a).length + shardsOf(b).length + shardsOf(c).length).toBe(8);
    expect(new Set([...shardsOf(a), ...shardsOf(b), ...shardsOf(c)]).size).toBe(8);
  });

  it('a replica that dies: its leases expire after the lease duration and the other takes them over', async () => {
    const api = memoryLeases();
    const clock = { t: 1_000_000 };
    const events: string[] = [];
    const a = replica(api, 'bot-a', clock, 4, events);
    const b = replica(api, 'bot-b', clock, 4, events);
    await a.tick();
    await b.tick();
    clock.t += 2000;
    await a.tick();
    await b.tick();
    expect(shardsOf(a)).toEqual([0, 1]);
    expect(shardsOf(b)).toEqual([2, 3]);
    // a crashes (no release): b keeps renewing; a's leases are still live for 10 s.
    await a.stop({ release: false });
    clock.t += 8000;
    await b.tick();
    expect(shardsOf(b)).toEqual([2, 3]);
    clock.t += 2001; // a's renewTime + 10 s has passed
    await b.tick();
    expect(shardsOf(b)).toEqual([0, 1, 2, 3]);
    expect(api.all.get('whystuck-watch-shard-0')).toMatchObject({ holder: 'bot-b', transitions: 2 });
  });

  it('a graceful stop gives the leases back: the other replica takes them at its next round', async () => {
    const api = memoryLeases();
    const clock = { t: 1_000_000 };
    const a = replica(api, 'bot-a', clock, 4);
    const b = replica(api, 'bot-b', clock, 4);
    await a.tick();
    await b.tick();
    clock.t += 2000;
    await a.tick();
    await b.tick();
    await a.stop();
    expect(api.all.get('whystuck-watch-shard-0')?.holder).toBeUndefined();
    clock.t += 100;
    await b.tick();
    expect(shardsOf(b)).toEqual([0, 1, 2, 3]);
  });

  it('409 Conflict: two replicas racing for one free lease, one wins; a lease changed under its holder is lost at once', async () => {
    const api = memoryLeases();
    const clock = { t: 1_000_000 };
    const events: string[] = [];
    const a = replica(api, 'bot-a', clock, 1, events);
    const b = replica(api, 'bot-b', clock, 1, events);
    await Promise.all([a.tick(), b.tick()]);
    expect(shardsOf(a).length + shardsOf(b).length).toBe(1);
    const [winner, loser] = shardsOf(a).length ? [a, b] : [b, a];
    expect(shardsOf(loser)).toEqual([]);
    // Someone else writes the lease (e.g. after a long pause of the holder): the holder's renewal gets 409.
    const l = api.all.get('whystuck-watch-shard-0')!;
    await api.replace({ ...l, holder: 'bot-z', renewTimeMs: clock.t, transitions: l.transitions + 1 });
    clock.t += 2000;
    await winner.tick();
    expect(shardsOf(winner)).toEqual([]);
    expect(events).toContain(`${winner === a ? 'bot-a' : 'bot-b'} -0 lost`);
  });

  it('the API unreachable: shards are kept until the renew deadline, then dropped before they can expire for others', async () => {
    const api = memoryLeases();
    const clock = { t: 1_000_000 };
    const events: string[] = [];
    const a = replica(api, 'bot-a', clock, 2, events);
    await a.tick();
    expect(shardsOf(a)).toEqual([0, 1]);
    api.down = true;
    clock.t += 4000;
    await a.tick();
    expect(shardsOf(a)).toEqual([0, 1]);
    clock.t += 3000; // 7 s since the last renewal: past two thirds of 10 s
    await a.tick();
    expect(shardsOf(a)).toEqual([]);
    expect(events).toEqual(expect.arrayContaining(['bot-a -0 lost', 'bot-a -1 lost']));
    api.down = false;
    clock.t += 2000;
    await a.tick();
    expect(shardsOf(a)).toEqual([0, 1]); // still its own leases: taken again with a new token
    expect(a.heldShard(0)?.token).toBe(2);
  });

  it('a shard refused by onAcquired (its fence is stale) is given back', async () => {
    const api = memoryLeases();
    const clock = { t: 1_000_000 };
    const a = createShardLeases({ api, identity: 'bot-a', shards: 2, now: () => clock.t, logger, onAcquired: async (s) => s.shard !== 1 });
    await a.tick();
    expect(shardsOf(a)).toEqual([0]);
    expect(api.all.get('whystuck-watch-shard-1')?.holder).toBeUndefined();
  });

  it('nodes spread over the shards by a stable hash', () => {
    expect(shardOfNode('node-a', 8)).toBe(shardOfNode('node-a', 8));
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 800; i++) counts[shardOfNode(`ip-10-0-${i >> 8}-${i & 255}.ec2.internal`, 8)]++;
    for (const c of counts) expect(c).toBeGreaterThan(50);
  });
});

describe('Leases through the Kubernetes API (fake API server speaking coordination.k8s.io/v1)', () => {
  let kube: FakeKubeApi;
  beforeAll(async () => {
    kube = await startFakeKubeApi();
  });
  afterAll(async () => {
    await kube?.close();
  });

  it('create, list, replace with the resourceVersion read; a stale one is 409 Conflict; a second create is a conflict too', async () => {
    const api = kubeLeaseApi({ kubeconfig: kube.kubeconfig, namespace: 'whystuck', prefix: 'whystuck-watch' });
    const created = await api.create({ name: 'whystuck-watch-shard-3', holder: 'bot-a', durationSeconds: 10, renewTimeMs: 1_700_000_000_123, acquireTimeMs: 1_700_000_000_000, transitions: 1 });
    expect(created).toMatchObject({ name: 'whystuck-watch-shard-3', holder: 'bot-a', durationSeconds: 10, renewTimeMs: 1_700_000_000_123, transitions: 1 });
    expect(kube.leases('whystuck')[0]).toMatchObject({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', spec: { holderIdentity: 'bot-a', leaseDurationSeconds: 10, leaseTransitions: 1 } });
    expect(kube.leases('whystuck')[0].spec.renewTime).toMatch(/^2023-11-14T22:13:20\.123/);
    await expect(api.create({ name: 'whystuck-watch-shard-3', holder: 'bot-b', transitions: 1 })).rejects.toBeInstanceOf(LeaseConflict);
    const renewed = await api.replace({ ...created, renewTimeMs: 1_700_000_002_000 });
    expect(renewed.resourceVersion).not.toBe(created.resourceVersion);
    await expect(api.replace({ ...created, holder: 'bot-b', transitions: 2 })).rejects.toBeInstanceOf(LeaseConflict);
    expect((await api.list()).map((l) => [l.name, l.holder])).toEqual([['whystuck-watch-shard-3', 'bot-a']]);
    expect(kube.requests).toEqual(
      expect.arrayContaining([
        'POST /apis/coordination.k8s.io/v1/namespaces/whystuck/leases',
        'PUT /apis/coordination.k8s.io/v1/namespaces/whystuck/leases/whystuck-watch-shard-3',
        'GET /apis/coordination.k8s.io/v1/namespaces/whystuck/leases',
      ]),
    );
  });

  it('two replicas on the real API split the shards, and one takes over when the other stops', async () => {
    const api = kubeLeaseApi({ kubeconfig: kube.kubeconfig, namespace: 'ns2', prefix: 'whystuck-watch' });
    const a = createShardLeases({ api, identity: 'bot-a', shards: 8, logger });
    const b = createShardLeases({ api, identity: 'bot-b', shards: 8, logger });
    await a.tick();
    await b.tick();
    await a.tick();
    await b.tick();
    expect(shardsOf(a)).toHaveLength(4);
    expect(shardsOf(b)).toHaveLength(4);
    await a.stop();
    await b.tick();
    expect(shardsOf(b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await b.stop();
  });

  it("a Lease deleted and re-created: the new holder's transition count goes above the stored fence, so it is accepted and watches; the old holders stay refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whystuck-fence-'));
    const store = openSqliteStore(join(dir, 'store.db'));
    try {
      const api = kubeLeaseApi({ kubeconfig: kube.kubeconfig, namespace: 'ns3', prefix: 'whystuck-watch' });
      // Wired as in start-watch-mode: the stored token read before taking, the shard fenced once taken.
      const replicaOn = (identity: string): ShardLeases =>
        createShardLeases({
          api,
          identity,
          shards: 1,
          logger,
          storedToken: async (lease) => (await store.watchFence(lease))?.token,
          onAcquired: (s) => store.fenceWatchShard({ shard: s.lease, token: s.token, holder: identity }),
        });
      const a = replicaOn('bot-a');
      const b = replicaOn('bot-b');
      await a.tick();
      const tokenA = a.heldShard(0)!.token;
      expect(tokenA).toBe(1);
      expect(await store.advanceKmsgCursor('node-x', { journalId: 'j1', seq: 5 }, { shard: 'whystuck-watch-shard-0', token: tokenA })).toBe(true);
      await a.stop();
      await b.tick();
      const tokenB = b.heldShard(0)!.token;
      expect(tokenB).toBe(2);
      expect(await store.watchFence('whystuck-watch-shard-0')).toEqual({ shard: 'whystuck-watch-shard-0', token: 2, holder: 'bot-b' });

      // Someone deletes the Lease; it is re-created from scratch (leaseTransitions 0).
      expect(kube.deleteLease('ns3', 'whystuck-watch-shard-0')).toBe(true);
      await b.tick(); // b's lease is gone: lost; the shard is free, b takes it again
      expect(b.heldShard(0)?.token).toBe(3);
      const lease = kube.leases('ns3').find((l) => l.metadata.name === 'whystuck-watch-shard-0')!;
      expect(lease.spec).toMatchObject({ holderIdentity: 'bot-b', leaseTransitions: 3 });
      expect(await store.watchFence('whystuck-watch-shard-0')).toMatchObject({ token: 3, holder: 'bot-b' });
      // The new holder moves the cursor; the holders before it (tokens 1 and 2) cannot.
      expect(await store.advanceKmsgCursor('node-x', { journalId: 'j1', seq: 6 }, { shard: 'whystuck-watch-shard-0', token: 3 })).toBe(true);
      expect(await store.advanceKmsgCursor('node-x', { journalId: 'j1', seq: 7 }, { shard: 'whystuck-watch-shard-0', token: tokenA })).toBe(false);
      expect(await store.advanceKmsgCursor('node-x', { journalId: 'j1', seq: 7 }, { shard: 'whystuck-watch-shard-0', token: tokenB })).toBe(false);
      expect(await store.kmsgCursor('node-x')).toEqual({ journalId: 'j1', seq: 6 });
      await b.stop();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
