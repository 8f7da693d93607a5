import type { KubeAttachment, KubeClaim, KubeEvidence, KubePersistentVolume, KubePod, KubeVolumeIssue } from '../evidence/evidence';
import { addVolumeIssue } from './kube-store';

/**
 * The storage objects a stuck pod's volumes go through, as API JSON (read
 * live, or pasted from `kubectl get pvc|volumeattachment|csinode -o yaml`):
 *   PersistentVolumeClaim   the claim, its phase and bound volume
 *   VolumeAttachment        storage.k8s.io/v1: driver, volume, node, attached, attach/detach errors
 *   CSINode                 storage.k8s.io/v1: the CSI drivers registered on a node
 *   PersistentVolume        v1: the volume a claim is bound to — its CSI driver and
 *                           volumeHandle (or in-tree source), reclaim policy, phase
 * joinStorage() turns what they say together into the kubelet's volume
 * operations that fail (the same `kube.volumes` log lines and events fill):
 * a detach that returns an error, and a deleting pod whose volume's CSI
 * driver is not registered on its node (nobody there can unmount it) — the
 * driver known from the volume's VolumeAttachment or, for a driver that
 * attaches nothing (NFS, SMB, most file CSI drivers), from its PV.
 */
type J = Record<string, unknown>;

const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const obj = (v: unknown): J => (isObj(v) ? v : {});
const MAX = 500;

export function readClaim(kube: KubeEvidence, o: J): void {
  const md = obj(o.metadata);
  const name = str(md.name);
  if (!name) return;
  const spec = obj(o.spec);
  const c: KubeClaim = {
    name,
    namespace: str(md.namespace),
    volumeName: str(spec.volumeName),
    phase: str(obj(o.status).phase),
    storageClass: str(spec.storageClassName),
    deletionTimestamp: str(md.deletionTimestamp),
    finalizers: Array.isArray(md.finalizers) ? md.finalizers.map(String) : undefined,
    line: '',
  };
  c.line = `PersistentVolumeClaim ${c.namespace ? `${c.namespace}/` : ''}${name}: ${[c.phase, c.volumeName ? `volume ${c.volumeName}` : undefined, c.storageClass ? `storageClass ${c.storageClass}` : undefined, c.deletionTimestamp ? `deletionTimestamp ${c.deletionTimestamp}` : undefined].filter(Boolean).join(', ')}`;
  const list = (kube.claims ??= []);
  const same = list.findIndex((x) => x.name === name && (x.namespace === undefined || c.namespace === undefined || x.namespace === c.namespace));
  if (same >= 0) list[same] = c;
  else if (list.length < MAX) list.push(c);
}

const errorOf = (v: unknown): string | undefined => {
  const e = obj(v);
  const message = str(e.message);
  return message ? `${message}${str(e.time) ? ` (at ${str(e.time)})` : ''}` : undefined;
};

export function readAttachment(kube: KubeEvidence, o: J): void {
  const md = obj(o.metadata);
  const name = str(md.name);
  if (!name) return;
  const spec = obj(o.spec);
  const st = obj(o.status);
  const a: KubeAttachment = {
    name,
    node: str(spec.nodeName),
    attacher: str(spec.attacher),
    pv: str(obj(spec.source).persistentVolumeName),
    attached: typeof st.attached === 'boolean' ? st.attached : undefined,
    attachError: errorOf(st.attachError),
    detachError: errorOf(st.detachError),
    deletionTimestamp: str(md.deletionTimestamp),
    line: '',
  };
  a.line = `VolumeAttachment ${name}: ${[a.attacher ? `driver ${a.attacher}` : undefined, a.pv ? `volume ${a.pv}` : undefined, a.node ? `node ${a.node}` : undefined, a.attached !== undefined ? `attached ${a.attached}` : undefined, a.deletionTimestamp ? `deletionTimestamp ${a.deletionTimestamp}` : undefined, a.detachError ? `detachError "${a.detachError.slice(0, 200)}"` : undefined, a.attachError ? `attachError "${a.attachError.slice(0, 200)}"` : undefined].filter(Boolean).join(', ')}`;
  const list = (kube.attachments ??= []);
  const same = list.findIndex((x) => x.name === name);
  if (same >= 0) list[same] = a;
  else if (list.length < MAX) list.push(a);
}

