import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { diagnoseApiOnly } from '../../../bot/src/diagnosis/entry';
import { diagnose } from '../../../bot/src/diagnosis/engine';
import type { Finding } from '../../../bot/src/diagnosis/finding';
import type { Evidence } from '../../../bot/src/evidence/evidence';
import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';

/**
 * Issue 16, the storage objects pasted: `kubectl get pvc|volumeattachment|
 * csinode|pv -o yaml` (one object, or a List), alone or with the pod's YAML,
 * fill the same evidence the live read fills; and a pasted pod with its
 * claim, attachment, CSINode and PV gets the answer the live read of the
 * same objects gets — the same finding, naming the same objects. The
 * fixtures (test/fixtures/kube-storage) are written the way kubectl prints
 * them with --show-managed-fields.
 */
const FIXTURES = join(__dirname, '../../fixtures/kube-storage');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8').trimEnd();
const paste = (...parts: string[]): string => parts.join('\n');
const yamlLines = (ev: Evidence): number => ev.inputs.filter((i) => i.kind === 'kubectl-yaml').reduce((n, i) => n + i.lines[1] - i.lines[0] + 1, 0);

const POD = fixture('pod-shop-db-0.yaml');
const PVC = fixture('pvc-shop-data-db-0.yaml');
const VAS = fixture('volumeattachment-list.yaml');
const CSINODE = fixture('csinode-worker-3.yaml');
const PV = fixture('pv-shop-data-db-0.yaml');
const PVS = fixture('pv-list.yaml');
const MEDIA_POD = fixture('pod-media-transcoder-0.yaml');
const MEDIA_PVCS = fixture('pvc-list-media.yaml');
const CSINODE_7 = fixture('csinode-worker-7.yaml');

const EBS_PV = 'pvc-6f1c2a4e-8d3b-4c7a-9e15-2b7d4c9a1f03';
const NFS_PV = 'pvc-9c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const VA = 'csi-3b8f1c0e9d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c';

describe('storage objects pasted alone: each is read, every line of it', () => {
  it('kubectl get pvc NAME -o yaml', () => {
    const text = paste('$ kubectl get pvc data-db-0 -n shop -o yaml --show-managed-fields', PVC);
    const ev = parsePaste(text);
    expect(ev.kube!.claims).toEqual([
      expect.objectContaining({
        name: 'data-db-0',
        namespace: 'shop',
        volumeName: EBS_PV,
        phase: 'Bound',
        storageClass: 'gp3',
        finalizers: ['kubernetes.io/pvc-protection'],
      }),
    ]);
    expect(yamlLines(ev)).toBe(PVC.split('\n').length);
    expect(ev.unreadable).toEqual([]);
  });

  it('kubectl get pvc -o yaml: a List', () => {
    const ev = parsePaste(paste('$ kubectl get pvc -n media -o yaml --show-managed-fields', MEDIA_PVCS));
    expect(ev.kube!.claims).toEqual([expect.objectContaining({ name: 'library-transcoder-0', namespace: 'media', volumeName: NFS_PV, phase: 'Bound', storageClass: 'nfs-csi' })]);
    expect(yamlLines(ev)).toBe(MEDIA_PVCS.split('\n').length);
  });

  it("kubectl get volumeattachment -o yaml: a List, both nodes' attachments", () => {
    const ev = parsePaste(paste('$ kubectl get volumeattachment -o yaml --show-managed-fields', VAS));
    expect(ev.kube!.attachments).toEqual([
      expect.objectContaining({ name: VA, node: 'worker-3', attacher: 'ebs.csi.aws.com', pv: EBS_PV, attached: true }),
      expect.objectContaining({ node: 'worker-5', pv: 'pvc-2b4d6f8a-0c1e-4a3b-8d5f-7a9c1e3b5d7f', attached: true }),
    ]);
    expect(ev.kube!.attachments![0].line).toBe(`VolumeAttachment ${VA}: driver ebs.csi.aws.com, volume ${EBS_PV}, node worker-3, attached true`);
    expect(yamlLines(ev)).toBe(VAS.split('\n').length);
  });

  it('kubectl get csinode NODE -o yaml: the drivers registered there', () => {
    const ev = parsePaste(paste('$ kubectl get csinode worker-3 -o yaml --show-managed-fields', CSINODE));
    expect(ev.kube!.csiNodes).toEqual([{ node: 'worker-3', drivers: ['efs.csi.aws.com'], line: 'CSINode worker-3: drivers efs.csi.aws.com' }]);
    expect(yamlLines(ev)).toBe(CSINODE.split('\n').length);
  });

  it('kubectl get pv NAME -o yaml, and get pv -o yaml (a List), and the List as JSON', () => {
    const one = parsePaste(paste(`$ kubectl get pv ${EBS_PV} -o yaml --show-managed-fields`, PV));
    expect(one.kube!.persistentVolumes).toEqual([
      {
        name: EBS_PV,
        source: 'csi',
        driver: 'ebs.csi.aws.com',
        volumeHandle: 'vol-0f1e2d3c4b5a69788',
        reclaimPolicy: 'Delete',
        phase: 'Bound',
        claim: { namespace: 'shop', name: 'data-db-0' },
        storageClass: 'gp3',
        deletionTimestamp: undefined,
        finalizers: ['external-attacher/ebs-csi-aws-com', 'kubernetes.io/pv-protection'],
        line: `PersistentVolume ${EBS_PV}: csi driver ebs.csi.aws.com, volumeHandle vol-0f1e2d3c4b5a69788, reclaimPolicy Delete, phase Bound, claim shop/data-db-0`,
      },
    ]);
    const list = parsePaste(paste('$ kubectl get pv -o yaml --show-managed-fields', PVS));
    expect(list.kube!.persistentVolumes!.map((pv) => [pv.name, pv.driver, pv.reclaimPolicy, pv.claim?.name])).toEqual([
      [EBS_PV, 'ebs.csi.aws.com', 'Delete', 'data-db-0'],
      [NFS_PV, 'nfs.csi.k8s.io', 'Retain', 'library-transcoder-0'],
    ]);
    expect(yamlLines(list)).toBe(PVS.split('\n').length);
    // kubectl's JSON of the same List (four-space indents).
    const json = parsePaste(paste('$ kubectl get pv -o json', JSON.stringify(YAML.parse(PVS), null, 4)));
    expect(json.kube!.persistentVolumes).toEqual(list.kube!.persistentVolumes);
  });
});

