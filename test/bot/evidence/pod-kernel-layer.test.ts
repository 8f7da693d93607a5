import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { Task as ProtoTask } from '../../../proto/generated/whystuck/v1/Task';
import type { PodVolumeMount } from '../../../proto/generated/whystuck/v1/PodVolumeMount';
import { diagnose } from '../../../bot/src/diagnosis/engine';
import type { Finding } from '../../../bot/src/diagnosis/finding';
import { evidenceFromSnapshot } from '../../../bot/src/evidence/from-snapshot';
import { mergeApiLayer } from '../../../bot/src/evidence/kube-from-api';
import { layerAnswer } from '../../../bot/src/conversation/layer-followups';

/**
 * The kernel's side of a terminating pod from a collector snapshot, joined
 * with the pod read from the API: PID 1's SIGTERM disposition, processes
 * started after the deletion began (exec'd or not), the pod's volume mounts
 * with their holders and backend, and the rules that read them.
 */
const UID = '3f0c8a52-7d3e-4b1c-a1e2-9c8b7a6d5e4f';
const BOOT = 1_764_000_000; // btime, unix seconds
const HZ = 100;
const CTR = 'c'.repeat(64);
const SANDBOX = 'a'.repeat(64);
/** Unix ms -> start ticks since boot. */
const ticks = (ms: number): number => Math.round((ms / 1000 - BOOT) * HZ);

function task(pid: number, comm: string, o: Partial<ProtoTask> = {}): ProtoTask {
  return {
    pid,
    tid: pid,
    tgid: pid,
    ppid: 1,
    comm,
    state: 'S',
    is_thread_group_leader: true,
    pod_uid: UID,
    container_id: CTR,
    sig_caught: '0000000000000000',
    sig_ignored: '0000000000000000',
    sig_blocked: '0000000000000000',
    ...o,
  };
}

function snapshot(at: number, tasks: ProtoTask[], volumes: PodVolumeMount[] = []): SnapshotResponse {
  return {
    node: { hostname: 'node-a', boot_time_unix: BOOT, clock_ticks_per_second: HZ, uptime_seconds: at / 1000 - BOOT },
    tasks,
    taken_at_unix_ms: at,
    pod_volumes: volumes,
    runtime: {
      status: 'ok',
      runtime_name: 'containerd',
      sandboxes: [{ id: SANDBOX, pod_name: 'web-0', pod_namespace: 'shop', pod_uid: UID, state: 'SANDBOX_READY', pid: 900 }],
      containers: [{ id: CTR, sandbox_id: SANDBOX, name: 'app', state: 'CONTAINER_RUNNING', pid: 1000, pod_uid: UID }],
    },
  };
}

function pod(deletionTimestamp: string, grace = 30, containers: 'running' | 'gone' = 'running'): Record<string, unknown> {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: 'web-0', namespace: 'shop', uid: UID, deletionTimestamp, deletionGracePeriodSeconds: grace },
    spec: { nodeName: 'node-a', terminationGracePeriodSeconds: grace, containers: [{ name: 'app' }], volumes: [{ name: 'data', emptyDir: {} }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        containers === 'running'
          ? { name: 'app', ready: true, containerID: `containerd://${CTR}`, state: { running: { startedAt: '2025-11-24T15:00:00Z' } } }
          : { name: 'app', ready: false, containerID: `containerd://${CTR}`, state: { terminated: { exitCode: 137, reason: 'Error', finishedAt: '2025-11-24T16:00:00Z' } } },
      ],
    },
  };
}

const find = (fs: Finding[], id: string): Finding => {
  const f = fs.find((x) => x.id === id);
  if (!f) throw new Error(`no ${id}; found ${fs.map((x) => x.id).join(', ')}`);
  return f;
};

