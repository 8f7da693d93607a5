import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import { investigateNode } from '../../../bot/src/conversation/investigate-node';
import { investigatePod, type PodInvestigation } from '../../../bot/src/conversation/investigate-pod';
import { diagnoseSnapshot, snapshotDiagnoses } from '../../../bot/src/diagnosis/entry';
import type { PodLayerRead } from '../../../bot/src/kube/pod-layer';
import { createKubeLookup, type KubeLookup, type PodInfo } from '../../../bot/src/kube/pod-lookup';
import { createCollectorPool, type CollectorPool } from '../../../bot/src/nodes/collector-pool';
import { remediateNode, snapshotNode } from '../../../bot/src/nodes/node-access';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnZombies } from '../../helpers/kernel/processes';

/**
 * Incident load (issue 17): many questions at once about one node are
 * answered from one snapshot call — identical requests made while one is out
 * join it (bot/src/nodes/node-access.ts) — on a real collector over mutual
 * TLS, whose calls are counted where they arrive (its snapshot gate). Each
 * question still gets its own answer, the one it would get alone; a question
 * asked after a call answered, or after a signal, makes a call of its own.
 */
const can = cgroupV1Available();
const itKernel = can.ok ? it : it.skip;
if (!can.ok) process.stderr.write(`single-flight kernel scenario skipped: ${can.reason}\n`);

