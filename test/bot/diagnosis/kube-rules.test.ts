import { diagnose } from '../../../bot/src/diagnosis/engine';
import type { Diagnosis, Finding } from '../../../bot/src/diagnosis/finding';
import { createContext } from '../../../bot/src/diagnosis/context';
import { killVerdict } from '../../../bot/src/diagnosis/kill-verdict';
import { patchCommand } from '../../../bot/src/diagnosis/rules/finalizer-blocked';
import { shellQuote } from '../../../bot/src/diagnosis/shell-quote';
import { emptyEvidence, emptyKubeEvidence, type Evidence } from '../../../bot/src/evidence/evidence';
import { readApiObject } from '../../../bot/src/paste/kube-api';
import { parsePaste } from '../../../bot/src/paste/paste-reader';

/**
 * Issue 16: one rule per Kubernetes-level finding, reading the combined
 * evidence (pasted here, in the shapes people paste; built from API JSON for
 * the live side). Remediations never write to the API: kubectl commands are
 * suggestions (effective 'unknown'), signals go through the kill verdict.
 */
const paste = (...lines: string[]): string => lines.join('\n');
const ids = (d: Diagnosis): string[] => d.findings.map((f) => f.id);
const find = (d: Diagnosis, id: string): Finding => {
  const f = d.findings.find((x) => x.id === id);
  if (!f) throw new Error(`no ${id} in ${ids(d).join(', ')}: ${d.summary}`);
  return f;
};
const text = (f: Finding): string => [f.title, f.explanation, ...f.evidence].join('\n');

const JOB_POD = [
  '$ kubectl get pod -n nightly report-28519440-mz7qd -o yaml',
  'apiVersion: v1',
  'kind: Pod',
  'metadata:',
  '  deletionGracePeriodSeconds: 0',
  '  deletionTimestamp: "2024-04-02T03:11:52Z"',
  '  finalizers:',
  '  - batch.kubernetes.io/job-tracking',
  '  name: report-28519440-mz7qd',
  '  namespace: nightly',
  '  ownerReferences:',
  '  - apiVersion: batch/v1',
  '    controller: true',
  '    kind: Job',
  '    name: report-28519440',
  '    uid: 5e6f7a8b-1c2d-4e3f-9a0b-1c2d3e4f5a6b',
  '  uid: 7d8e9f0a-2b3c-4d5e-8f9a-0b1c2d3e4f5a',
  'spec:',
  '  nodeName: batch-7',
  'status:',
  '  phase: Succeeded',
];