describe('PID 1 and the processes of a pod being deleted', () => {
  const now = (BOOT + 7200) * 1000;
  const began = now - 12_000;
  const end = began + 30_000;

  it("marks processes started after the deletion began: exec'd (parent outside the container) and their children, not the container's own", () => {
    const ev = evidenceFromSnapshot(
      snapshot(now, [
        task(900, 'pause', { container_id: SANDBOX, is_pid_ns_init: true, ns_pid: [900, 1], start_time_ticks: ticks(now - 3_600_000), ppid: 800, sig_caught: '0000000000014002' }),
        task(1000, 'sh', { is_pid_ns_init: true, ns_pid: [1000, 1], start_time_ticks: ticks(now - 3_600_000), ppid: 800, sig_ignored: '0000000000004000' }),
        task(1100, 'sleep', { ppid: 1000, start_time_ticks: ticks(now - 1000) }),
        // A preStop exec hook: runc exec's process, child of the shim (800, outside the pod), and what it started.
        task(1200, 'drain.sh', { ppid: 800, start_time_ticks: ticks(began + 2000) }),
        task(1201, 'curl', { ppid: 1200, start_time_ticks: ticks(began + 2500) }),
        // Started before the deletion: not marked.
        task(1300, 'sh', { ppid: 800, start_time_ticks: ticks(began - 5000) }),
      ]),
    );
    mergeApiLayer(ev, { namespace: 'shop', name: 'web-0', raw: pod(new Date(end).toISOString()) });
    const by = (pid: number) => ev.tasks.find((t) => t.tid === pid)?.startedAfterDeletion;
    expect(by(1200)).toEqual({ afterSeconds: 2, exec: true, podUid: UID });
    expect(by(1201)).toEqual({ afterSeconds: 2.5, exec: true, podUid: UID });
    expect(by(1100)).toEqual({ afterSeconds: 11, exec: false, podUid: UID });
    expect(by(1000)).toBeUndefined();
    expect(by(1300)).toBeUndefined();

    const f = find(diagnose(ev).findings, 'graceful-termination');
    expect(f.title).toBe("Pod shop/web-0 is inside its grace period (30 s): 18 s left before SIGKILL; PID 1 sh ignores SIGTERM; drain.sh exec'd after the deletion still runs");
    // The sandbox's own init (pause) is not the containers' PID 1.
    expect(f.explanation).not.toContain('pause');
    expect(f.explanation).toContain(`SIGKILL at ${new Date(end).toISOString().replace('.000', '')}, 18 s from when this evidence was taken`);
    expect(f.explanation).toContain(
      "Exec'd into the container after the deletion began, and still running: drain.sh (pid 1200), 2 s after it began (S); curl (pid 1201), 3 s after it began (S) — a preStop hook",
    );
    expect(f.explanation).toContain("Started by the container's own processes after the deletion began: sleep (pid 1100)");
    expect(f.evidence).toContain('sh (pid 1000): PID-namespace init, SigCgt 0000000000000000 SigIgn 0000000000004000 SigBlk 0000000000000000');
    expect(f.tasks.map((t) => [t.pid, t.role])).toEqual([
      [1000, 'init'],
      [1200, 'waiter'],
      [1201, 'waiter'],
      [1100, 'waiter'],
    ]);
  });

  it('a zombie its shell has not reaped yet (started a second ago) does not hide the grace period; one that has been there a while does', () => {
    const init = task(1000, 'sh', { is_pid_ns_init: true, ns_pid: [1000, 1], start_time_ticks: ticks(now - 3_600_000), ppid: 800, sig_ignored: '0000000000004000' });
    const graceful = (zombieStartedMsAgo: number): boolean => {
      const ev = evidenceFromSnapshot(snapshot(now, [init, task(1300, 'sleep', { state: 'Z', start_time_ticks: ticks(now - zombieStartedMsAgo), ppid: 1000 })]));
      mergeApiLayer(ev, { namespace: 'shop', name: 'web-0', raw: pod(new Date(end).toISOString()) });
      return diagnose(ev).findings.some((f) => f.id === 'graceful-termination');
    };
    expect(graceful(1_000)).toBe(true);
    expect(graceful(120_000)).toBe(false);
  });

  it('PID 1 that blocks SIGTERM without a handler: it stays pending, the whole grace period is waited out', () => {
    const ev = evidenceFromSnapshot(
      snapshot(now, [task(1000, 'app', { is_pid_ns_init: true, ns_pid: [1000, 1], start_time_ticks: ticks(now - 3_600_000), ppid: 800, sig_blocked: '0000000000004000' })]),
    );
    mergeApiLayer(ev, { namespace: 'shop', name: 'web-0', raw: pod(new Date(end).toISOString()) });
    const f = find(diagnose(ev).findings, 'graceful-termination');
    expect(f.title).toMatch(/; PID 1 app blocks SIGTERM$/);
    expect(f.explanation).toContain("app (pid 1000) is its PID namespace's init with no SIGTERM handler and blocks SIGTERM (SigBlk bit 15)");
  });
});

