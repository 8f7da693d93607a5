import { diagnose } from '../../../bot/src/diagnosis/engine';
import type { Diagnosis, Finding } from '../../../bot/src/diagnosis/finding';
import { emptyEvidence, emptyKubeEvidence, newTask, type Evidence, type Task } from '../../../bot/src/evidence/evidence';
import { readApiObject } from '../../../bot/src/paste/kube-api';

/**
 * What the runtime's own view (the collector's CRI section, in
 * `kube.runtime`) adds to a pod being deleted: a container still running
 * whose process is in D (runtime-kill-failed, linked to the kernel wait), a
 * sandbox left ready after its containers exited, a runtime that did not
 * answer. Evidence built as the live side builds it: the pod's API JSON
 * through readApiObject, the runtime records as runtime-from-snapshot.ts
 * writes them, tasks as from-snapshot.ts does.
 */
const UID = '3f2e1d0c-9b8a-4765-8432-10fedcba9876';
const CID = 'a1'.repeat(32);
const SID = 'b2'.repeat(32);
const find = (d: Diagnosis, id: string): Finding => {
  const f = d.findings.find((x) => x.id === id);
  if (!f) throw new Error(`no ${id} in ${d.findings.map((x) => x.id).join(', ')}: ${d.summary}`);
  return f;
};

function evidence(opts: { deletionTimestamp?: string; now: string }): Evidence {
  const ev = emptyEvidence('snapshot');
  ev.clock = { takenAtMs: Date.parse(opts.now) };
  const kube = (ev.kube = emptyKubeEvidence());
  kube.now = opts.now;
  readApiObject(
    kube,
    {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'web-0', namespace: 'shop', uid: UID, ...(opts.deletionTimestamp ? { deletionTimestamp: opts.deletionTimestamp, deletionGracePeriodSeconds: 30 } : {}), finalizers: [] },
      spec: { nodeName: 'node-a', containers: [{ name: 'app' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'app', containerID: `containerd://${CID}`, state: { running: { startedAt: '2026-12-01T10:00:00Z' } } }] },
    },
    'pod shop/web-0 (Kubernetes API)',
  );
  kube.runtime.sandboxes.push({
    id: SID,
    name: 'web-0',
    namespace: 'shop',
    podUid: UID,
    state: 'SANDBOX_READY',
    line: `containerd 1.6.20 (CRI): sandbox ${SID.slice(0, 13)} shop/web-0 SANDBOX_READY pid 4100`,
  });
  return ev;
}

function dTask(pid: number, ppid: number): Task {
  return {
    ...newTask(pid, 'stat'),
    pid,
    ppid,
    state: 'D',
    wchan: 'request_wait_answer',
    podUid: UID,
    containerId: CID,
    startTime: 123456,
    stack: ['request_wait_answer', '__fuse_simple_request', 'fuse_lookup_name', 'fuse_lookup', '__lookup_slow'].map((fn) => ({
      fn,
      offset: '+0x10/0x100',
      module: fn.includes('fuse') || fn === 'request_wait_answer' ? 'fuse' : '',
      unreliable: false,
    })),
  };
}