describe('finalizer-blocked', () => {
  it('a Job pod with grace 0 and the job-tracking finalizer: the Job controller removes it; the exact patch', () => {
    const d = diagnose(parsePaste(paste(...JOB_POD)));
    expect(ids(d)).toEqual(['finalizer-blocked']);
    const f = find(d, 'finalizer-blocked');
    expect(f.severity).toBe('warning');
    expect(f.title).toContain('report-28519440-mz7qd');
    expect(f.title).toContain('batch.kubernetes.io/job-tracking');
    expect(f.title).toContain('the Job controller');
    expect(f.explanation).toMatch(/grace period is already 0/);
    const patch = f.remediations.find((r) => r.action === 'kubectl')!;
    expect(patch.command).toBe(
      `kubectl patch pod report-28519440-mz7qd -n nightly --type=json -p '[{"op":"test","path":"/metadata/finalizers/0","value":"batch.kubernetes.io/job-tracking"},{"op":"remove","path":"/metadata/finalizers/0"}]'`,
    );
    expect(patch.effective).toBe('unknown');
    expect(patch.why).toMatch(/does not write to the API/);
    expect(patch.why).toMatch(/Job may not count this pod/);
    expect(d.summary).toMatch(/^Pod nightly\/report-28519440-mz7qd is held by finalizer/);
  });

  it('the index of the second finalizer, and a finalizer of an operator whose pod runs', () => {
    const d = diagnose(
      parsePaste(
        paste(
          '$ kubectl get pods -A',
          'NAMESPACE   NAME                               READY   STATUS        RESTARTS   AGE',
          'ci          runner-abc12                       0/2     Terminating   0          3h',
          'ci-system   runner-operator-6d5c4b3a2-x8k2p    1/1     Running       0          9d',
          '$ kubectl get pod runner-abc12 -n ci -o json',
          JSON.stringify(
            {
              kind: 'Pod',
              metadata: { name: 'runner-abc12', namespace: 'ci', deletionTimestamp: '2024-04-02T03:00:00Z', finalizers: ['kubernetes.io/pvc-protection', 'runners.example.dev/deregister'] },
            },
            null,
            2,
          ),
        ),
      ),
    );
    const f = find(d, 'finalizer-blocked');
    expect(f.explanation).toContain('runners.example.dev');
    expect(f.explanation).toMatch(/runner-operator-6d5c4b3a2-x8k2p is Running \(1\/1 ready\): the controller runs but has not removed it/);
    const cmds = f.remediations.map((r) => r.command ?? '');
    expect(cmds).toContain(patchCommand({ name: 'runner-abc12', namespace: 'ci', containers: [], lines: [] }, 'runners.example.dev/deregister', 1));
    expect(cmds.join('\n')).toContain('"path":"/metadata/finalizers/1"');
  });

  it('named only in a sentence: the pods shown Terminating, an index guarded by the test op', () => {
    const d = diagnose(
      parsePaste(
        paste(
          'NAME          READY   STATUS        RESTARTS   AGE',
          'importer-0    0/1     Terminating   0          2d',
          'It only goes away once I delete the finalizer data.acme.io/export-lock from the pod.',
        ),
      ),
    );
    const f = find(d, 'finalizer-blocked');
    expect(f.title).toContain('importer-0');
    expect(f.confidence).toBeLessThan(0.7);
    expect(f.remediations.find((r) => r.action === 'kubectl')?.why).toMatch(/index 0 is a guess/);
  });

  it('still inside the grace period with containers running: the finalizer is not what holds it yet', () => {
    const d = diagnose(
      parsePaste(
        paste(
          '$ date',
          'Tue Apr  2 03:10:30 UTC 2024',
          '$ kubectl get pod -n nightly report-28519440-mz7qd -o yaml',
          ...JOB_POD.slice(1).map((l) => l.replace('deletionGracePeriodSeconds: 0', 'deletionGracePeriodSeconds: 120').replace('phase: Succeeded', 'phase: Running')),
          '  containerStatuses:',
          '  - name: report',
          '    ready: true',
          '    state:',
          '      running:',
          '        startedAt: "2024-04-02T02:00:00Z"',
        ),
      ),
    );
    expect(ids(d)[0]).toBe('graceful-termination');
    expect(find(d, 'graceful-termination').title).toMatch(/1 min left|82 s left/);
    expect(find(d, 'finalizer-blocked').severity).toBe('info');
  });
});

const NODE_DOWN = [
  '$ kubectl describe node worker-9',
  'Name:               worker-9',
  'Roles:              <none>',
  'Taints:             node.kubernetes.io/unreachable:NoExecute',
  '                    node.kubernetes.io/unreachable:NoSchedule',
  'Unschedulable:      false',
  'Conditions:',
  '  Type             Status    LastHeartbeatTime                 LastTransitionTime                Reason              Message',
  '  ----             ------    -----------------                 ------------------                ------              -------',
  '  Ready            Unknown   Tue, 02 Apr 2024 01:02:00 +0000   Tue, 02 Apr 2024 01:06:10 +0000   NodeStatusUnknown   Kubelet stopped posting node status.',
  '$ kubectl get pod db-1 -n data -o yaml',
  'apiVersion: v1',
  'kind: Pod',
  'metadata:',
  '  deletionGracePeriodSeconds: 30',
  '  deletionTimestamp: "2024-04-02T01:12:40Z"',
  '  name: db-1',
  '  namespace: data',
  '  ownerReferences:',
  '  - kind: StatefulSet',
  '    name: db',
  '    controller: true',
  'spec:',
  '  nodeName: worker-9',
  'status:',
  '  phase: Running',
];