describe("pasted together with the pod's YAML", () => {
  const ALL = paste(
    '$ kubectl get pod db-0 -n shop -o yaml --show-managed-fields',
    POD,
    '$ kubectl get pvc data-db-0 -n shop -o yaml --show-managed-fields',
    PVC,
    '$ kubectl get volumeattachment -o yaml --show-managed-fields',
    VAS,
    '$ kubectl get csinode worker-3 -o yaml --show-managed-fields',
    CSINODE,
    `$ kubectl get pv ${EBS_PV} -o yaml --show-managed-fields`,
    PV,
  );

  it("every object lands in the one Kubernetes layer, and the pod's CSI driver is not registered on its node", () => {
    const ev = parsePaste(ALL);
    const k = ev.kube!;
    expect(k.pods.map((p) => [p.namespace, p.name, p.node, p.deletionTimestamp])).toEqual([['shop', 'db-0', 'worker-3', '2026-11-24T02:10:41Z']]);
    expect(k.pods[0].volumes).toEqual([
      { name: 'data', source: 'persistentVolumeClaim data-db-0', claim: 'data-db-0' },
      { name: 'kube-api-access-5k2vq', source: 'projected' },
    ]);
    expect(k.claims!.map((c) => c.name)).toEqual(['data-db-0']);
    expect(k.attachments!.map((a) => a.node)).toEqual(['worker-3', 'worker-5']);
    expect(k.csiNodes!.map((n) => n.node)).toEqual(['worker-3']);
    expect(k.persistentVolumes!.map((p) => p.name)).toEqual([EBS_PV]);
    // One failing teardown, though the attachment and the PV both name the driver.
    expect(k.volumes).toEqual([expect.objectContaining({ volume: 'data', operation: 'unmount', errno: 'DRIVER', driver: 'ebs.csi.aws.com', pvc: 'data-db-0', pod: 'db-0', namespace: 'shop' })]);
    expect(ev.unreadable).toEqual([]);
    expect(yamlLines(ev)).toBe([POD, PVC, VAS, CSINODE, PV].reduce((n, t) => n + t.split('\n').length, 0));
  });

  it('objects one after another without a command between: back to back, and with ---', () => {
    for (const sep of [[], ['---']]) {
      const ev = parsePaste(paste(POD, ...sep, PVC, ...sep, CSINODE, ...sep, PV));
      const k = ev.kube!;
      expect({ sep, pods: k.pods.map((p) => p.name), claims: k.claims?.map((c) => c.name), csi: k.csiNodes?.map((n) => n.node), pvs: k.persistentVolumes?.map((p) => p.name) }).toEqual({
        sep,
        pods: ['db-0'],
        claims: ['data-db-0'],
        csi: ['worker-3'],
        pvs: [EBS_PV],
      });
      // The PV names the driver here (no attachment pasted): the same teardown that cannot be done.
      expect(k.volumes).toEqual([expect.objectContaining({ volume: 'data', errno: 'DRIVER', driver: 'ebs.csi.aws.com' })]);
    }
  });

  it("an NFS CSI volume attaches nothing: the driver from the PV List, against the node's CSINode", () => {
    const ev = parsePaste(
      paste(
        '$ kubectl get pod transcoder-0 -n media -o yaml --show-managed-fields',
        MEDIA_POD,
        '$ kubectl get pvc -n media -o yaml --show-managed-fields',
        MEDIA_PVCS,
        '$ kubectl get pv -o yaml --show-managed-fields',
        PVS,
        '$ kubectl get csinode worker-7 -o yaml --show-managed-fields',
        CSINODE_7,
      ),
    );
    expect(ev.kube!.attachments ?? []).toEqual([]);
    expect(ev.kube!.volumes).toEqual([expect.objectContaining({ volume: 'library', errno: 'DRIVER', driver: 'nfs.csi.k8s.io', pod: 'transcoder-0' })]);
    const f = diagnose(ev).findings.find((x) => x.id === 'volume-teardown-blocked')!;
    expect(f.explanation).toContain(
      `PersistentVolume ${NFS_PV} (CSI driver nfs.csi.k8s.io, volumeHandle nfs-server.storage.svc.cluster.local#exports#${NFS_PV}##): reclaimPolicy Retain, phase Bound.`,
    );
    // A Retain volume: no warning that deleting the claim deletes the data.
    expect(f.remediations.map((r) => r.why).join('\n')).not.toContain('is deleted with it');
  });
});

