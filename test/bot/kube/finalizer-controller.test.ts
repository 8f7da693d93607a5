import { diagnoseApiOnly } from '../../../bot/src/diagnosis/entry';
import type { Finding } from '../../../bot/src/diagnosis/finding';
import { controllerSearch, nameMatch } from '../../../bot/src/kube/finalizer-controllers';
import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { startFakeKubeApi, type FakeKubeApi, type FakePod } from '../../helpers/bot/fake-kube-api';

/**
 * Issue 16, finalizer-blocked read live: whether the controller that should
 * remove a deleting pod's finalizer is alive — its pods (by its own labels
 * for kube-controller-manager, by a Deployment named like the finalizer for
 * an operator's) and their recent events, read from a fake API server that
 * speaks the real paths and JSON. Running, crash-looping, absent and a read
 * that fails are four different answers.
 */
const UID = '3e1f0a2b-7c6d-4e5f-8a9b-0c1d2e3f4a5b';

const deleting = (finalizers: string[], extra: Partial<FakePod> = {}): FakePod => ({
  namespace: 'shop',
  name: 'db-0',
  uid: UID,
  nodeName: 'node-a',
  deletionTimestamp: '2026-11-24T03:00:30Z',
  deletionGracePeriodSeconds: 0,
  finalizers,
  containers: [{ name: 'db', id: 'c0ffee', state: 'terminated', exitCode: 0 }],
  ...extra,
});

const operatorPod = (containers: FakePod['containers']): FakePod => ({
  namespace: 'example-system',
  name: 'example-operator-6b8f9d7c5-q4x2z',
  uid: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',
  nodeName: 'node-b',
  labels: { 'app.kubernetes.io/name': 'example-operator', 'pod-template-hash': '6b8f9d7c5' },
  containers,
});

const kcmPod = (containers: FakePod['containers']): FakePod => ({
  namespace: 'kube-system',
  name: 'kube-controller-manager-cp-1',
  uid: '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e',
  nodeName: 'cp-1',
  labels: { component: 'kube-controller-manager', tier: 'control-plane' },
  containers,
});

const CRASHING = [
  { name: 'manager', id: 'dead01', state: 'waiting' as const, reason: 'CrashLoopBackOff', restartCount: 14, lastState: { exitCode: 1, reason: 'Error', finishedAt: '2026-11-24T03:04:10Z' } },
];
const RUNNING = [{ name: 'manager', id: 'a11ve1', ready: true }];