describe('node-unreachable', () => {
  it('heartbeat age, taints, the StatefulSet risk of a force delete, and the out-of-service taint', () => {
    const d = diagnose(parsePaste(paste(...NODE_DOWN, '$ date -u', 'Tue Apr  2 03:02:00 UTC 2024')));
    expect(ids(d)).toEqual(['node-unreachable']);
    const f = find(d, 'node-unreachable');
    expect(f.title).toBe('Node worker-9 is not ready: pod data/db-1 stays Terminating until its kubelet returns');
    expect(f.explanation).toMatch(/Ready Unknown/);
    expect(f.explanation).toMatch(/last heartbeat was Tue, 02 Apr 2024 01:02:00 \+0000, 2 h before this evidence was taken/);
    expect(f.explanation).toContain('node.kubernetes.io/unreachable:NoExecute');
    const force = f.remediations.find((r) => r.command?.includes('--force'))!;
    expect(force).toMatchObject({ action: 'kubectl', effective: 'unknown', risk: 'high', command: 'kubectl delete pod db-1 -n data --grace-period=0 --force' });
    expect(force.why).toMatch(/StatefulSet pod.*two writers/);
    expect(f.remediations.map((r) => r.command)).toContain('kubectl taint nodes worker-9 node.kubernetes.io/out-of-service=nodeshutdown:NoExecute');
    // The pod is inside no grace period the kubelet could run: not graceful termination.
    expect(ids(d)).not.toContain('graceful-termination');
  });

  it('leads before a finalizer the pod also has', () => {
    const withFinalizer = NODE_DOWN.map((l) => (l === '  name: db-1' ? '  finalizers:\n  - example.com/backup\n  name: db-1' : l)).join('\n');
    const d = diagnose(parsePaste(withFinalizer));
    expect(ids(d)).toEqual(['node-unreachable', 'finalizer-blocked']);
    expect(find(d, 'finalizer-blocked').severity).toBe('info');
  });

  it('a kubelet that reports its node not ready (PLEG) is up: not unreachable', () => {
    const d = diagnose(
      parsePaste(
        paste(
          'Name:               worker-2',
          'Roles:              worker',
          'Conditions:',
          '  Type             Status  LastHeartbeatTime                 LastTransitionTime                Reason              Message',
          '  Ready            False   Tue, 02 Apr 2024 03:00:00 +0000   Tue, 02 Apr 2024 02:40:00 +0000   KubeletNotReady     PLEG is not healthy: pleg was last seen active 3m0s ago',
        ),
      ),
    );
    expect(ids(d)).not.toContain('node-unreachable');
  });

  it('a NodeNotReady event row and `get nodes` tie the pod to its node', () => {
    const d = diagnose(
      parsePaste(
        paste(
          '$ kubectl get events -n web',
          'LAST SEEN   TYPE      REASON         OBJECT              MESSAGE',
          '20m         Warning   NodeNotReady   pod/front-5d9-abc   Node is not ready',
          '$ kubectl get nodes',
          'NAME      STATUS     ROLES    AGE   VERSION',
          'edge-1    NotReady   <none>   60d   v1.27.4',
          'edge-2    Ready      <none>   60d   v1.27.4',
          '$ kubectl get pods -n web',
          'NAME            READY   STATUS        RESTARTS   AGE',
          'front-5d9-abc   1/1     Terminating   0          60d',
        ),
      ),
    );
    const f = find(d, 'node-unreachable');
    expect(text(f)).toContain('front-5d9-abc');
    expect(text(f)).toContain('edge-1');
  });
});