describe("runtime-kill-failed from the runtime's view", () => {
  it('a container the runtime still reports running, whose process is in D during deletion: the kill cannot take, linked to the kernel wait', () => {
    const ev = evidence({ deletionTimestamp: '2026-12-05T10:00:30Z', now: '2026-12-05T10:05:00Z' });
    ev.kube!.runtime.containers.push({
      id: CID,
      name: 'app',
      podSandboxId: SID,
      podUid: UID,
      state: 'CONTAINER_RUNNING',
      pid: 4242,
      line: `containerd 1.6.20 (CRI): container app ${CID.slice(0, 13)} CONTAINER_RUNNING pid 4242`,
    });
    ev.tasks.push({ ...newTask(4100, 'pause'), pid: 4100, ppid: 1, state: 'S', podUid: UID }, dTask(4242, 4100));
    const d = diagnose(ev);
    const f = find(d, 'runtime-kill-failed');
    expect(f.title).toBe('Runtime cannot stop the pod shop/web-0: container app still running, stat (pid 4242) in D in request_wait_answer');
    expect(f.explanation).toContain(
      'The runtime still reports container app of pod shop/web-0 running (pid 4242) although the pod is being deleted (deletionTimestamp 2026-12-05T10:00:30Z): stat (pid 4242) is in D in request_wait_answer [fuse] ← __fuse_simple_request [fuse]',
    );
    expect(f.explanation).toContain('the kernel finding about pid 4242 says what it waits for and what ends it');
    expect(f.tasks).toEqual([expect.objectContaining({ pid: 4242, role: 'blocker' })]);
    expect(f.evidence).toEqual(expect.arrayContaining([`containerd 1.6.20 (CRI): container app ${CID.slice(0, 13)} CONTAINER_RUNNING pid 4242`, '4242 stat state=D wchan=request_wait_answer']));
    // The kernel finding about the same task is there too: the two are one story.
    expect(d.findings.some((x) => x.id !== 'runtime-kill-failed' && x.tasks.some((t) => t.pid === 4242))).toBe(true);
    expect(f.remediations.some((r) => /Complete or fail the I\/O/.test(r.why))).toBe(true);
  });

  it("no deletion, no finding: a running container in D is the kernel findings' alone", () => {
    const ev = evidence({ now: '2026-12-05T10:05:00Z' });
    ev.kube!.runtime.containers.push({ id: CID, name: 'app', podSandboxId: SID, podUid: UID, state: 'CONTAINER_RUNNING', pid: 4242, line: 'x' });
    ev.tasks.push(dTask(4242, 1));
    expect(diagnose(ev).findings.map((f) => f.id)).not.toContain('runtime-kill-failed');
  });

  it('a sandbox left ready after its containers exited, past the grace period: the sandbox teardown holds the pod', () => {
    const ev = evidence({ deletionTimestamp: '2026-12-05T10:00:30Z', now: '2026-12-05T10:05:00Z' });
    ev.kube!.runtime.containers.push({
      id: CID,
      name: 'app',
      podSandboxId: SID,
      podUid: UID,
      state: 'CONTAINER_EXITED',
      exitCode: 0,
      finishedAt: '2026-12-05T10:00:05Z',
      line: `containerd 1.6.20 (CRI): container app ${CID.slice(0, 13)} CONTAINER_EXITED exit code 0`,
    });
    const f = find(diagnose(ev), 'runtime-kill-failed');
    expect(f.title).toBe(`Runtime cannot stop the pod shop/web-0: its containers are gone, sandbox ${SID.slice(0, 13)} still ready`);
    expect(f.explanation).toContain(`Pod shop/web-0's sandbox ${SID.slice(0, 13)} is still SANDBOX_READY although its container has exited and the grace period is over`);
    expect(f.remediations.find((r) => r.command?.startsWith('crictl inspectp'))!.command).toBe(`crictl inspectp ${SID}; journalctl -u kubelet -u containerd --since -1h | grep -i ${SID.slice(0, 13)}`);
  });

  it('inside the grace period a ready sandbox is the kubelet still at work: no finding', () => {
    const ev = evidence({ deletionTimestamp: '2026-12-05T10:06:00Z', now: '2026-12-05T10:05:40Z' });
    ev.kube!.runtime.containers.push({ id: CID, name: 'app', podSandboxId: SID, podUid: UID, state: 'CONTAINER_EXITED', line: 'x' });
    expect(diagnose(ev).findings.map((f) => f.id)).not.toContain('runtime-kill-failed');
  });

  it('a runtime that did not answer the collector: the pod being deleted cannot be stopped; the node-wide finding says the runtime hangs', () => {
    const ev = evidence({ deletionTimestamp: '2026-12-05T10:00:30Z', now: '2026-12-05T10:05:00Z' });
    ev.kube!.runtime.unanswered = 'the runtime at unix:///run/containerd/containerd.sock did not answer ListPodSandbox within 2000 ms';
    const d = diagnose(ev);
    const f = find(d, 'runtime-kill-failed');
    expect(f.title).toBe('Runtime cannot stop the pod shop/web-0: the container runtime does not answer (CRI)');
    expect(f.explanation).toContain(
      "The container runtime did not answer the collector's CRI calls (the runtime at unix:///run/containerd/containerd.sock did not answer ListPodSandbox within 2000 ms)",
    );
    expect(find(d, 'container-runtime-hang').title).toBe('Container runtime stuck: it does not answer its CRI socket');
  });
});
