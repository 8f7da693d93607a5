import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { LeaseConflict, type LeaseApi, type LeaseRecord } from '../kube/lease-types';

/**
 * Watch work split across replicas with Kubernetes Leases: nodes fall into
 * `shards` shards (hash of the node name), one Lease per shard. A replica
 * holds at most its fair share, ceil(shards / live replicas), renews what it
 * holds every few seconds, takes over leases that expired (renewTime +
 * duration in the past) and releases what exceeds its share when replicas
 * join. Every replica also holds one "member" lease from a fixed pool, so a
 * replica that holds no shard yet is still counted as live.
 *
 * Writes use optimistic concurrency: an update carries the resourceVersion
 * read, and a 409 Conflict means another replica changed the lease first (it
 * won). The lease's transition count is the fencing token: it grows on every
 * change of holder, so a replica that lost a shard cannot write after the new
 * holder (see Store.fenceWatchShard). It is also kept above the token stored
 * for the shard (storedToken), so a Lease deleted and re-created, its count
 * back at 0, does not lock every replica out of the shard.
 */

/** A held shard: its lease name and its fencing token (the lease's transition count when it was taken). */
export interface HeldShard {
  shard: number;
  lease: string;
  token: number;
}

export interface ShardLeasesOptions {
  api: LeaseApi;
  /** This replica: the pod name, or hostname-pid. */
  identity: string;
  shards: number;
  /** Lease names: PREFIX-shard-N and PREFIX-member-N (default whystuck-watch). */
  prefix?: string;
  leaseDurationMs?: number;
  /** How often leases are renewed and looked at (default a fifth of the duration). */
  renewEveryMs?: number;
  now?: () => number;
  logger: Logger;
  /**
   * The newest fencing token recorded for a shard's lease (Store.watchFence),
   * read before the lease is taken: the new transition count is above both
   * the lease's and this, so a Lease deleted and re-created (its count back
   * at 0) still gets a token the store accepts. Throwing: the shard is not
   * taken this round.
   */
  storedToken?(lease: string): Promise<number | undefined>;
  /** A shard was taken: resolve when this replica may act on it (e.g. its fence is stored). False: give it back. */
  onAcquired?(s: HeldShard): Promise<boolean>;
  /** A shard is about to be released (awaited before the lease is given up), or was lost (already someone else's). */
  onReleased?(s: HeldShard, why: 'released' | 'lost'): Promise<void>;
}

export interface ShardLeases {
  /** The shard a node belongs to. */
  shardOf(node: string): number;
  /** The shards this replica holds now. */
  held(): HeldShard[];
  heldShard(shard: number): HeldShard | undefined;
  /** One round: renew, release beyond the fair share, take free or expired leases up to it. */
  tick(): Promise<void>;
  /** Runs tick() every renewEveryMs. */
  start(): Promise<void>;
  /** Stops renewing; with `release` (default) gives every lease back so others take over at once. */
  stop(opts?: { release?: boolean }): Promise<void>;
}

export function shardOfNode(node: string, shards: number): number {
  return createHash('sha256').update(node).digest().readUInt32BE(0) % shards;
}

