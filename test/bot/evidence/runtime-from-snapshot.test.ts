import { evidenceFromSnapshot } from '../../../bot/src/evidence/from-snapshot';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';

const SANDBOX = '0f3a2b1c4d5e'.padEnd(64, 'a');
const APP = 'b1c2d3e4f5a6'.padEnd(64, 'b');
const INIT = 'c1d2e3f4a5b6'.padEnd(64, 'c');
const UID = '6f1c2a4e-7d39-4a1b-9d3e-0c2b9a1f5e77';
const T = Date.UTC(2026, 11, 5, 10, 0, 0);

function snapshot(runtime: SnapshotResponse['runtime'], tasks: SnapshotResponse['tasks'] = []): SnapshotResponse {
  return { taken_at_unix_ms: T + 60000, node: { hostname: 'node-7' }, tasks, runtime };
}

describe('the runtime section as evidence (kube.runtime, shims as tasks)', () => {
  it('sandboxes and containers as the CRI says, with pids, exit codes and RFC 3339 times', () => {
    const ev = evidenceFromSnapshot(
      snapshot({
        status: 'ok',
        endpoint: 'unix:///run/containerd/containerd.sock',
        runtime_name: 'containerd',
        runtime_version: '1.6.20',
        sandboxes: [{ id: SANDBOX, pod_name: 'web-0', pod_namespace: 'shop', pod_uid: UID, state: 'SANDBOX_READY', created_unix_ms: T, pid: 4100 }],
        containers: [
          { id: APP, sandbox_id: SANDBOX, name: 'app', state: 'CONTAINER_RUNNING', pid: 4200, pod_uid: UID, created_unix_ms: T + 1000, started_unix_ms: T + 2000 },
          { id: INIT, sandbox_id: SANDBOX, name: 'init', state: 'CONTAINER_EXITED', exit_code: 137, reason: 'OOMKilled', pod_uid: UID, started_unix_ms: T + 500, finished_unix_ms: T + 900 },
        ],
        shims: [{ pid: 4000, comm: 'containerd-shim', state: 'D', wchan: 'cgroup_rmdir', serves_id: SANDBOX, child_pids: [4100, 4200], stack: [{ function: 'cgroup_rmdir', offset: '+0x1a/0x2c0' }] }],
      }),
    );
    expect(ev.kube?.runtime.sandboxes).toEqual([
      {
        id: SANDBOX,
        name: 'web-0',
        namespace: 'shop',
        podUid: UID,
        state: 'SANDBOX_READY',
        createdAt: '2026-12-05T10:00:00.000Z',
        line: 'containerd 1.6.20 (CRI): sandbox 0f3a2b1c4d5ea shop/web-0 SANDBOX_READY pid 4100',
      },
    ]);
    expect(ev.kube?.runtime.containers).toEqual([
      {
        id: APP,
        name: 'app',
        podSandboxId: SANDBOX,
        pod: 'web-0',
        podUid: UID,
        state: 'CONTAINER_RUNNING',
        pid: 4200,
        exitCode: undefined,
        reason: undefined,
        createdAt: '2026-12-05T10:00:01.000Z',
        startedAt: '2026-12-05T10:00:02.000Z',
        finishedAt: undefined,
        line: 'containerd 1.6.20 (CRI): container app b1c2d3e4f5a6b CONTAINER_RUNNING pid 4200',
      },
      {
        id: INIT,
        name: 'init',
        podSandboxId: SANDBOX,
        pod: 'web-0',
        podUid: UID,
        state: 'CONTAINER_EXITED',
        pid: undefined,
        exitCode: 137,
        reason: 'OOMKilled',
        createdAt: undefined,
        startedAt: '2026-12-05T10:00:00.500Z',
        finishedAt: '2026-12-05T10:00:00.900Z',
        line: 'containerd 1.6.20 (CRI): container init c1d2e3f4a5b6c CONTAINER_EXITED exit code 137 (OOMKilled) finished 2026-12-05T10:00:00.900Z',
      },
    ]);
    expect(ev.kube?.runtime.unanswered).toBeUndefined();
    expect(ev.kube?.now).toBe('2026-12-05T10:01:00.000Z');
    // The shim, absent from a pod-scoped task list, is a task: a rule finds it stuck in D.
    expect(ev.tasks.find((t) => t.tid === 4000)).toMatchObject({
      pid: 4000,
      comm: 'containerd-shim',
      state: 'D',
      wchan: 'cgroup_rmdir',
      stack: [{ fn: 'cgroup_rmdir', offset: '+0x1a/0x2c0', module: '', unreliable: false }],
    });
  });

  it('a runtime that does not answer: unanswered says so, and the read problems are missing facts', () => {
    const error = 'the runtime at unix:///run/containerd/containerd.sock did not answer ListPodSandbox within 2000 ms';
    const snap = snapshot({ status: 'timed-out', endpoint: 'unix:///run/containerd/containerd.sock', error, sandboxes: [], containers: [], shims: [] });
    snap.read_problems = [{ path: '/run/containerd/containerd.sock (CRI ListPodSandbox)', reason: 'timed-out', detail: error, tried_ms: 2001 }];
    const ev = evidenceFromSnapshot(snap);
    expect(ev.kube?.runtime).toEqual({ sandboxes: [], containers: [], unanswered: error });
    expect(ev.missing).toContain(`/run/containerd/containerd.sock (CRI ListPodSandbox): timed-out (${error})`);
  });

  it('one container whose status did not come back: listed, its exit code unknown, the failure in unanswered', () => {
    const statusError = `the runtime at unix:///run/containerd/containerd.sock did not answer ContainerStatus(${APP}) within 2000 ms`;
    const ev = evidenceFromSnapshot(
      snapshot({
        status: 'ok',
        runtime_name: 'containerd',
        containers: [{ id: APP, sandbox_id: SANDBOX, name: 'app', state: 'CONTAINER_EXITED', status_error: statusError }],
      }),
    );
    expect(ev.kube?.runtime.containers[0]).toMatchObject({ id: APP, state: 'CONTAINER_EXITED', exitCode: undefined });
    expect(ev.kube?.runtime.unanswered).toBe(statusError);
  });

  it('no runtime section, or no runtime socket on the node: no Kubernetes layer is made up', () => {
    expect(evidenceFromSnapshot(snapshot(undefined)).kube).toBeUndefined();
    expect(evidenceFromSnapshot(snapshot({ status: 'not-found', error: 'no container runtime socket found' })).kube).toBeUndefined();
  });

  it('a shim the whole-node task list already has keeps its facts (and gains its stack)', () => {
    const ev = evidenceFromSnapshot(
      snapshot({ status: 'ok', shims: [{ pid: 4000, comm: 'containerd-shim', state: 'S', wchan: 'futex_wait_queue', stack: [{ function: 'futex_wait_queue' }] }] }, [
        { pid: 4000, tid: 4000, tgid: 4000, ppid: 1, comm: 'containerd-shim', state: 'S', is_thread_group_leader: true, cmdline: '/usr/bin/containerd-shim-runc-v2 -namespace k8s.io' },
      ]),
    );
    const shims = ev.tasks.filter((t) => t.tid === 4000);
    expect(shims).toHaveLength(1);
    expect(shims[0]).toMatchObject({ ppid: 1, cmdline: '/usr/bin/containerd-shim-runc-v2 -namespace k8s.io', stack: [expect.objectContaining({ fn: 'futex_wait_queue' })] });
  });
});