describe('one node asked many times at once: one snapshot call, each question its own answer', () => {
  let h: Harness;
  let kube: FakeKubeApi;
  let pool: CollectorPool;
  /** The snapshots the collector's answers decoded to, in order. */
  const answered: SnapshotResponse[] = [];

  beforeAll(async () => {
    h = await startHarness({ nodeName: 'node-a' });
    kube = await startFakeKubeApi();
    kube.addNode({ name: 'node-a' });
    const real = createCollectorPool({ addresses: new Map([['node-a', h.address]]), tls: h.clientTls('spiffe://whystuck/bot'), insecure: false, deadlineMs: 20_000 });
    pool = {
      ...real,
      async forNode(node) {
        const c = await real.forNode(node);
        if (c.status !== 'ok') return c;
        return {
          ...c,
          client: {
            ...c.client,
            snapshot: async (req) => {
              const res = await c.client.snapshot(req);
              if (res.status === 'ok') answered.push(res.value);
              return res;
            },
          },
        };
      },
    };
  });
  afterAll(async () => {
    pool?.close();
    await kube?.close();
    await h?.close();
  });
  afterEach(cleanupAll);

  /** Snapshot calls that reached the collector so far. */
  const calls = (): number => h.server.stats().admitted;

  /**
   * The Kubernetes side, keeping what each pod's layer read came to (the answer alone is computed from it below).
   * `together`: the pod lookups answer all at once when that many have come back, so the questions reach the
   * node at the same moment — "at once" whatever the API's answers' spread (on a loaded machine, the first
   * question's snapshot could be answered before the last question's pod was found).
   */
  function recordingKube(together = 0): { kube: KubeLookup; layers: Map<string, PodLayerRead | undefined> } {
    const real = createKubeLookup({ kubeconfig: kube.kubeconfig });
    const layers = new Map<string, PodLayerRead | undefined>();
    let waiting = 0;
    let open: () => void = () => undefined;
    const allFound = new Promise<void>((r) => (open = r));
    return {
      layers,
      kube: {
        getPod: async (ns, name) => {
          const found = await real.getPod(ns, name);
          if (++waiting >= together) open();
          await allFound;
          return found;
        },
        readLayer(pod: PodInfo) {
          const reading = real.readLayer!(pod);
          return (
            reading && {
              ...reading,
              settle: async (ms: number) => {
                const got = await reading.settle(ms);
                layers.set(pod.name, got);
                return got;
              },
            }
          );
        },
      },
    };
  }

  itKernel('20 pod questions at once about one node: one Snapshot call, and each answer is the one it would get alone', async () => {
    const pod = createPodCgroup();
    const { parentPid } = await spawnZombies(3, pod);
    for (let i = 0; i < 20; i++) kube.addPod({ namespace: 'shop', name: `web-${i}`, uid: pod.podUid, nodeName: 'node-a' });
    const { kube: lookup, layers } = recordingKube(20);
    answered.length = 0;
    const before = calls();

    const invs: PodInvestigation[] = await Promise.all(Array.from({ length: 20 }, (_, i) => investigatePod({ kube: lookup, collectors: pool }, 'shop', `web-${i}`)));

    expect(calls() - before).toBe(1);
    expect(answered).toHaveLength(1);
    for (const [i, inv] of invs.entries()) {
      if (inv.status !== 'ok') throw new Error(`web-${i}: ${inv.message}`);
      expect(inv.pod?.name).toBe(`web-${i}`);
      expect(inv.diagnosis.findings[0]).toMatchObject({ id: 'zombie' });
      expect(inv.diagnosis.findings[0].tasks.some((t) => t.pid === parentPid)).toBe(true);
      // What this question alone would have been told: the same snapshot, read afresh, with its own API layer.
      const alone = diagnoseSnapshot(structuredClone(answered[0]), { kind: 'pod', pod: inv.pod!, api: layers.get(`web-${i}`) });
      if (alone.status !== 'ok') throw new Error(alone.message);
      expect(inv.diagnosis).toEqual(alone.diagnosis);
      expect(inv.evidence).toEqual(alone.evidence);
      // The pod's own API layer is in its evidence, no other's.
      const named = (inv.evidence.kube?.pods ?? []).map((p) => p.name);
      expect(named).toContain(`web-${i}`);
      expect(named.filter((n) => /^web-/.test(n))).toEqual([`web-${i}`]);
    }
    // Each its own objects: what one thread does to its answer, no other sees.
    const oks = invs as Extract<PodInvestigation, { status: 'ok' }>[];
    const last = oks[oks.length - 1];
    const reports = last.evidence.reports.length;
    for (const inv of oks.slice(0, -1)) {
      expect(inv.evidence).not.toBe(last.evidence);
      inv.diagnosis.findings[0].evidence.push('scribbled');
      inv.evidence.tasks[0].comm = 'scribbled';
      inv.evidence.reports.length = 0;
    }
    expect(JSON.stringify(last)).not.toMatch(/scribbled/);
    expect(last.evidence.reports).toHaveLength(reports);
  });

  itKernel('node questions at once share one snapshot and one diagnosis, each with its own copy', async () => {
    const pod = createPodCgroup();
    await spawnZombies(2, pod);
    answered.length = 0;
    const before = calls();
    const diagnosesBefore = snapshotDiagnoses();
    const invs = await Promise.all([
      ...Array.from({ length: 5 }, () => investigateNode({ collectors: pool }, 'node-a')),
      ...Array.from({ length: 5 }, () => investigateNode({ collectors: pool }, 'node-a', { focus: 'zombies' })),
    ]);
    expect(calls() - before).toBe(1);
    // The first question is diagnosed as it always was; the nine others share one whole-node diagnosis.
    expect(snapshotDiagnoses() - diagnosesBefore).toBe(2);
    const alone = diagnoseSnapshot(structuredClone(answered[0]), { kind: 'node', node: 'node-a' });
    const zombies = diagnoseSnapshot(structuredClone(answered[0]), { kind: 'node', node: 'node-a', focus: 'zombies' });
    if (alone.status !== 'ok' || zombies.status !== 'ok') throw new Error('not diagnosed');
    for (const [i, inv] of invs.entries()) {
      if (inv.status !== 'ok') throw new Error(inv.message);
      const want = i < 5 ? alone : zombies;
      expect(inv.diagnosis).toEqual(want.diagnosis);
      expect(inv.evidence).toEqual(want.evidence);
      if (i) expect(inv.diagnosis).not.toBe(invs[0].status === 'ok' && invs[0].diagnosis);
    }
    expect(invs[9].status === 'ok' && invs[9].diagnosis.findings.every((f) => f.id === 'zombie')).toBe(true);
    // One question's changes to its answer reach no other, nor the next question about the same snapshot.
    for (const inv of invs.slice(0, 5))
      if (inv.status === 'ok') {
        inv.diagnosis.findings[0]?.evidence.push('scribbled');
        inv.evidence.tasks[0].comm = 'scribbled';
      }
    expect(JSON.stringify(invs.slice(5))).not.toMatch(/scribbled/);
    const again = diagnoseSnapshot(answered[0], { kind: 'node', node: 'node-a' });
    expect(again.status === 'ok' && again.diagnosis).toEqual(alone.diagnosis);
  });

  itKernel('a question asked after a snapshot answered gets a fresh one: only calls in flight are joined', async () => {
    const pod = createPodCgroup();
    await spawnZombies(1, pod);
    kube.addPod({ namespace: 'shop', name: 'api-0', uid: pod.podUid, nodeName: 'node-a' });
    const { kube: lookup } = recordingKube();
    answered.length = 0;
    const before = calls();
    const first = await investigatePod({ kube: lookup, collectors: pool }, 'shop', 'api-0');
    const second = await investigatePod({ kube: lookup, collectors: pool }, 'shop', 'api-0');
    expect(first.status).toBe('ok');
    expect(second.status).toBe('ok');
    expect(calls() - before).toBe(2);
    expect(answered).toHaveLength(2);
    expect(answered[1]).not.toBe(answered[0]);
    expect(Number(answered[1].taken_at_unix_ms)).toBeGreaterThanOrEqual(Number(answered[0].taken_at_unix_ms));
  });
});