export function createShardLeases(o: ShardLeasesOptions): ShardLeases {
  const prefix = o.prefix ?? 'whystuck-watch';
  const durationMs = o.leaseDurationMs ?? 10_000;
  const every = o.renewEveryMs ?? Math.max(200, Math.floor(durationMs / 5));
  /** Without a successful renewal for this long, a lease is considered lost before it can expire for others. */
  const renewDeadlineMs = Math.floor((durationMs * 2) / 3);
  const now = o.now ?? Date.now;
  const log = o.logger;
  const shardName = (i: number): string => `${prefix}-shard-${i}`;
  const memberName = (i: number): string => `${prefix}-member-${i}`;
  /** Shards held, with when the lease was last written successfully. */
  const held = new Map<number, HeldShard & { renewedMs: number; rv?: string }>();
  let member: { name: string; rv?: string; renewedMs: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const expired = (l: LeaseRecord, t: number): boolean => !l.holder || (l.renewTimeMs ?? 0) + (l.durationSeconds ?? durationMs / 1000) * 1000 <= t;
  const mine = (rv: string | undefined, l: { holder?: string; resourceVersion?: string }): boolean => l.holder === o.identity && l.resourceVersion === rv;

  async function write(l: LeaseRecord, exists: boolean): Promise<LeaseRecord | undefined> {
    try {
      return exists ? await o.api.replace(l) : await o.api.create(l);
    } catch (err) {
      if (err instanceof LeaseConflict) return undefined;
      throw err;
    }
  }

  async function lose(i: number, why: 'released' | 'lost'): Promise<void> {
    const h = held.get(i);
    if (!h) return;
    held.delete(i);
    log.warn({ shard: i, lease: h.lease, why }, why === 'lost' ? 'watch shard lease lost: its nodes are no longer watched here' : 'watch shard released');
    await o.onReleased?.(h, why).catch((err: Error) => log.error({ err }, 'stopping a shard failed'));
  }

  const renewed = (l: LeaseRecord, t: number): LeaseRecord => ({ ...l, holder: o.identity, durationSeconds: durationMs / 1000, renewTimeMs: t });

  async function round(): Promise<void> {
    const t = now();
    let leases: LeaseRecord[];
    try {
      leases = await o.api.list();
    } catch (err) {
      log.warn({ err: { message: (err as Error).message, code: (err as { code?: number }).code } }, 'listing the watch leases failed');
      for (const [i, h] of held) if (now() - h.renewedMs >= renewDeadlineMs) await lose(i, 'lost');
      return;
    }
    const byName = new Map(leases.map((l) => [l.name, l]));

    // Membership: one lease from the member pool, so a replica without shards is counted.
    const live = new Set<string>([o.identity]);
    for (const l of leases) if (l.holder && !expired(l, t)) live.add(l.holder);
    const myMember = member && byName.get(member.name);
    if (member && myMember && mine(member.rv, myMember)) {
      const w = await write(renewed(myMember, t), true).catch(() => undefined);
      if (w) member = { name: w.name, rv: w.resourceVersion, renewedMs: t };
      else if (t - member.renewedMs >= renewDeadlineMs) member = undefined;
    } else member = undefined;
    if (!member) {
      for (let i = 0; i < Math.max(o.shards, 1) && !member; i++) {
        const l = byName.get(memberName(i));
        if (l && !expired(l, t) && l.holder !== o.identity) continue;
        const w = await write(renewed(l ?? { name: memberName(i), transitions: 0 }, t), !!l).catch(() => undefined);
        if (w) member = { name: w.name, rv: w.resourceVersion, renewedMs: t };
      }
    }

    // Renew what is held; a lease that changed under us (409, another holder) is lost.
    for (const [i, h] of [...held]) {
      const l = byName.get(h.lease);
      if (!l || !mine(h.rv, l)) {
        await lose(i, 'lost');
        continue;
      }
      try {
        const w = await write(renewed(l, t), true);
        if (!w) {
          await lose(i, 'lost');
          continue;
        }
        h.rv = w.resourceVersion;
        h.renewedMs = t;
      } catch (err) {
        log.warn({ err: { message: (err as Error).message }, shard: i }, 'renewing a watch lease failed');
        if (now() - h.renewedMs >= renewDeadlineMs) await lose(i, 'lost');
      }
    }

    const fair = Math.ceil(o.shards / live.size);
    // Too many (a replica joined): give back the highest shards, after their watches stopped.
    for (const i of [...held.keys()].sort((a, b) => b - a).slice(0, Math.max(0, held.size - fair))) {
      const h = held.get(i)!;
      await lose(i, 'released');
      const l = byName.get(h.lease);
      if (l) await write({ ...l, resourceVersion: h.rv, holder: undefined, renewTimeMs: undefined, acquireTimeMs: undefined }, true).catch(() => undefined);
    }
    // Too few: take free or expired leases, starting from a point that depends on who we are (fewer collisions).
    const start = shardOfNode(o.identity, o.shards);
    for (let k = 0; k < o.shards && held.size < fair && !stopped; k++) {
      const i = (start + k) % o.shards;
      if (held.has(i)) continue;
      const l = byName.get(shardName(i));
      // Free, expired, or still ours from before (dropped at the renew deadline, or this pod's container restarted).
      if (l && !expired(l, t) && l.holder !== o.identity) continue;
      let stored: number | undefined;
      try {
        stored = await o.storedToken?.(shardName(i));
      } catch (err) {
        log.warn({ err: { message: (err as Error).message }, shard: i }, 'reading the stored fence of a watch shard failed: not taking it now');
        continue;
      }
      const transitions = Math.max(l?.transitions ?? 0, stored ?? 0) + 1;
      const w = await write({ ...renewed(l ?? { name: shardName(i), transitions: 0 }, t), acquireTimeMs: t, transitions }, !!l).catch((err: Error) => {
        log.warn({ err: { message: err.message }, shard: i }, 'taking a watch lease failed');
        return undefined;
      });
      if (!w) continue;
      const h = { shard: i, lease: w.name, token: w.transitions, renewedMs: t, rv: w.resourceVersion };
      held.set(i, h);
      const ok = await (o.onAcquired?.({ shard: i, lease: h.lease, token: h.token }) ?? Promise.resolve(true)).catch((err: Error) => {
        log.error({ err, shard: i }, 'starting a shard failed');
        return false;
      });
      if (!ok) {
        held.delete(i);
        await write({ ...w, holder: undefined, renewTimeMs: undefined, acquireTimeMs: undefined }, true).catch(() => undefined);
        continue;
      }
      log.info({ shard: i, lease: h.lease, transitions: h.token, previous: l?.holder, replicas: live.size, fair }, 'watch shard taken');
    }
  }

  const tick = (): Promise<void> =>
    (running ??= round()
      .catch((err: Error) => log.error({ err }, 'the watch lease round failed'))
      .finally(() => {
        running = undefined;
      }));

  return {
    shardOf: (node) => shardOfNode(node, o.shards),
    held: () => [...held.values()].map(({ shard, lease, token }) => ({ shard, lease, token })),
    heldShard: (i) => {
      const h = held.get(i);
      return h && { shard: h.shard, lease: h.lease, token: h.token };
    },
    tick,
    async start() {
      await tick();
      const loop = (): void => {
        timer = setTimeout(
          () =>
            void tick().finally(() => {
              if (!stopped) loop();
            }),
          every,
        );
        timer.unref();
      };
      loop();
    },
    async stop(opts = {}) {
      stopped = true;
      clearTimeout(timer);
      await running;
      if (opts.release === false) {
        held.clear();
        return;
      }
      const leases = await o.api.list().catch(() => [] as LeaseRecord[]);
      const byName = new Map(leases.map((l) => [l.name, l]));
      for (const [i, h] of [...held]) {
        await lose(i, 'released');
        const l = byName.get(h.lease);
        if (l && mine(h.rv, l)) await write({ ...l, holder: undefined, renewTimeMs: undefined, acquireTimeMs: undefined }, true).catch(() => undefined);
      }
      const m = member && byName.get(member.name);
      if (member && m && mine(member.rv, m)) await write({ ...m, holder: undefined, renewTimeMs: undefined }, true).catch(() => undefined);
      member = undefined;
    },
  };
}