export function readCsiNode(kube: KubeEvidence, o: J): void {
  const name = str(obj(o.metadata).name);
  if (!name) return;
  const drivers = (Array.isArray(obj(o.spec).drivers) ? (obj(o.spec).drivers as unknown[]) : []).map((d) => str(obj(d).name)).filter((d): d is string => d !== undefined);
  const entry = { node: name, drivers, line: `CSINode ${name}: drivers ${drivers.length ? drivers.join(', ') : '(none registered)'}` };
  const list = (kube.csiNodes ??= []);
  const same = list.findIndex((x) => x.node === name);
  if (same >= 0) list[same] = entry;
  else if (list.length < MAX) list.push(entry);
}

/** The in-tree sources a PV can have (one of them is set); csi first. */
const PV_SOURCES = [
  'csi',
  'nfs',
  'local',
  'hostPath',
  'iscsi',
  'fc',
  'rbd',
  'cephfs',
  'glusterfs',
  'awsElasticBlockStore',
  'gcePersistentDisk',
  'azureDisk',
  'azureFile',
  'cinder',
  'vsphereVolume',
  'portworxVolume',
  'flexVolume',
];

export function readPersistentVolume(kube: KubeEvidence, o: J): void {
  const md = obj(o.metadata);
  const name = str(md.name);
  if (!name) return;
  const spec = obj(o.spec);
  const source = PV_SOURCES.find((k) => isObj(spec[k]));
  const csi = obj(spec.csi);
  const claimRef = obj(spec.claimRef);
  const pv: KubePersistentVolume = {
    name,
    source,
    driver: str(csi.driver),
    volumeHandle: str(csi.volumeHandle),
    reclaimPolicy: str(spec.persistentVolumeReclaimPolicy),
    phase: str(obj(o.status).phase),
    claim: str(claimRef.name) ? { namespace: str(claimRef.namespace), name: str(claimRef.name)! } : undefined,
    storageClass: str(spec.storageClassName),
    deletionTimestamp: str(md.deletionTimestamp),
    finalizers: Array.isArray(md.finalizers) ? md.finalizers.map(String) : undefined,
    line: '',
  };
  pv.line = `PersistentVolume ${name}: ${[
    pv.driver ? `csi driver ${pv.driver}` : source ? `${source}` : undefined,
    pv.volumeHandle ? `volumeHandle ${pv.volumeHandle}` : undefined,
    pv.reclaimPolicy ? `reclaimPolicy ${pv.reclaimPolicy}` : undefined,
    pv.phase ? `phase ${pv.phase}` : undefined,
    pv.claim ? `claim ${pv.claim.namespace ? `${pv.claim.namespace}/` : ''}${pv.claim.name}` : undefined,
    pv.deletionTimestamp ? `deletionTimestamp ${pv.deletionTimestamp}` : undefined,
  ]
    .filter(Boolean)
    .join(', ')}`;
  const list = (kube.persistentVolumes ??= []);
  const same = list.findIndex((x) => x.name === name);
  if (same >= 0) list[same] = pv;
  else if (list.length < MAX) list.push(pv);
}

/** The PV of a pod's volume (by its claim), or of a volume named by its PV name. */
export function volumeOf(kube: KubeEvidence, q: { volume: string; pvc?: string; pod?: KubePod }): { claim?: KubeClaim; pv?: KubePersistentVolume } {
  const pvs = kube.persistentVolumes ?? [];
  const claimName = q.pvc ?? q.pod?.volumes?.find((v) => v.name === q.volume)?.claim;
  const claim = claimName ? (kube.claims ?? []).find((c) => c.name === claimName && (!c.namespace || !q.pod?.namespace || c.namespace === q.pod.namespace)) : undefined;
  const pv = claim?.volumeName
    ? pvs.find((x) => x.name === claim.volumeName)
    : (pvs.find((x) => x.name === q.volume) ??
      (claimName ? pvs.find((x) => x.claim?.name === claimName && (!x.claim.namespace || !q.pod?.namespace || x.claim.namespace === q.pod.namespace)) : undefined));
  return { claim, pv };
}

const TIMEOUT = /deadline ?exceeded|timed? ?out/i;