describe('the pasted answer and the live answer agree for the same objects', () => {
  let kube: FakeKubeApi;
  beforeEach(async () => {
    kube = await startFakeKubeApi();
  });
  afterEach(async () => {
    await kube.close();
  });

  async function live(namespace: string, name: string): Promise<Finding[]> {
    const lookup = createKubeLookup({ kubeconfig: kube.kubeconfig, deadlineMs: 1000 });
    const got = await lookup.getPod(namespace, name);
    if (got.status !== 'ok') throw new Error(got.message);
    const layer = await lookup.readLayer!(got.value)!.settle(3000);
    expect(layer.unread).toEqual([]);
    return diagnoseApiOnly(got.value, layer, 'no collector in this test')!.diagnosis.findings;
  }

  /** The objects a finding names: the pod, its volume, claim, PV, driver, node, attachment, and the storage objects' evidence lines. */
  function named(f: Finding, names: string[]) {
    const text = [f.title, f.explanation, ...f.evidence].join('\n');
    return {
      id: f.id,
      title: f.title,
      names: names.filter((n) => text.includes(n)),
      storage: f.evidence.filter((e) => /^(?:PersistentVolume|PersistentVolumeClaim|VolumeAttachment|CSINode) /.test(e)).sort(),
    };
  }

  it("a StatefulSet pod whose EBS volume's driver is gone from its node: pod, PVC, VolumeAttachment, CSINode and PV", async () => {
    kube.addNode({ name: 'worker-3' });
    kube.addPod({
      namespace: 'shop',
      name: 'db-0',
      uid: '1c7e5a3b-9d2f-4e6a-8b0c-3d5f7a9b1e2c',
      nodeName: 'worker-3',
      deletionTimestamp: '2026-11-24T02:10:41Z',
      deletionGracePeriodSeconds: 30,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: '8e2d4c6a-1b3f-4d5e-9a7c-0f2e4d6b8a1c', controller: true }],
      containers: [{ name: 'postgres', id: '5f0e2b7c9a1d', state: 'terminated', exitCode: 0, reason: 'Completed' }],
      volumes: [{ name: 'data', claimName: 'data-db-0' }],
    });
    kube.addClaim({ namespace: 'shop', name: 'data-db-0', volumeName: EBS_PV, storageClassName: 'gp3' });
    kube.addVolumeAttachment({ name: VA, nodeName: 'worker-3', attacher: 'ebs.csi.aws.com', pv: EBS_PV, attached: true });
    kube.addVolumeAttachment({
      name: 'csi-9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b',
      nodeName: 'worker-5',
      attacher: 'ebs.csi.aws.com',
      pv: 'pvc-2b4d6f8a-0c1e-4a3b-8d5f-7a9c1e3b5d7f',
      attached: true,
    });
    kube.addCsiNode('worker-3', ['efs.csi.aws.com']);
    kube.addPersistentVolume({
      name: EBS_PV,
      driver: 'ebs.csi.aws.com',
      volumeHandle: 'vol-0f1e2d3c4b5a69788',
      reclaimPolicy: 'Delete',
      claim: { namespace: 'shop', name: 'data-db-0' },
      storageClassName: 'gp3',
    });

    const liveFindings = await live('shop', 'db-0');
    const pasted = diagnose(
      parsePaste(
        paste(
          '$ kubectl get pod db-0 -n shop -o yaml --show-managed-fields',
          POD,
          '$ kubectl get pvc data-db-0 -n shop -o yaml --show-managed-fields',
          PVC,
          '$ kubectl get volumeattachment -o yaml --show-managed-fields',
          VAS,
          '$ kubectl get csinode worker-3 -o yaml --show-managed-fields',
          CSINODE,
          `$ kubectl get pv ${EBS_PV} -o yaml --show-managed-fields`,
          PV,
        ),
      ),
    ).findings;
    expect(pasted.map((f) => f.id)).toEqual(['volume-teardown-blocked']);
    expect(liveFindings.map((f) => f.id)).toEqual(['volume-teardown-blocked']);
    const names = ['shop/db-0', '"data"', 'data-db-0', EBS_PV, 'vol-0f1e2d3c4b5a69788', 'ebs.csi.aws.com', 'worker-3', VA, 'efs.csi.aws.com'];
    const a = named(pasted[0], names);
    const b = named(liveFindings[0], names);
    expect(a).toEqual(b);
    expect(a.names).toEqual(names);
    expect(a.title).toBe('Volume "data" of pod shop/db-0 (uid 1c7e5a3b-9d2f-4e6a-8b0c-3d5f7a9b1e2c) cannot be torn down: CSI driver not registered');
    expect(pasted[0].explanation).toBe(liveFindings[0].explanation);
    expect(pasted[0].remediations.map((r) => [r.why, r.command])).toEqual(liveFindings[0].remediations.map((r) => [r.why, r.command]));
  });

  it('an NFS CSI volume with no VolumeAttachment: pod, PVC List, PV List and CSINode', async () => {
    kube.addNode({ name: 'worker-7' });
    kube.addPod({
      namespace: 'media',
      name: 'transcoder-0',
      uid: '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a',
      nodeName: 'worker-7',
      deletionTimestamp: '2026-11-24T01:31:09Z',
      deletionGracePeriodSeconds: 60,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'transcoder', uid: '3d5f7a9c-1e3a-4c5e-8a9c-1e3a5c7e9a1c', controller: true }],
      containers: [{ name: 'ffmpeg', id: '9a8b7c6d5e4f', state: 'terminated', exitCode: 137, reason: 'Error' }],
      volumes: [{ name: 'library', claimName: 'library-transcoder-0' }],
    });
    kube.addClaim({ namespace: 'media', name: 'library-transcoder-0', volumeName: NFS_PV, storageClassName: 'nfs-csi' });
    kube.addCsiNode('worker-7', ['ebs.csi.aws.com']);
    kube.addPersistentVolume({
      name: NFS_PV,
      driver: 'nfs.csi.k8s.io',
      volumeHandle: `nfs-server.storage.svc.cluster.local#exports#${NFS_PV}##`,
      reclaimPolicy: 'Retain',
      claim: { namespace: 'media', name: 'library-transcoder-0' },
      storageClassName: 'nfs-csi',
    });

    const liveFindings = await live('media', 'transcoder-0');
    const pasted = diagnose(
      parsePaste(
        paste(
          '$ kubectl get pod transcoder-0 -n media -o yaml --show-managed-fields',
          MEDIA_POD,
          '$ kubectl get pvc -n media -o yaml --show-managed-fields',
          MEDIA_PVCS,
          '$ kubectl get pv -o yaml --show-managed-fields',
          PVS,
          '$ kubectl get csinode worker-7 -o yaml --show-managed-fields',
          CSINODE_7,
        ),
      ),
    ).findings;
    expect(pasted.map((f) => f.id)).toEqual(['volume-teardown-blocked']);
    expect(liveFindings.map((f) => f.id)).toEqual(['volume-teardown-blocked']);
    const names = ['media/transcoder-0', '"library"', 'library-transcoder-0', NFS_PV, 'nfs.csi.k8s.io', 'worker-7'];
    const a = named(pasted[0], names);
    expect(a).toEqual(named(liveFindings[0], names));
    expect(a.names).toEqual(names);
    expect(pasted[0].explanation).toBe(liveFindings[0].explanation);
  });
});
