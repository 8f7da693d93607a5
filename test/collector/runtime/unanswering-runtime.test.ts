import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { startSilentSocket } from '../../helpers/runtime/silent-socket';
import { createSnapshotter } from '../../../collector/src/snapshot/snapshotter';

describe('a container runtime that does not answer is evidence, and the collector stays responsive', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    await cleanupAll();
  });

  it('a socket that accepts and never replies: the snapshot completes at the runtime deadline, says timed-out, and Health answers meanwhile', async () => {
    const silent = await startSilentSocket();
    h = await startHarness({ snapshotter: { runtime: { endpoint: silent.path, deadlineMs: 1000 } } });
    const client = h.client('whystuck-bot');
    const t0 = performance.now();
    const pending = client.snapshot({ whole_node: true, skip_kmsg: true });
    // While the snapshot waits on the runtime, the event loop is free: Health answers at once.
    await new Promise((r) => setTimeout(r, 400));
    const h0 = performance.now();
    const health = await client.health();
    const healthMs = performance.now() - h0;
    const res = await pending;
    const tookMs = performance.now() - t0;
    if (res.status !== 'ok') throw new Error(`snapshot failed: ${JSON.stringify(res)}`);
    expect(health.status).toBe('ok');
    expect(healthMs).toBeLessThan(300);
    expect(silent.accepted()).toBeGreaterThan(0);
    expect(tookMs).toBeGreaterThanOrEqual(1000);
    expect(tookMs).toBeLessThan(4000);
    const rt = res.value.runtime;
    expect(rt).toMatchObject({ status: 'timed-out', endpoint: `unix://${silent.path}`, endpoint_source: 'configured', deadline_ms: 1000, sandboxes: [], containers: [] });
    expect(rt?.error).toBe(`the runtime at unix://${silent.path} did not answer ListPodSandbox within 1000 ms`);
    const problems = res.value.read_problems.filter((p) => p.path.startsWith(silent.path));
    expect(problems.map((p) => p.reason)).toEqual(['timed-out', 'timed-out', 'timed-out']);
    expect(problems.map((p) => p.path)).toEqual([`${silent.path} (CRI ListPodSandbox)`, `${silent.path} (CRI ListContainers)`, `${silent.path} (CRI Version)`]);
    expect(problems[0].tried_ms).toBeGreaterThanOrEqual(900);
    // The tasks are all there: the runtime's silence costs its deadline, nothing else.
    expect(res.value.tasks.some((t) => t.tid === process.pid)).toBe(true);
  });

  it('a socket nobody listens on: unreachable at once, with the fix in the words', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whystuck-gone-'));
    const s = createSnapshotter({ runtime: { endpoint: `unix://${dir}/containerd.sock`, deadlineMs: 2000 } });
    try {
      const t0 = performance.now();
      const snap = await s.snapshot({ scope: 'whole_node', whole_node: true, skip_kmsg: true });
      expect(performance.now() - t0).toBeLessThan(1500);
      expect(snap.runtime).toMatchObject({ status: 'unreachable', endpoint: `unix://${dir}/containerd.sock` });
      expect(snap.runtime?.error).toMatch(/^cannot reach the runtime at unix:\/\/.*containerd\.sock \(ListPodSandbox: .*\); is containerd \/ CRI-O running/);
      expect(snap.read_problems.filter((p) => p.path.includes('(CRI ')).map((p) => p.reason)).toEqual(['error', 'error', 'error']);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the socket among the usual paths under the host root; says so when there is none', async () => {
    const host = mkdtempSync(join(tmpdir(), 'whystuck-host-'));
    mkdirSync(join(host, 'run', 'crio'), { recursive: true });
    const sock = join(host, 'run', 'crio', 'crio.sock');
    await startSilentSocket({ path: sock });
    const empty = mkdtempSync(join(tmpdir(), 'whystuck-nohost-'));
    const found = createSnapshotter({ runtime: { hostRoot: host, deadlineMs: 300 } });
    const none = createSnapshotter({ runtime: { hostRoot: empty }, procRoot: '/proc' });
    try {
      const snap = await found.snapshot({ scope: 'pod_uid', pod_uid: '00000000-0000-0000-0000-000000000000', skip_kmsg: true });
      expect(snap.runtime).toMatchObject({ endpoint: `unix://${sock}`, endpoint_source: 'found', status: 'timed-out' });
      const nothing = await none.snapshot({ scope: 'pod_uid', pod_uid: '00000000-0000-0000-0000-000000000000', skip_kmsg: true });
      // (/proc/1/root is searched too: on this machine no runtime socket is there either.)
      expect(nothing.runtime).toMatchObject({ status: 'not-found', endpoint: '' });
      expect(nothing.runtime?.error).toContain(`${empty}/run/containerd/containerd.sock`);
      expect(nothing.runtime?.error).toMatch(/give the collector --runtime-endpoint$/);
      expect(nothing.read_problems.filter((p) => p.path.includes('CRI'))).toEqual([]);
    } finally {
      await found.close();
      await none.close();
      await cleanupAll();
      rmSync(host, { recursive: true, force: true });
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('is skipped where it is not wanted: problems_only, skip_runtime, a pid list', async () => {
    const silent = await startSilentSocket();
    const s = createSnapshotter({ runtime: { endpoint: silent.path, deadlineMs: 1000 } });
    try {
      for (const req of [{ problems_only: true }, { skip_runtime: true }]) {
        const snap = await s.snapshot({ scope: 'whole_node', whole_node: true, skip_kmsg: true, ...req });
        expect(snap.runtime).toBeNull();
      }
      const byPid = await s.snapshot({ scope: 'pids', pids: { pids: [process.pid] }, skip_kmsg: true });
      expect(byPid.runtime).toBeNull();
      expect(silent.accepted()).toBe(0);
    } finally {
      await s.close();
    }
  });
});