describe('graceful-termination', () => {
  const status = (pid: number, caught: string) => [
    `$ cat /proc/${pid}/status`,
    'Name:\tjava',
    'State:\tS (sleeping)',
    `Tgid:\t${pid}`,
    `Pid:\t${pid}`,
    'PPid:\t4100',
    `NSpid:\t${pid}\t1`,
    'SigPnd:\t0000000000000000',
    'ShdPnd:\t0000000000000000',
    'SigBlk:\t0000000000000000',
    'SigIgn:\t0000000000000000',
    `SigCgt:\t${caught}`,
  ];
  const POD = (grace: number, end: string) => [
    '$ kubectl get pod ingest-7f6d5-2kqwz -n stream -o json',
    JSON.stringify(
      {
        kind: 'Pod',
        metadata: { name: 'ingest-7f6d5-2kqwz', namespace: 'stream', deletionTimestamp: end, deletionGracePeriodSeconds: grace, finalizers: [] },
        spec: { nodeName: 'n3', terminationGracePeriodSeconds: grace },
        status: { phase: 'Running', containerStatuses: [{ name: 'ingest', ready: true, state: { running: { startedAt: '2024-04-01T00:00:00Z' } } }] },
      },
      null,
      2,
    ),
  ];

  it('inside its grace period: the time left, and PID 1 without a SIGTERM handler never sees it', () => {
    const d = diagnose(parsePaste(paste('$ date', 'Tue Apr  2 03:00:00 UTC 2024', ...POD(600, '2024-04-02T03:08:00Z'), ...status(52011, '0000000000000000'))));
    expect(ids(d)).toEqual(['graceful-termination']);
    const f = find(d, 'graceful-termination');
    expect(f.title).toBe('Pod stream/ingest-7f6d5-2kqwz is inside its grace period (10 min): 8 min left before SIGKILL; PID 1 java has no SIGTERM handler');
    // The kubelet waits out the whole period: when SIGKILL comes, and how long from the evidence's time.
    expect(f.explanation).toMatch(/waits out the whole grace period — SIGKILL at 2024-04-02T03:08:00Z, 8 min from when this evidence was taken/);
    expect(f.tasks).toEqual([expect.objectContaining({ pid: 52011, role: 'init' })]);
    expect(f.explanation).toMatch(/java \(pid 52011\) is its PID namespace's init and has no SIGTERM handler/);
    expect(f.explanation).toMatch(/deletion was asked for at 2024-04-02T02:58:00Z/);
    expect(f.remediations.every((r) => r.action !== 'signal' && r.effective !== 'yes')).toBe(true);
  });

  it('a handler (SigCgt bit 15) leaves it to the program', () => {
    const d = diagnose(parsePaste(paste('$ date', 'Tue Apr  2 03:00:00 UTC 2024', ...POD(600, '2024-04-02T03:08:00Z'), ...status(52011, '0000000000004002'))));
    expect(find(d, 'graceful-termination').explanation).toMatch(/catches SIGTERM \(SigCgt\)/);
  });

  it('past the end of the grace period it is not a grace period any more', () => {
    const d = diagnose(parsePaste(paste('$ date', 'Tue Apr  2 04:00:00 UTC 2024', ...POD(600, '2024-04-02T03:08:00Z'))));
    expect(ids(d)).not.toContain('graceful-termination');
  });

  it('a preStop hook that fails makes it a warning', () => {
    const d = diagnose(
      parsePaste(
        paste(
          ...POD(120, '2024-04-02T03:08:00Z'),
          '$ kubectl get events -n stream',
          'LAST SEEN   TYPE      REASON              OBJECT                   MESSAGE',
          "1m          Warning   FailedPreStopHook   pod/ingest-7f6d5-2kqwz   PreStop hook for container ingest failed: command '/drain.sh' exited with 1",
        ),
      ),
    );
    const f = find(d, 'graceful-termination');
    expect(f.severity).toBe('warning');
    expect(f.explanation).toMatch(/preStop hook failed/);
  });

  it('not when tasks are stuck in the kernel, a runtime error or a volume error holds the pod', () => {
    const stuck = diagnose(
      parsePaste(
        paste(
          ...POD(600, '2024-04-02T03:08:00Z'),
          '$ ps -eo pid,ppid,stat,wchan:32,comm',
          '  PID  PPID STAT WCHAN                            COMMAND',
          '52011  4100 D    request_wait_answer              java',
        ),
      ),
    );
    expect(ids(stuck)).not.toContain('graceful-termination');
    const runtime = diagnose(
      parsePaste(
        paste(
          ...POD(600, '2024-04-02T03:08:00Z'),
          'Apr 02 03:01:00 n3 kubelet[900]: E0402 03:01:00.1 900 kuberuntime_manager.go:1] "KillPodSandbox failed" err="rpc error: code = DeadlineExceeded desc = context deadline exceeded"',
        ),
      ),
    );
    expect(ids(runtime)).toEqual(['runtime-kill-failed']);
  });
});

describe('volume-teardown-blocked', () => {
  const TEARDOWN =
    'Apr 02 03:05:11 n3 kubelet[900]: E0402 03:05:11.204518     900 nestedpendingoperations.go:348] Operation for "{volumeName:kubernetes.io/configmap/3c2b1a09-8f7e-4d6c-b5a4-392817161514-settings podName:3c2b1a09-8f7e-4d6c-b5a4-392817161514 nodeName:}" failed. No retries permitted until 2024-04-02 03:07:13.2 +0000 UTC m=+86.2 (durationBeforeRetry 2m2s). Error: UnmountVolume.TearDown failed for volume "settings" (UniqueName: "kubernetes.io/configmap/3c2b1a09-8f7e-4d6c-b5a4-392817161514-settings") pod "3c2b1a09-8f7e-4d6c-b5a4-392817161514" (UID: "3c2b1a09-8f7e-4d6c-b5a4-392817161514") : unlinkat /var/lib/kubelet/pods/3c2b1a09-8f7e-4d6c-b5a4-392817161514/volumes/kubernetes.io~configmap/settings: device or resource busy';
  const HOLDER = [
    '$ cat /proc/8812/mountinfo | grep 3c2b1a09',
    '3310 2904 0:211 / /host/var/lib/kubelet/pods/3c2b1a09-8f7e-4d6c-b5a4-392817161514/volumes/kubernetes.io~configmap/settings ro,relatime - tmpfs tmpfs rw',
  ];

  it("EBUSY with the task whose mount namespace holds it; the signal is the verdict's", () => {
    const ev = parsePaste(paste(TEARDOWN, ...HOLDER, '$ ps -o pid,ppid,stat,wchan:20,comm -p 8812', '  PID  PPID STAT WCHAN                COMMAND', ' 8812  8790 Ssl  futex_wait_queue     promtail'));
    const d = diagnose(ev);
    expect(ids(d)).toEqual(['volume-teardown-blocked']);
    const f = find(d, 'volume-teardown-blocked');
    expect(f.title).toBe('Volume "settings" of pod 3c2b1a09-8f7e-4d6c-b5a4-392817161514 cannot be torn down: EBUSY, held by promtail');
    expect(f.tasks).toEqual([expect.objectContaining({ pid: 8812, comm: 'promtail', role: 'blocker' })]);
    const sig = f.remediations.find((r) => r.action === 'signal')!;
    expect(sig).toMatchObject({ pid: 8812, signal: 'SIGKILL', command: 'kill -9 8812' });
    expect(sig.effective).toBe(
      killVerdict(
        ev.tasks.find((t) => t.tid === 8812)!,
        createContext(ev),
        'SIGKILL',
      ).effective,
    );
    expect(f.remediations.map((r) => r.command)).toContain('grep -l -F 3c2b1a09-8f7e-4d6c-b5a4-392817161514 /proc/[0-9]*/mountinfo');
  });

  it('a holder stuck in D is never offered a signal that works', () => {
    const d = diagnose(parsePaste(paste(TEARDOWN, ...HOLDER, '  PID  PPID STAT WCHAN                COMMAND', ' 8812  8790 D    rwsem_down_read_slow promtail')));
    const f = find(d, 'volume-teardown-blocked');
    for (const r of f.remediations) if (r.pid === 8812) expect(r.effective).toBe('no');
  });

  it('a stale NFS handle in subPath clean-up: umount -l of the quoted path', () => {
    const d = diagnose(
      parsePaste(
        paste(
          'The pod has been Terminating since the NFS server was rebooted:',
          'Apr 02 03:05:11 n3 kubelet[900]: E0402 03:05:11.2 900 kubelet_volumes.go:1] "error cleaning subPath mounts for volume \\"my data\\" (UniqueName: \\"kubernetes.io/nfs/3c2b1a09-8f7e-4d6c-b5a4-392817161514-my data\\") pod \\"3c2b1a09-8f7e-4d6c-b5a4-392817161514\\" : error deleting /var/lib/kubelet/pods/3c2b1a09-8f7e-4d6c-b5a4-392817161514/volume-subpaths/my-data/app/0: lstat /var/lib/kubelet/pods/3c2b1a09-8f7e-4d6c-b5a4-392817161514/volume-subpaths/my-data/app/0: stale NFS file handle"',
        ),
      ),
    );
    const f = find(d, 'volume-teardown-blocked');
    expect(f.title).toContain('ESTALE');
    expect(f.remediations.map((r) => r.command)).toContain('umount -l /var/lib/kubelet/pods/3c2b1a09-8f7e-4d6c-b5a4-392817161514/volume-subpaths/my-data/app/0');
  });

  it("EIO on a CSI mount: the device's mounts, the pod's first; the backend fault too", () => {
    const d = diagnose(
      parsePaste(
        paste(
          'pod is stuck terminating after the disk went away',
          '# mount | grep nvme2n1',
          '/dev/nvme2n1 on /var/lib/kubelet/plugins/kubernetes.io/csi/pv/pvc-5b6a/globalmount type ext4 (rw,relatime)',
          '/dev/nvme2n1 on /var/lib/kubelet/pods/3c2b1a09-8f7e-4d6c-b5a4-392817161514/volumes/kubernetes.io~csi/pvc-5b6a/mount type ext4 (rw,relatime)',
          "ls: cannot access '/var/lib/kubelet/plugins/kubernetes.io/csi/pv/pvc-5b6a/globalmount': Input/output error",
        ),
      ),
    );
    expect(ids(d)).toEqual(expect.arrayContaining(['volume-teardown-blocked', 'storage-backend-fault']));
    const cmd = find(d, 'volume-teardown-blocked').remediations.find((r) => r.command?.startsWith('umount'))!.command!;
    expect(cmd).toBe(
      "umount '/var/lib/kubelet/pods/3c2b1a09-8f7e-4d6c-b5a4-392817161514/volumes/kubernetes.io~csi/pvc-5b6a/mount'; umount /var/lib/kubelet/plugins/kubernetes.io/csi/pv/pvc-5b6a/globalmount",
    );
  });
});

describe('runtime-kill-failed', () => {
  it("FailedKillPod in the events with the CNI plugin named, and the runtime's exited container", () => {
    const d = diagnose(
      parsePaste(
        paste(
          '$ kubectl describe pod api-7b9c-xk2p -n edge',
          'Name:         api-7b9c-xk2p',
          'Namespace:    edge',
          'Node:         n5/10.0.0.5',
          'Status:       Terminating (lasts 26h)',
          'Events:',
          '  Type     Reason         Age                  From     Message',
          '  ----     ------         ----                 ----     -------',
          '  Warning  FailedKillPod  90s (x700 over 26h)  kubelet  error killing pod: failed to "KillPodSandbox" for "9a8b7c6d-0000-4000-8000-000000000001" with KillPodSandboxError: "rpc error: code = Unknown desc = failed to destroy network for sandbox \\"5e5e\\": plugin type=\\"cilium-cni\\" failed (delete): unable to connect to Cilium daemon"',
          '$ crictl ps -a --pod 5e5e5e5e5e5e5',
          'CONTAINER       IMAGE           CREATED        STATE     NAME   ATTEMPT   POD ID          POD',
          '1a2b3c4d5e6f7   7f6e5d4c3b2a1   27 hours ago   Exited    api    0         5e5e5e5e5e5e5   api-7b9c-xk2p',
        ),
      ),
    );
    expect(ids(d)).toEqual(['runtime-kill-failed']);
    const f = find(d, 'runtime-kill-failed');
    expect(f.title).toBe('Runtime cannot stop the pod edge/api-7b9c-xk2p: cilium-cni CNI DEL fails');
    expect(f.explanation).toMatch(/container already exited/);
    expect(f.remediations.find((r) => r.command?.includes('--force'))?.effective).toBe('no');
  });
});

describe('live evidence and pastes agree', () => {
  it('the same API objects read from the API or pasted give the same findings', () => {
    const pod = {
      kind: 'Pod',
      metadata: {
        name: 'report-28519440-mz7qd',
        namespace: 'nightly',
        deletionTimestamp: '2024-04-02T03:11:52Z',
        deletionGracePeriodSeconds: 0,
        finalizers: ['batch.kubernetes.io/job-tracking'],
        ownerReferences: [{ kind: 'Job', name: 'report-28519440', controller: true }],
      },
      spec: { nodeName: 'batch-7' },
      status: { phase: 'Succeeded' },
    };
    const node = { kind: 'Node', metadata: { name: 'batch-7' }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    const live: Evidence = emptyEvidence('snapshot');
    live.kube = emptyKubeEvidence();
    readApiObject(live.kube, pod, 'api: pods/report-28519440-mz7qd');
    readApiObject(live.kube, node, 'api: nodes/batch-7');
    const pasted = parsePaste(paste('$ kubectl get pod,node -o json', JSON.stringify({ kind: 'List', items: [pod, node] }, null, 2)));
    const a = diagnose(live);
    const b = diagnose(pasted);
    expect(ids(a)).toEqual(['finalizer-blocked']);
    expect(ids(b)).toEqual(ids(a));
    expect(b.findings[0].title).toBe(a.findings[0].title);
    expect(b.findings[0].remediations.map((r) => r.command)).toEqual(a.findings[0].remediations.map((r) => r.command));
  });
});

describe('commands quote what a tenant named', () => {
  const PAYLOADS = ["it's", '$(reboot)', '; halt', 'a b', '`id`', '"x"', '*'];
  it('pod, namespace, node, finalizer and volume names only ever appear shell-quoted', () => {
    for (const p of PAYLOADS) {
      const ev: Evidence = emptyEvidence('snapshot');
      const kube = (ev.kube = emptyKubeEvidence());
      const pod = `web${p}`;
      const ns = `ns${p}`;
      const node = `node${p}`;
      const finalizer = `example.com/f${p}`;
      kube.pods.push({
        name: pod,
        namespace: ns,
        node,
        deletionTimestamp: '2024-01-01T00:00:00Z',
        deletionGracePeriodSeconds: 0,
        finalizers: [finalizer],
        ownerReferences: [{ kind: 'StatefulSet', name: 'web' }],
        containers: [],
        lines: [],
      });
      kube.nodes.push({ name: node, ready: 'Unknown', taints: [], lines: [] });
      const path = `/var/lib/kubelet/pods/x/volume-subpaths/v${p}/c/0`;
      kube.volumes.push({ volume: `v${p}`, operation: 'subpath-cleanup', error: 'stale', errno: 'ESTALE', pod, namespace: ns, path, count: 1, line: 'l' });
      const d = diagnose(ev);
      const quoted = [pod, ns, node, path].map(shellQuote);
      for (const f of d.findings) {
        for (const r of f.remediations) {
          if (!r.command) continue;
          let rest = r.command;
          for (const q of quoted) rest = rest.split(q).join('');
          // The finalizer travels inside the quoted JSON patch.
          rest = rest.replace(/ -p '(?:[^']|'\\'')*'/g, '');
          expect({ cmd: r.command, leak: rest.includes(p) }).toEqual({ cmd: r.command, leak: false });
        }
      }
      expect(ids(d)).toEqual(expect.arrayContaining(['node-unreachable', 'volume-teardown-blocked', 'finalizer-blocked']));
    }
  });
});
