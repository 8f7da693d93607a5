import { emptyEvidence } from '../../../bot/src/evidence/evidence';
import { mergeApiLayer } from '../../../bot/src/evidence/kube-from-api';
import { createKubeLookup, type PodInfo } from '../../../bot/src/kube/pod-lookup';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';

/**
 * The pod's Kubernetes layer read live (pod-layer.ts) from a fake API server
 * that speaks the real paths and JSON, into the evidence model through the
 * paste side's reader: what each read gives, the exact requests, and reads
 * that fail or do not answer named unread with why.
 */
const UID = '7d2c6f0e-3b1a-4c55-9e0f-1a2b3c4d5e6f';

describe('the pod layer read from the Kubernetes API', () => {
  let kube: FakeKubeApi;
  beforeEach(async () => {
    kube = await startFakeKubeApi();
    kube.addPod({
      namespace: 'shop',
      name: 'db-0',
      uid: UID,
      nodeName: 'node-a',
      deletionTimestamp: '2026-11-24T03:00:30Z',
      deletionGracePeriodSeconds: 30,
      finalizers: ['example.com/backup-guard'],
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'ss-1', controller: true }],
      containers: [{ name: 'db', id: 'abc123', state: 'terminated', exitCode: 137, reason: 'Error' }],
      volumes: [{ name: 'data', claimName: 'data-db-0' }, { name: 'tmp' }],
    });
    kube.addNode({
      name: 'node-a',
      ready: 'Unknown',
      lastHeartbeat: '2026-11-24T02:50:00Z',
      taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2026-11-24T02:51:00Z' }],
    });
    kube.addEvent({
      namespace: 'shop',
      involved: { kind: 'Pod', name: 'db-0', uid: UID },
      type: 'Warning',
      reason: 'FailedKillPod',
      message: 'error killing pod: failed to "KillPodSandbox" for "x" with KillPodSandboxError: "rpc error: code = DeadlineExceeded desc = context deadline exceeded"',
      count: 12,
    });
    kube.addEvent({ namespace: 'shop', involved: { kind: 'Pod', name: 'web-1', uid: 'other-uid' }, type: 'Warning', reason: 'BackOff', message: 'not this pod' });
    kube.addClaim({ namespace: 'shop', name: 'data-db-0', volumeName: 'pvc-0a1b', storageClassName: 'ebs' });
    kube.addVolumeAttachment({
      name: 'csi-1111',
      nodeName: 'node-a',
      attacher: 'ebs.csi.aws.com',
      pv: 'pvc-0a1b',
      attached: true,
      detachError: 'rpc error: code = DeadlineExceeded desc = context deadline exceeded',
    });
    kube.addVolumeAttachment({ name: 'csi-2222', nodeName: 'node-b', attacher: 'ebs.csi.aws.com', pv: 'pvc-ffff', attached: true });
    kube.addCsiNode('node-a', ['ebs.csi.aws.com']);
  });
  afterEach(async () => {
    await kube.close();
  });

  async function read(lookup = createKubeLookup({ kubeconfig: kube.kubeconfig, deadlineMs: 1000 }), waitMs = 2000) {
    const got = await lookup.getPod('shop', 'db-0');
    if (got.status !== 'ok') throw new Error(got.message);
    const reading = lookup.readLayer!(got.value)!;
    const layer = await reading.settle(waitMs);
    const ev = emptyEvidence('snapshot');
    mergeApiLayer(ev, got.value as PodInfo, layer);
    return { pod: got.value, layer, ev, kube: ev.kube! };
  }

  it("reads the pod, its node, its events, its claim, the node's VolumeAttachments and CSINode into one Kubernetes layer", async () => {
    const { kube: k, layer } = await read();
    expect(layer.unread).toEqual([]);
    const pod = k.pods.find((p) => p.name === 'db-0')!;
    expect(pod).toMatchObject({ namespace: 'shop', uid: UID, node: 'node-a', finalizers: ['example.com/backup-guard'], deletionGracePeriodSeconds: 30 });
    expect(pod.deletionTimestamp).toMatch(/^2026-11-24T03:00:30(?:\.000)?Z$/);
    expect(pod.ownerReferences).toEqual([{ kind: 'StatefulSet', name: 'db', uid: 'ss-1', controller: true }]);
    expect(pod.containers[0]).toMatchObject({ name: 'db', state: 'terminated', exitCode: 137 });
    expect(pod.volumes).toEqual([
      { name: 'data', source: 'persistentVolumeClaim data-db-0', claim: 'data-db-0' },
      { name: 'tmp', source: 'emptyDir' },
    ]);
    const node = k.nodes.find((n) => n.name === 'node-a')!;
    expect(node).toMatchObject({ ready: 'Unknown', reason: 'NodeStatusUnknown' });
    expect(node.lastHeartbeat).toMatch(/^2026-11-24T02:50:00/);
    expect(node.taints).toEqual([expect.objectContaining({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' })]);
    expect(k.events.map((e) => e.reason)).toEqual(['FailedKillPod']);
    expect(k.events[0]).toMatchObject({ object: { kind: 'pod', name: 'db-0', namespace: 'shop' }, count: 12 });
    expect(k.claims).toEqual([expect.objectContaining({ name: 'data-db-0', volumeName: 'pvc-0a1b', phase: 'Bound' })]);
    expect(k.attachments!.map((a) => a.name)).toEqual(['csi-1111']);
    expect(k.csiNodes).toEqual([expect.objectContaining({ node: 'node-a', drivers: ['ebs.csi.aws.com'] })]);
    // The volume the claim is bound to, read once the claim answered.
    expect(k.persistentVolumes).toEqual([
      expect.objectContaining({
        name: 'pvc-0a1b',
        source: 'csi',
        driver: 'ebs.csi.aws.com',
        volumeHandle: 'vol-pvc-0a1b',
        reclaimPolicy: 'Delete',
        phase: 'Bound',
        claim: { namespace: 'shop', name: 'data-db-0' },
      }),
    ]);
    // The finalizer's controller was looked for (none is named like example.com here).
    expect(layer.controllers).toEqual([expect.objectContaining({ finalizers: ['example.com/backup-guard'], deployments: [], pods: [] })]);
    // The detach that fails becomes the volume operation the rules read, on the pod's own volume name.
    expect(k.volumes).toEqual([expect.objectContaining({ volume: 'data', operation: 'detach', errno: 'TIMEOUT', driver: 'ebs.csi.aws.com', pvc: 'data-db-0', pod: 'db-0' })]);
    expect(kube.requests.map(decodeURIComponent).sort()).toEqual([
      'GET /api/v1/namespaces/shop/events?fieldSelector=involvedObject.uid=7d2c6f0e-3b1a-4c55-9e0f-1a2b3c4d5e6f&limit=200',
      'GET /api/v1/namespaces/shop/persistentvolumeclaims/data-db-0',
      'GET /api/v1/namespaces/shop/pods/db-0',
      'GET /api/v1/nodes/node-a',
      'GET /api/v1/persistentvolumes/pvc-0a1b',
      'GET /apis/apps/v1/deployments?limit=500',
      'GET /apis/storage.k8s.io/v1/csinodes/node-a',
      'GET /apis/storage.k8s.io/v1/volumeattachments',
    ]);
  });

  it("a driver missing from the node's CSINode is a volume that cannot be unmounted there", async () => {
    kube.addCsiNode('node-a', ['other.csi.example.com']);
    const { kube: k } = await read();
    expect(k.volumes).toEqual(expect.arrayContaining([expect.objectContaining({ volume: 'data', operation: 'unmount', errno: 'DRIVER', driver: 'ebs.csi.aws.com' })]));
    expect(k.volumes.find((v) => v.errno === 'DRIVER')!.error).toBe('CSI driver ebs.csi.aws.com is not registered on node node-a (its CSINode lists other.csi.example.com)');
  });

  it('a pod without claims or CSI volumes reads no storage objects; one not being deleted looks for no controller', async () => {
    kube.addPod({ namespace: 'shop', name: 'db-0', uid: UID, nodeName: 'node-a', finalizers: ['example.com/backup-guard'], containers: [{ name: 'db', id: 'abc123' }] });
    const { layer } = await read();
    expect(kube.requests.filter((r) => /storage\.k8s\.io|persistentvolume|deployments/.test(r))).toEqual([]);
    expect(layer.controllers).toEqual([]);
  });

  it('a read refused by RBAC and one that never answers are named unread with why; the others are read', async () => {
    kube.fault(/volumeattachments/, {
      status: 403,
      message: 'volumeattachments.storage.k8s.io is forbidden: User "system:serviceaccount:whystuck:whystuck-bot" cannot list resource "volumeattachments"',
    });
    kube.fault(/\/events$/, { hang: true });
    const t0 = Date.now();
    const { layer, kube: k, ev } = await read(createKubeLookup({ kubeconfig: kube.kubeconfig, deadlineMs: 400 }));
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(layer.unread).toEqual(
      expect.arrayContaining([
        { what: 'events of shop/db-0', why: 'no answer within 400 ms' },
        { what: 'volumeattachments of node node-a', why: expect.stringContaining('the bot may not list volumeattachments.storage.k8s.io') },
      ]),
    );
    expect(k.unread).toHaveLength(2);
    expect(ev.missing).toEqual(expect.arrayContaining(['Kubernetes API: events of shop/db-0 not read (no answer within 400 ms)']));
    expect(k.nodes.map((n) => n.name)).toEqual(['node-a']);
    expect(k.csiNodes).toHaveLength(1);
  });

  it('settle() does not wait for a slow read past its grace: the read is cancelled and named', async () => {
    kube.fault(/\/nodes\//, { delayMs: 3000 });
    const t0 = Date.now();
    const { layer } = await read(createKubeLookup({ kubeconfig: kube.kubeconfig, deadlineMs: 5000 }), 100);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(layer.unread).toEqual([{ what: 'node node-a', why: expect.stringMatching(/^no answer within \d+ ms \(the answer did not wait for it\)$/) }]);
  });
});
