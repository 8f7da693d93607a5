import { diagnoseApiOnly } from '../../../bot/src/diagnosis/entry';
import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';

/**
 * Issue 16, PersistentVolumes read live: the volume each claim of the pod is
 * bound to (its CSI driver, volumeHandle, reclaim policy and phase), read in
 * the pod's layer once the claim answered. A CSI volume that attaches nothing
 * has no VolumeAttachment, so its driver was unknown before: from its PV, a
 * driver the node's CSINode does not list is a teardown the kubelet cannot do.
 */
const UID = '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a';

describe("the PersistentVolumes of a pod's claims, read live", () => {
  let kube: FakeKubeApi;
  beforeEach(async () => {
    kube = await startFakeKubeApi();
    kube.addNode({ name: 'node-a' });
    kube.addPod({
      namespace: 'media',
      name: 'transcoder-0',
      uid: UID,
      nodeName: 'node-a',
      deletionTimestamp: '2026-11-24T03:00:30Z',
      deletionGracePeriodSeconds: 30,
      containers: [{ name: 'ffmpeg', id: 'beef01', state: 'terminated', exitCode: 137, reason: 'Error' }],
      volumes: [{ name: 'library', claimName: 'library-transcoder-0' }, { name: 'scratch' }],
    });
    kube.addClaim({ namespace: 'media', name: 'library-transcoder-0', volumeName: 'pvc-9c1d2e3f', storageClassName: 'nfs-csi' });
    // NFS through its CSI driver: nothing is attached, so no VolumeAttachment names the driver.
    kube.addPersistentVolume({
      name: 'pvc-9c1d2e3f',
      driver: 'nfs.csi.k8s.io',
      volumeHandle: 'nfs-server.storage.svc.cluster.local#exports#pvc-9c1d2e3f##',
      reclaimPolicy: 'Delete',
      claim: { namespace: 'media', name: 'library-transcoder-0' },
      storageClassName: 'nfs-csi',
    });
  });
  afterEach(async () => {
    await kube.close();
  });

  async function look(deadlineMs = 1000) {
    const lookup = createKubeLookup({ kubeconfig: kube.kubeconfig, deadlineMs });
    const got = await lookup.getPod('media', 'transcoder-0');
    if (got.status !== 'ok') throw new Error(got.message);
    const layer = await lookup.readLayer!(got.value)!.settle(3000);
    const d = diagnoseApiOnly(got.value, layer, 'no collector in this test');
    return { layer, d };
  }

  it('a CSI driver the node does not register, known from the PV alone: the kubelet cannot tear the volume down', async () => {
    kube.addCsiNode('node-a', ['ebs.csi.aws.com']);
    const { layer, d } = await look();
    expect(layer.unread).toEqual([]);
    expect(kube.requests).toContain('GET /api/v1/persistentvolumes/pvc-9c1d2e3f');
    const ev = d!.evidence.kube!;
    expect(ev.attachments ?? []).toEqual([]);
    expect(ev.persistentVolumes).toEqual([expect.objectContaining({ name: 'pvc-9c1d2e3f', source: 'csi', driver: 'nfs.csi.k8s.io', reclaimPolicy: 'Delete', phase: 'Bound' })]);
    expect(ev.volumes).toEqual([expect.objectContaining({ volume: 'library', operation: 'unmount', errno: 'DRIVER', driver: 'nfs.csi.k8s.io', pvc: 'library-transcoder-0', pod: 'transcoder-0' })]);
    const f = d!.diagnosis.findings.find((x) => x.id === 'volume-teardown-blocked')!;
    expect(f.title).toBe('Volume "library" of pod media/transcoder-0 (uid 2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a) cannot be torn down: CSI driver not registered');
    expect(f.explanation).toContain('The error: "CSI driver nfs.csi.k8s.io is not registered on node node-a (its CSINode lists ebs.csi.aws.com)"');
    expect(f.explanation).toContain(
      'PersistentVolume pvc-9c1d2e3f (CSI driver nfs.csi.k8s.io, volumeHandle nfs-server.storage.svc.cluster.local#exports#pvc-9c1d2e3f##): reclaimPolicy Delete, phase Bound.',
    );
    expect(f.explanation).toContain(
      "The kubelet cannot do this teardown itself: unmounting a CSI volume is a call (NodeUnpublishVolume, then NodeUnstageVolume) to the driver's node plugin on the node, and nfs.csi.k8s.io has none registered there.",
    );
    const fix = f.remediations.find((r) => r.why.startsWith('Start the CSI node plugin'))!;
    expect(fix.why).toContain('Start the CSI node plugin of nfs.csi.k8s.io on this node');
    expect(fix.why).toContain(
      'Do not delete the claim or the PersistentVolume pvc-9c1d2e3f to get the pod out: with reclaimPolicy Delete the backend volume nfs-server.storage.svc.cluster.local#exports#pvc-9c1d2e3f## is deleted with it',
    );
    expect(f.evidence).toEqual(expect.arrayContaining([expect.stringMatching(/^PersistentVolume pvc-9c1d2e3f: csi driver nfs\.csi\.k8s\.io, volumeHandle/)]));
  });

  it('the driver registered: nothing holds the volume', async () => {
    kube.addCsiNode('node-a', ['nfs.csi.k8s.io']);
    const { d } = await look();
    expect(d?.diagnosis.findings.map((f) => f.id) ?? []).not.toContain('volume-teardown-blocked');
  });

  it("a kubelet unmount failure that does not name its driver takes the PV's; a Retain volume gets no warning about its data", async () => {
    kube.addCsiNode('node-a', ['nfs.csi.k8s.io']);
    kube.addPersistentVolume({ name: 'pvc-9c1d2e3f', driver: 'nfs.csi.k8s.io', volumeHandle: 'h-1', reclaimPolicy: 'Retain', claim: { namespace: 'media', name: 'library-transcoder-0' } });
    kube.addEvent({
      namespace: 'media',
      involved: { kind: 'Pod', name: 'transcoder-0', uid: UID },
      type: 'Warning',
      reason: 'FailedUnmount',
      count: 9,
      message:
        'UnmountVolume.TearDown failed for volume "library" : rpc error: code = Internal desc = failed to unmount target "/var/lib/kubelet/pods/2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a/volumes/kubernetes.io~csi/pvc-9c1d2e3f/mount": device or resource busy',
    });
    const { d } = await look();
    const f = d!.diagnosis.findings.find((x) => x.id === 'volume-teardown-blocked')!;
    expect(f.explanation).toMatch(/^The kubelet fails to unmount \(TearDown\) for volume "library" \(kubernetes\.io\/csi, driver nfs\.csi\.k8s\.io\)/);
    expect(f.explanation).toContain('PersistentVolume pvc-9c1d2e3f (CSI driver nfs.csi.k8s.io, volumeHandle h-1): reclaimPolicy Retain, phase Bound.');
    expect(f.remediations.map((r) => r.why).join('\n')).not.toContain('reclaimPolicy Delete');
  });

  it('a PV read that fails is named unread; a claim not bound reads no PV', async () => {
    kube.addCsiNode('node-a', ['nfs.csi.k8s.io']);
    kube.fault(/\/persistentvolumes\//, { status: 403, message: 'persistentvolumes "pvc-9c1d2e3f" is forbidden' });
    const { layer } = await look();
    expect(layer.unread).toEqual([
      { what: 'persistentvolume pvc-9c1d2e3f', why: 'the bot may not get persistentvolumes in the cluster (RBAC: grant "get" on persistentvolumes to the bot\'s service account)' },
    ]);

    kube.fault(/\/persistentvolumes\//, null);
    kube.addClaim({ namespace: 'media', name: 'library-transcoder-0', storageClassName: 'nfs-csi' });
    const before = kube.requests.length;
    const { layer: again } = await look();
    expect(kube.requests.slice(before).filter((r) => r.includes('/persistentvolumes/'))).toEqual([]);
    expect(again.unread).toEqual([]);
  });
});