describe("a pod's volume mounts read on the node", () => {
  const now = (BOOT + 7200) * 1000;
  const path = `/var/lib/kubelet/pods/${UID}/volumes/kubernetes.io~nfs/data`;
  const gone = (): Record<string, unknown> => pod(new Date(now - 60_000).toISOString(), 30, 'gone');

  it('become podMounts and mountHolders; holders outside the snapshot become tasks', () => {
    const ev = evidenceFromSnapshot(
      snapshot(
        now,
        [],
        [
          {
            pod_uid: UID,
            mount_point: path,
            volume: 'data',
            plugin: 'kubernetes.io/nfs',
            fs_type: 'nfs4',
            source: '10.0.0.5:/export',
            device: '0:61',
            root: '/',
            backend_status: 'ok',
            backend_error: '',
            backend_ms: 3,
            holders: [
              { pid: 4242, comm: 'node-exporter', state: 'S', start_time_ticks: 500, mount_ns: 4026532999, how: 'mount', path: `/host${path}`, pod_uid: 'other-pod', ppid: 4200, flags: 0x400100 },
            ],
          },
        ],
      ),
    );
    expect(ev.kube?.podMounts).toEqual([expect.objectContaining({ podUid: UID, volume: 'data', mountPoint: path, fsType: 'nfs4', backend: { status: 'ok', ms: 3 } })]);
    expect(ev.kube?.podMounts?.[0].line).toBe(`mount ${path} (nfs4 10.0.0.5:/export, 0:61): volume "data" of pod ${UID}; its filesystem answers statfs (3 ms)`);
    expect(ev.kube?.mountHolders).toEqual([
      expect.objectContaining({ pid: 4242, comm: 'node-exporter', how: 'mount', mountNs: '4026532999', podUid: UID, volume: 'data', holderPodUid: 'other-pod', state: 'S' }),
    ]);
    expect(ev.tasks.find((t) => t.tid === 4242)).toMatchObject({ comm: 'node-exporter', state: 'S', ppid: 4200, startTime: 500, podUid: 'other-pod' });
  });

  it("a copy held in another pod's mount namespace while the pod is being deleted: the holder, its namespace, a SIGKILL the verdict judges", () => {
    const ev = evidenceFromSnapshot(
      snapshot(
        now,
        [],
        [
          {
            pod_uid: UID,
            mount_point: path,
            volume: 'data',
            plugin: 'kubernetes.io/nfs',
            fs_type: 'nfs4',
            source: '10.0.0.5:/export',
            device: '0:61',
            root: '/',
            backend_status: 'ok',
            backend_error: '',
            backend_ms: 3,
            holders: [
              { pid: 4242, comm: 'node-exporter', state: 'S', start_time_ticks: 500, mount_ns: 4026532999, how: 'mount', path: `/host${path}`, pod_uid: 'other-pod', ppid: 4200, flags: 0x400100 },
              { pid: 4243, comm: 'node-exporter', state: 'S', start_time_ticks: 501, mount_ns: 4026532999, how: 'mount', path: `/host${path}`, pod_uid: 'other-pod', ppid: 4242, flags: 0x400100 },
            ],
          },
        ],
      ),
    );
    mergeApiLayer(ev, { namespace: 'shop', name: 'web-0', raw: gone() });
    const f = find(diagnose(ev).findings, 'volume-teardown-blocked');
    expect(f.title).toBe('Volume "data" of pod shop/web-0 is held: node-exporter (pid 4242) keeps it in mount namespace 4026532999');
    // The thread's "mounts" follow-up: the mount with its backend, the holders with their namespaces.
    const mounts = layerAnswer(ev, 'mounts', { uid: UID });
    expect(mounts).toContain(`mount ${path} (nfs4 10.0.0.5:/export, 0:61): volume "data" of pod ${UID}; its filesystem answers statfs (3 ms)`);
    expect(mounts).toContain(`held by node-exporter (pid 4242, S, pod other-pod) through its mount namespace 4026532999: /host${path}`);
    expect(f.explanation).toContain('node-exporter (pid 4242, mount namespace 4026532999, pod other-pod, S), which keeps a copy of it in its own mount namespace');
    expect(f.explanation).toContain('Its filesystem answers (statfs of');
    // Two processes share the namespace: killing one does not drop the copy.
    const kills = f.remediations.filter((r) => r.action === 'signal');
    expect(kills.map((r) => r.pid)).toEqual([4242, 4243]);
    expect(kills.every((r) => r.effective !== 'yes')).toBe(true);
  });

  it('a backend that does not answer, with a task in D on it: named, and no signal offered for the D task', () => {
    const ev = evidenceFromSnapshot(
      snapshot(
        now,
        [
          task(1500, 'ls', {
            state: 'D',
            container_id: '',
            wchan: 'rpc_wait_bit_killable',
            stack_read: true,
            stack: [
              { function: 'rpc_wait_bit_killable', offset: '+0x1e/0xa0', module: 'sunrpc', unreliable: false },
              { function: '__rpc_execute', offset: '+0x10a/0x3c0', module: 'sunrpc', unreliable: false },
              { function: 'nfs4_proc_getattr', offset: '+0x70/0x100', module: 'nfsv4', unreliable: false },
            ],
          }),
        ],
        [
          {
            pod_uid: UID,
            mount_point: path,
            volume: 'data',
            plugin: 'kubernetes.io/nfs',
            fs_type: 'nfs4',
            source: '10.0.0.5:/export',
            device: '0:61',
            root: '/',
            backend_status: 'timed-out',
            backend_error: `statfs ${path} did not return in 500 ms`,
            backend_ms: 500,
            holders: [{ pid: 1500, comm: 'ls', state: 'D', start_time_ticks: 700, mount_ns: 4026532100, how: 'cwd', path, pod_uid: UID, ppid: 1400, flags: 0x400100 }],
          },
        ],
      ),
    );
    mergeApiLayer(ev, { namespace: 'shop', name: 'web-0', raw: gone() });
    const f = find(diagnose(ev).findings, 'volume-teardown-blocked');
    expect(f.title).toBe('Volume "data" of pod shop/web-0 is held: its filesystem does not answer (timed-out)');
    expect(f.explanation).toContain(`Its filesystem does not answer: statfs ${path} did not return in 500 ms — the server or daemon behind nfs4 (10.0.0.5:/export) is gone or hung`);
    expect(f.explanation).toContain('Tasks in D on it: ls (pid 1500)');
    expect(f.remediations.find((r) => r.command?.startsWith('umount -l '))?.command).toBe(`umount -l '${path}'`);
    expect(f.remediations.filter((r) => r.action === 'signal' && r.effective === 'yes')).toEqual([]);
  });

  it('a mount nobody outside the pod holds, whose backend answers, is no finding', () => {
    const ev = evidenceFromSnapshot(
      snapshot(
        now,
        [],
        [
          {
            pod_uid: UID,
            mount_point: path,
            volume: 'data',
            plugin: 'kubernetes.io/nfs',
            fs_type: 'nfs4',
            source: '10.0.0.5:/export',
            device: '0:61',
            root: '/',
            backend_status: 'ok',
            backend_error: '',
            backend_ms: 3,
            holders: [{ pid: 1000, comm: 'app', state: 'S', start_time_ticks: 500, mount_ns: 4026532100, how: 'mount', path: '/data', pod_uid: UID, ppid: 800, flags: 0x400100 }],
          },
        ],
      ),
    );
    mergeApiLayer(ev, { namespace: 'shop', name: 'web-0', raw: gone() });
    expect(diagnose(ev).findings.filter((f) => f.id === 'volume-teardown-blocked')).toEqual([]);
  });
});