describe('a signal ends the single flight: the recheck after it never joins a snapshot begun before it', () => {
  let h: Harness;
  let pool: CollectorPool;
  let release: () => void = () => undefined;
  let held = false;
  let started = 0;

  beforeAll(async () => {
    h = await startHarness({ nodeName: 'node-a' });
    const real = createCollectorPool({ addresses: new Map([['node-a', h.address]]), tls: h.clientTls('spiffe://whystuck/bot'), insecure: false, deadlineMs: 20_000 });
    // Calls out while `held` wait at the door before going to the collector: the test decides when they are answered.
    let door: Promise<void> = Promise.resolve();
    pool = {
      ...real,
      async forNode(node) {
        const c = await real.forNode(node);
        if (c.status !== 'ok') return c;
        return {
          ...c,
          client: {
            ...c.client,
            snapshot: async (req) => {
              started++;
              if (held) await door;
              return c.client.snapshot(req);
            },
          },
        };
      },
    };
    const hold = (): void => {
      held = true;
      door = new Promise((r) => {
        release = () => {
          held = false;
          r();
        };
      });
    };
    hold();
  });
  afterAll(async () => {
    release();
    pool?.close();
    await h?.close();
  });

  it('joins while out; after remediateNode on the node, a new call; after it answered, a new call', async () => {
    const req = { scope: 'pids' as const, pids: { pids: [process.pid] }, skip_kmsg: true, skip_runtime: true };
    const before = h.server.stats().admitted;
    const early = snapshotNode({ collectors: pool }, 'node-a', req);
    const joined = snapshotNode({ collectors: pool }, 'node-a', { skip_runtime: true, skip_kmsg: true, pids: { pids: [process.pid] }, scope: 'pids' });
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toBe(1);
    // A signal (refused here: a pid this node's collector will not touch) goes out while the first call is held.
    const signal = await remediateNode(
      { collectors: pool },
      'node-a',
      { pid: 1, start_time_ticks: '1', expected_comm: 'init', signal: 'SIGTERM', requester: 'test', reason: 'single flight', node: 'node-a' },
      'collector',
    );
    expect(signal.status === 'ok' ? signal.value.status : signal.status).not.toBe('SIGNALLED');
    const recheck = snapshotNode({ collectors: pool }, 'node-a', req);
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toBe(2);
    release();
    const [a, b, c] = await Promise.all([early, joined, recheck]);
    if (a.status !== 'ok' || b.status !== 'ok' || c.status !== 'ok') throw new Error('snapshot failed');
    expect(b.value).toBe(a.value);
    expect(c.value).not.toBe(a.value);
    // Each caller its own wrapper: a source changed by one is not another's.
    expect(b.source).not.toBe(a.source);
    expect(b.source).toEqual(a.source);
    // Finished calls are never reused.
    const after = await snapshotNode({ collectors: pool }, 'node-a', req);
    expect(after.status === 'ok' && after.value).not.toBe(c.value);
    expect(started).toBe(3);
    expect(h.server.stats().admitted - before).toBe(3);
  });
});
