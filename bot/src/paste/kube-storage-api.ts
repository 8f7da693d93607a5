import type { KubeAttachment, KubeClaim, KubeEvidence, KubePod, KubeVolumeIssue } from '../evidence/evidence';
import { addVolumeIssue } from './kube-store';

/**
 * The storage objects a stuck pod's volumes go through, as API JSON (read
 * live, or pasted from `kubectl get pvc|volumeattachment|csinode -o yaml`):
 *   PersistentVolumeClaim   the claim, its phase and bound volume
 *   VolumeAttachment        storage.k8s.io/v1: driver, volume, node, attached, attach/detach errors
 *   CSINode                 storage.k8s.io/v1: the CSI drivers registered on a node
 * joinStorage() turns what they say together into the kubelet's volume
 * operations that fail (the same `kube.volumes` log lines and events fill):
 * a detach that returns an error, and a deleting pod whose volume's CSI
 * driver is not registered on its node (nobody there can unmount it).
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
      volume: user?.volume ?? a.pv ?? a.name, operation: 'detach', error: a.detachError, errno: TIMEOUT.test(a.detachError) ? 'TIMEOUT' : 'OTHER',
      plugin: 'kubernetes.io/csi', driver: a.attacher, pvc: claim?.name, pod: user?.pod.name, namespace: user?.pod.namespace, podUid: user?.pod.uid,
      line: a.line,
    });
  }
  // A deleting pod whose CSI volume's driver is not registered on its node: the kubelet there cannot unmount it.
  for (const n of kube.csiNodes ?? []) {
    for (const a of kube.attachments ?? []) {
      if (a.node !== n.node || !a.attacher || n.drivers.includes(a.attacher) || !a.pv) continue;
      const claim = byVolume.get(a.pv);
      const user = claim ? claimUser(kube, claim) : undefined;
      if (!user || user.pod.node !== n.node || !(user.pod.deletionTimestamp || /^terminating$/i.test(user.pod.shown ?? ''))) continue;
      addOnce(kube, {
        volume: user.volume, operation: 'unmount', errno: 'DRIVER',
        error: `CSI driver ${a.attacher} is not registered on node ${n.node} (its CSINode lists ${n.drivers.length ? n.drivers.join(', ') : 'no driver'})`,
        plugin: 'kubernetes.io/csi', driver: a.attacher, pvc: claim!.name, pod: user.pod.name, namespace: user.pod.namespace, podUid: user.pod.uid,
        line: `${n.line}; ${a.line}`,
      });
    }
  }
}