/** The pod volume (spec.volumes name) that uses a claim, and the pod. */
function claimUser(kube: KubeEvidence, claim: KubeClaim): { pod: KubePod; volume: string } | undefined {
  for (const p of kube.pods) {
    if (claim.namespace && p.namespace && p.namespace !== claim.namespace) continue;
    const v = p.volumes?.find((x) => x.claim === claim.name);
    if (v) return { pod: p, volume: v.name };
  }
  return undefined;
}

function addOnce(kube: KubeEvidence, v: Omit<KubeVolumeIssue, 'count'>): void {
  if (kube.volumes.some((x) => x.volume === v.volume && x.operation === v.operation && x.errno === v.errno && x.line === v.line)) return;
  addVolumeIssue(kube, v);
}

/** What the storage objects say together, as failing volume operations (idempotent: joining twice adds nothing). */
export function joinStorage(kube: KubeEvidence): void {
  const claims = kube.claims ?? [];
  const byVolume = new Map(claims.filter((c) => c.volumeName).map((c) => [c.volumeName!, c]));
  for (const a of kube.attachments ?? []) {
    if (!a.detachError) continue;
    const claim = a.pv ? byVolume.get(a.pv) : undefined;
    const user = claim ? claimUser(kube, claim) : undefined;
    addOnce(kube, {
      volume: user?.volume ?? a.pv ?? a.name,
      operation: 'detach',
      error: a.detachError,
      errno: TIMEOUT.test(a.detachError) ? 'TIMEOUT' : 'OTHER',
      plugin: 'kubernetes.io/csi',
      driver: a.attacher,
      pvc: claim?.name,
      pod: user?.pod.name,
      namespace: user?.pod.namespace,
      podUid: user?.pod.uid,
      line: a.line,
    });
  }
  // A deleting pod whose CSI volume's driver is not registered on its node: the kubelet there cannot unmount it.
  // The driver from the volume's VolumeAttachment, else from its PV (drivers that attach nothing have no VolumeAttachment).
  const pvs = new Map((kube.persistentVolumes ?? []).map((pv) => [pv.name, pv]));
  const drivers: { pv: string; driver: string; node?: string; line: string }[] = [
    ...(kube.attachments ?? []).filter((a) => a.attacher && a.pv).map((a) => ({ pv: a.pv!, driver: a.attacher!, node: a.node, line: a.line })),
    ...[...pvs.values()].filter((pv) => pv.driver).map((pv) => ({ pv: pv.name, driver: pv.driver!, line: pv.line })),
  ];
  for (const n of kube.csiNodes ?? []) {
    for (const d of drivers) {
      if ((d.node !== undefined && d.node !== n.node) || n.drivers.includes(d.driver)) continue;
      const claim = byVolume.get(d.pv);
      const user = claim ? claimUser(kube, claim) : undefined;
      if (!user || user.pod.node !== n.node || !(user.pod.deletionTimestamp || /^terminating$/i.test(user.pod.shown ?? ''))) continue;
      // Once per volume of a pod, whichever object named the driver first.
      if (kube.volumes.some((x) => x.errno === 'DRIVER' && x.volume === user.volume && (x.podUid ?? x.pod) === (user.pod.uid ?? user.pod.name))) continue;
      const pv = pvs.get(d.pv);
      addOnce(kube, {
        volume: user.volume,
        operation: 'unmount',
        errno: 'DRIVER',
        error: `CSI driver ${d.driver} is not registered on node ${n.node} (its CSINode lists ${n.drivers.length ? n.drivers.join(', ') : 'no driver'})`,
        plugin: 'kubernetes.io/csi',
        driver: d.driver,
        pvc: claim!.name,
        pod: user.pod.name,
        namespace: user.pod.namespace,
        podUid: user.pod.uid,
        line: `${n.line}; ${d.line}${pv && pv.line !== d.line ? `; ${pv.line}` : ''}`,
      });
    }
  }
  // A volume failure that did not name its driver (an event, a kubelet line): the PV's.
  for (const v of kube.volumes) {
    if (v.driver) continue;
    const pod = kube.pods.find(
      (p) => (v.podUid !== undefined && (p.uid === v.podUid || p.name === v.podUid)) || (v.pod !== undefined && p.name === v.pod && (!v.namespace || !p.namespace || p.namespace === v.namespace)),
    );
    const { pv } = volumeOf(kube, { volume: v.volume, pvc: v.pvc, pod });
    if (!pv?.driver) continue;
    v.driver = pv.driver;
    v.plugin ??= 'kubernetes.io/csi';
  }
}