describe('finalizer-blocked: the controller that should remove the finalizer, read live', () => {
  let kube: FakeKubeApi;
  beforeEach(async () => {
    kube = await startFakeKubeApi();
    kube.addNode({ name: 'node-a' });
    // Deployments a name match must not pick: the pod's own (its ReplicaSet is named after it) and unrelated ones.
    kube.addDeployment({ namespace: 'shop', name: 'web', matchLabels: { app: 'web' } });
    kube.addDeployment({ namespace: 'monitoring', name: 'kube-state-metrics', matchLabels: { app: 'kube-state-metrics' } });
  });
  afterEach(async () => {
    await kube.close();
  });

  async function answer(deadlineMs = 1000): Promise<{ f: Finding; text: string }> {
    const lookup = createKubeLookup({ kubeconfig: kube.kubeconfig, deadlineMs });
    const got = await lookup.getPod('shop', 'db-0');
    if (got.status !== 'ok') throw new Error(got.message);
    const layer = await lookup.readLayer!(got.value)!.settle(3000);
    const d = diagnoseApiOnly(got.value, layer, 'no collector in this test')!;
    const f = d.diagnosis.findings.find((x) => x.id === 'finalizer-blocked')!;
    expect(f).toBeDefined();
    return { f, text: [f.title, f.explanation, ...f.evidence, ...f.remediations.map((r) => `${r.why} ${r.command ?? ''}`)].join('\n') };
  }

  describe("an operator's finalizer (example.com/backup-guard): a Deployment named like its domain", () => {
    beforeEach(() => {
      kube.addPod(deleting(['example.com/backup-guard'], { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'example-web-5d8f7c', uid: 'rs-1', controller: true }] }));
      // The pod's own Deployment is named like the domain too: never taken for the controller.
      kube.addDeployment({ namespace: 'shop', name: 'example-web', matchLabels: { app: 'example-web' } });
    });

    it('running: its pod is named, and the answer is that it runs but has not removed it — read its log', async () => {
      kube.addDeployment({ namespace: 'example-system', name: 'example-operator', matchLabels: { 'app.kubernetes.io/name': 'example-operator' } });
      kube.addPod(operatorPod(RUNNING));
      const { f, text } = await answer();
      expect(f.explanation).toContain(
        'Controller the controller of example.com: 1 pod Running (example-system/example-operator-6b8f9d7c5-q4x2z, 1/1 ready) — by name, Deployment example-system/example-operator (its name matches "example"; 1/1 replicas ready)',
      );
      expect(f.explanation).toContain('It runs but has not removed it: its log says why');
      expect(f.remediations.map((r) => r.command)).toContain('kubectl logs example-operator-6b8f9d7c5-q4x2z -n example-system --all-containers --tail=200');
      expect(f.title).not.toMatch(/not running/);
      expect(text).not.toContain('shop/example-web');
      // Pods were listed by the Deployment's selector in its namespace; events of the running pod were read.
      expect(kube.requests.map(decodeURIComponent)).toEqual(
        expect.arrayContaining([
          'GET /apis/apps/v1/deployments?limit=500',
          'GET /api/v1/namespaces/example-system/pods?labelSelector=app.kubernetes.io/name=example-operator&limit=20',
          'GET /api/v1/namespaces/example-system/events?fieldSelector=involvedObject.uid=5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d&limit=10',
        ]),
      );
    });

    it('crash-looping: its restarts, its last exit and its BackOff events; the title says it is not running', async () => {
      kube.addDeployment({ namespace: 'example-system', name: 'example-operator', matchLabels: { 'app.kubernetes.io/name': 'example-operator' }, readyReplicas: 0 });
      kube.addPod(operatorPod(CRASHING));
      kube.addEvent({
        namespace: 'example-system',
        involved: { kind: 'Pod', name: 'example-operator-6b8f9d7c5-q4x2z', uid: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d' },
        type: 'Warning',
        reason: 'BackOff',
        message: 'Back-off restarting failed container manager in pod example-operator-6b8f9d7c5-q4x2z_example-system(5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d)',
        count: 61,
        source: 'kubelet',
      });
      const { f } = await answer();
      expect(f.title).toBe('Pod shop/db-0 is held by finalizer example.com/backup-guard (the controller that owns the example.com domain removes it); the controller of example.com is not running');
      expect(f.explanation).toContain(
        'Controller the controller of example.com: CrashLoopBackOff — example-system/example-operator-6b8f9d7c5-q4x2z is in CrashLoopBackOff (14 restarts, last exit Error (code 1) at 2026-11-24T03:04:10Z)',
      );
      expect(f.explanation).toContain('its recent events: BackOff ×61 on example-operator-6b8f9d7c5-q4x2z: "Back-off restarting failed container manager');
      expect(f.explanation).toContain('It is not running, so nothing removes the finalizer: fix the controller first');
      expect(f.remediations.map((r) => r.command)).toContain('kubectl logs example-operator-6b8f9d7c5-q4x2z -n example-system --all-containers --previous --tail=200');
      // The patch is still there, with what it skips.
      expect(f.remediations.some((r) => r.action === 'kubectl' && r.command?.startsWith('kubectl patch pod db-0 -n shop'))).toBe(true);
    });

    it('absent: none found, how it was looked for, and what that can mean — a guess by name, said as one', async () => {
      const { f } = await answer();
      expect(f.explanation).toContain(
        'Controller the controller of example.com: none found (looked for a Deployment named like "example.com/backup-guard" (a guess by name, among 3 Deployments of the cluster)) — its controller may be named otherwise',
      );
      expect(f.explanation).toMatch(/or be gone \(uninstalled before the pods it finalizes\)/);
    });

    it('a Deployment scaled to 0 is a controller with no pod', async () => {
      kube.addDeployment({ namespace: 'example-system', name: 'example-operator', matchLabels: { 'app.kubernetes.io/name': 'example-operator' }, replicas: 0 });
      const { f } = await answer();
      expect(f.explanation).toContain('none found (looked for a Deployment named like "example.com/backup-guard"');
      expect(f.explanation).toContain('Deployment example-system/example-operator is scaled to 0 replicas: nothing runs it');
    });

    it('the read failing (RBAC): not read, and why — named under the answer too', async () => {
      kube.fault(/^\/apis\/apps\/v1\/deployments$/, {
        status: 403,
        message: 'deployments.apps is forbidden: User "system:serviceaccount:whystuck:whystuck-bot" cannot list resource "deployments" in API group "apps" at the cluster scope',
      });
      const { f } = await answer();
      expect(f.explanation).toContain(
        'Controller the controller of example.com: not read (the bot may not list deployments.apps in the cluster (RBAC: grant "list" on deployments.apps to the bot\'s service account)), so whether it runs is not known',
      );
    });

    it('the read not answering: not read within its deadline', async () => {
      kube.fault(/^\/apis\/apps\/v1\/deployments$/, { hang: true });
      const { f } = await answer(300);
      expect(f.explanation).toContain('Controller the controller of example.com: not read (no answer within 300 ms)');
    });
  });

  describe('a well-known finalizer (batch.kubernetes.io/job-tracking): kube-controller-manager by its labels', () => {
    beforeEach(() => {
      kube.addPod(deleting(['batch.kubernetes.io/job-tracking'], { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'report-1', uid: 'job-1', controller: true }] }));
    });

    it('running, crash-looping, absent and the read failing are four distinct answers', async () => {
      const said: string[] = [];
      kube.addPod(kcmPod(RUNNING));
      said.push((await answer()).f.explanation);
      kube.addPod(kcmPod([{ ...CRASHING[0], name: 'kube-controller-manager' }]));
      said.push((await answer()).f.explanation);
      const crash = await answer();
      // The same pod without the controller's label: nothing matches the selector.
      kube.addPod({ ...kcmPod(RUNNING), labels: { tier: 'control-plane' } });
      said.push((await answer()).f.explanation);
      kube.fault(/^\/api\/v1\/namespaces\/kube-system\/pods$/, { status: 500, message: 'etcdserver: request timed out' });
      said.push((await answer()).f.explanation);

      const controllerSentence = (e: string): string => /Controller kube-controller-manager \(the Job controller\): [^]*?(?=\.(?: |$))/.exec(e)?.[0] ?? '';
      const sentences = said.map(controllerSentence);
      expect(sentences[0]).toBe('Controller kube-controller-manager (the Job controller): 1 pod Running (kube-system/kube-controller-manager-cp-1, 1/1 ready)');
      expect(sentences[1]).toBe(
        'Controller kube-controller-manager (the Job controller): CrashLoopBackOff — kube-system/kube-controller-manager-cp-1 is in CrashLoopBackOff (14 restarts, last exit Error (code 1) at 2026-11-24T03:04:10Z)',
      );
      expect(sentences[2]).toMatch(
        /^Controller kube-controller-manager \(the Job controller\): none found \(looked for pods in kube-system with component=kube-controller-manager\) — a managed control plane \(EKS, GKE, AKS …\) runs it outside the cluster/,
      );
      expect(sentences[3]).toMatch(
        /^Controller kube-controller-manager \(the Job controller\): not read \(Kubernetes API http:\/\/127\.0\.0\.1:\d+ answered 500: etcdserver: request timed out \(list pods\)\), so whether it runs is not known$/,
      );
      expect(new Set(sentences).size).toBe(4);
      expect(crash.f.title).toMatch(/; kube-controller-manager \(the Job controller\) is not running$/);
      // The Job controller's own words stay: who it is and what it does.
      for (const e of said) expect(e).toContain('"batch.kubernetes.io/job-tracking" is removed by the Job controller (kube-controller-manager), for Job report-1');
      expect(kube.requests.map(decodeURIComponent)).toContain('GET /api/v1/namespaces/kube-system/pods?labelSelector=component=kube-controller-manager&limit=20');
      // No Deployment is listed for a controller known by its labels.
      expect(kube.requests.filter((r) => r.includes('/deployments'))).toEqual([]);
    });
  });

  it('two finalizers of one controller are one look; a controller look per controller', async () => {
    kube.addPod(deleting(['foregroundDeletion', 'kubernetes.io/pvc-protection', 'example.com/backup-guard']));
    kube.addPod(kcmPod(RUNNING));
    const lookup = createKubeLookup({ kubeconfig: kube.kubeconfig, deadlineMs: 1000 });
    const got = await lookup.getPod('shop', 'db-0');
    if (got.status !== 'ok') throw new Error(got.message);
    const layer = await lookup.readLayer!(got.value)!.settle(3000);
    expect(layer.controllers.map((c) => c.finalizers).sort()).toEqual([['example.com/backup-guard'], ['foregroundDeletion', 'kubernetes.io/pvc-protection']]);
    expect(kube.requests.filter((r) => r.includes('labelSelector=component')).length).toBe(1);
  });
});

