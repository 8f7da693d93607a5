import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebClient } from '@slack/web-api';
import pino from 'pino';
import type { CollectorPool } from '../../../bot/src/nodes/collector-pool';
import type { Scheduler } from '../../../bot/src/conversation/scheduler';
import { openSqliteStore } from '../../../bot/src/store/sqlite-store';
import type { Store } from '../../../bot/src/store/store';
import { createAlertPolicy } from '../../../bot/src/watch/alert-policy';
import { incidentKey } from '../../../bot/src/watch/alert-event';
import { createIncidentAlerter, type IncidentAlerter } from '../../../bot/src/watch/incident-alerter';
import { createIncidentPager } from '../../../bot/src/watch/incident-pager';
import { createWatchManager, type WatchManager } from '../../../bot/src/watch/watch-manager';

/**
 * Two replicas' watch managers on one store, the nodes split between them
 * (an ownership map stands in for the shard leases): each restores, checks
 * and resolves only the incidents of the nodes it owns, and the incidents
 * follow a node when its shard changes hands.
 */
const logger = pino({ level: 'silent' });
const CHANNEL = 'C0ALERTS';

function manualScheduler(): Scheduler & { fireAll(): void } {
  const tasks: { fire(): void; cancelled: boolean }[] = [];
  return {
    after(_ms, fn) {
      const task = { fire: fn, cancelled: false };
      tasks.push(task);
      return {
        cancel: () => {
          task.cancelled = true;
        },
      };
    },
    fireAll() {
      for (const task of tasks.splice(0)) if (!task.cancelled) task.fire();
    },
  };
}

type Call = { replica: string; method: string; args: Record<string, unknown> };

function fakeSlack(replica: string, calls: Call[]): WebClient {
  let n = 0;
  const rec = (method: string) => async (args: Record<string, unknown>) => {
    calls.push({ replica, method, args });
    return { ok: true, ts: `17000000${replica === 'A' ? 1 : 2}${String(++n).padStart(2, '0')}.000100`, permalink: 'https://slack.example/p' };
  };
  return { chat: { postMessage: rec('chat.postMessage'), update: rec('chat.update'), delete: rec('chat.delete'), getPermalink: rec('chat.getPermalink') } } as unknown as WebClient;
}

describe('incidents across replicas: each acts only on the nodes it owns', () => {
  let dir: string;
  let store: Store;
  const owner = new Map<string, 'A' | 'B'>();
  const looks: string[] = [];
  const calls: Call[] = [];
  const schedulers = { A: manualScheduler(), B: manualScheduler() };
  const managers: WatchManager[] = [];
  const alerters: IncidentAlerter[] = [];
  /** The quiet-period checks fired by hand, and what they sent to Slack, finished. */
  const settled = async (): Promise<void> => {
    await Promise.all(alerters.map((x) => x.drain()));
  };

  function replica(name: 'A' | 'B'): WatchManager {
    const owns = (node: string): boolean => owner.get(node) === name;
    const alerter = createIncidentAlerter({
      store,
      client: fakeSlack(name, calls),
      channel: CHANNEL,
      policy: createAlertPolicy({ mute: [], pageKinds: [] }),
      pager: createIncidentPager({}),
      look: async (node) => {
        looks.push(`${name}:${node}`);
        return 'gone';
      },
      resolveAfterMs: 60_000,
      scheduler: schedulers[name],
      logger,
      owns,
    });
    alerters.push(alerter);
    const collectors = {
      nodes: async () => ({ nodes: [], problems: [] }),
      forNode: async () => {
        throw new Error('no collector in this test');
      },
    } as unknown as Pick<CollectorPool, 'forNode' | 'nodes'>;
    const m = createWatchManager({
      collectors,
      store,
      alerter,
      maxAgeMs: 300_000,
      logger,
      ownership: { fenceFor: (node) => (owns(node) ? { shard: `shard-of-${node}`, token: 1, holder: name } : undefined) },
    });
    managers.push(m);
    return m;
  }

  async function openWithMessage(node: string, uid: string, ts: string): Promise<number> {
    const { incident } = await store.openIncident({ key: incidentKey(node, 'zombie-growth', uid), node, podUid: uid, findingId: 'zombie-growth', summary: `Zombies growing: ${uid}` });
    expect(await store.setIncidentMessage(incident.id, CHANNEL, ts)).toBe(true);
    return incident.id;
  }

  const updatesOf = (ts: string): Call[] => calls.filter((c) => c.method === 'chat.update' && c.args.ts === ts);
  const resolvedLines = (ts: string): Call[] => calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts && String(c.args.text).startsWith(':white_check_mark: Resolved'));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'whystuck-owners-'));
    store = openSqliteStore(join(dir, 'store.db'));
  });
  afterAll(async () => {
    for (const m of managers) await m.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("at start each replica restores only its own nodes' incidents; each is checked and resolved once, by its owner", async () => {
    owner.set('node-a', 'A').set('node-b', 'B');
    await openWithMessage('node-a', 'uid-1', '1700000000.000001');
    await openWithMessage('node-b', 'uid-2', '1700000000.000002');
    const a = replica('A');
    const b = replica('B');
    await a.start();
    await b.start();
    schedulers.A.fireAll();
    schedulers.B.fireAll();
    await settled();
    expect(looks.sort()).toEqual(['A:node-a', 'B:node-b']);
    expect(updatesOf('1700000000.000001').map((c) => c.replica)).toEqual(['A']);
    expect(updatesOf('1700000000.000002').map((c) => c.replica)).toEqual(['B']);
    expect(resolvedLines('1700000000.000001').map((c) => c.replica)).toEqual(['A']);
    expect(resolvedLines('1700000000.000002').map((c) => c.replica)).toEqual(['B']);
    expect(await store.openIncidents()).toEqual([]);
  });

  it('a shard changing hands: the old owner drops the incident (its check cancelled), the new one picks it up and resolves it once', async () => {
    looks.length = 0;
    const [a, b] = managers;
    await openWithMessage('node-a', 'uid-3', '1700000000.000003');
    await a.ownershipChanged(); // A owns node-a: picks the incident up, its check armed
    await b.ownershipChanged(); // B does not
    owner.set('node-a', 'B');
    await a.ownershipChanged();
    await b.ownershipChanged();
    schedulers.A.fireAll();
    schedulers.B.fireAll();
    await settled();
    expect(looks).toEqual(['B:node-a']);
    expect(updatesOf('1700000000.000003').map((c) => c.replica)).toEqual(['B']);
    expect(resolvedLines('1700000000.000003').map((c) => c.replica)).toEqual(['B']);
    expect(await store.openIncidents()).toEqual([]);
  });
});