describe('finalizer-controllers: how a finalizer names its controller', () => {
  const score = (f: string, ns: string, name: string): number => {
    const s = controllerSearch(f);
    if (s.by !== 'names') throw new Error(`${f} is found by labels`);
    return nameMatch(s, ns, name).score;
  };

  it("kube-controller-manager's finalizers by its labels; others by name", () => {
    for (const f of ['batch.kubernetes.io/job-tracking', 'foregroundDeletion', 'orphan', 'kubernetes.io/pvc-protection', 'kubernetes']) {
      expect(controllerSearch(f)).toMatchObject({ by: 'labels', namespace: 'kube-system', selector: 'component=kube-controller-manager' });
    }
    expect(controllerSearch('snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection').by).toBe('names');
  });

  it("a domain word in the name wins; an operator before a workload; the finalizer's own words only for a controller-like name", () => {
    expect(score('example.com/backup-guard', 'example-system', 'example-operator')).toBeGreaterThan(score('example.com/backup-guard', 'shop', 'example-web'));
    expect(score('example.com/backup-guard', 'shop', 'web')).toBe(0);
    // Argo Workflows' pod finalizer: its controller is "workflow-controller" in "argo".
    expect(score('workflows.argoproj.io/status', 'argo', 'workflow-controller')).toBeGreaterThan(0);
    // The GitHub runner operator (k8s-03): the domain says nothing, the finalizer's name does, for an operator.
    expect(score('garo.tietoevry.com/runner-registration', 'github-actions-runner-operator', 'github-actions-runner-operator')).toBeGreaterThan(0);
    expect(score('garo.tietoevry.com/runner-registration', 'ci', 'runner-pool')).toBe(0);
    // A CSI driver's attacher: its controller Deployment, not another with a shared cloud word.
    expect(score('external-attacher/ebs-csi-aws-com', 'kube-system', 'ebs-csi-controller')).toBeGreaterThan(score('external-attacher/ebs-csi-aws-com', 'kube-system', 'aws-load-balancer-controller'));
  });
});
