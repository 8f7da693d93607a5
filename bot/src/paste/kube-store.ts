import type { CriContainer, CriSandbox, KubeEvent, KubeEvidence, KubeNode, KubePod, KubeVolumeIssue } from '../evidence/evidence';

/**
 * Adds facts to the Kubernetes layer of the evidence, one record per object:
 * a pod seen in a table, then in its YAML, then in a kubelet line is one pod.
 * Bounded: a paste of a whole cluster keeps the first MAX of each kind.
 * The live side (API reads, CRI) fills the same records through these.
 */
const MAX_PODS = 2000;
const MAX_NODES = 1000;
const MAX_EVENTS = 2000;
const MAX_VOLUMES = 500;
const MAX_RUNTIME = 2000;
const MAX_LINES = 6;

export const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function addLine(lines: string[], line: string | undefined): void {
  if (!line) return;
  const l = line.trim().slice(0, 400);
  if (l && lines.length < MAX_LINES && !lines.includes(l)) lines.push(l);
}

/** The pod a record is about: by uid, else by namespace and name (a name-only sighting matches any namespace). */
export function findPod(kube: KubeEvidence, q: { name?: string; namespace?: string; uid?: string }): KubePod | undefined {
  if (q.uid) {
    const byUid = kube.pods.find((p) => p.uid === q.uid || p.name === q.uid);
    if (byUid) return byUid;
  }
  if (!q.name) return undefined;
  return kube.pods.find((p) => p.name === q.name && (p.namespace === undefined || q.namespace === undefined || p.namespace === q.namespace));
}

type PodFacts = Partial<Omit<KubePod, 'lines' | 'containers'>> & { containers?: KubePod['containers'] };

/** Adds or completes a pod. Facts from an object replace those from words; a stated pod seen in evidence is no longer only stated. */
export function upsertPod(kube: KubeEvidence, facts: PodFacts & { name?: string }, line?: string): KubePod | undefined {
  const name = facts.name ?? facts.uid;
  if (!name) return undefined;
  let pod = findPod(kube, { name, namespace: facts.namespace, uid: facts.uid });
  const created = !pod;
  if (!pod) {
    if (kube.pods.length >= MAX_PODS) return undefined;
    pod = { name, containers: [], lines: [] };
    kube.pods.push(pod);
  } else if (facts.name && UID.test(pod.name) && !UID.test(facts.name)) {
    // Known by its uid first (a kubelet line), now by its name.
    pod.uid ??= pod.name;
    pod.name = facts.name;
  }
  for (const [k, v] of Object.entries(facts) as [keyof PodFacts, unknown][]) {
    if (v === undefined || k === 'name' || k === 'containers' || k === 'stated') continue;
    if (k === 'finalizers' && pod.finalizers?.length && !(v as string[]).length && facts.partial) continue;
    (pod as unknown as Record<string, unknown>)[k] = v;
  }
  if (!facts.stated) delete pod.stated;
  else if (created) pod.stated = true;
  for (const c of facts.containers ?? []) {
    const same = pod.containers.find((x) => x.name === c.name);
    if (same) Object.assign(same, Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)));
    else if (pod.containers.length < 50) pod.containers.push({ ...c });
  }
  addLine(pod.lines, line);
  return pod;
}

type NodeFacts = Partial<Omit<KubeNode, 'lines' | 'taints'>> & { name: string; taints?: KubeNode['taints'] };

export function upsertNode(kube: KubeEvidence, facts: NodeFacts, line?: string): KubeNode | undefined {
  let node = kube.nodes.find((n) => n.name === facts.name);
  if (!node) {
    if (kube.nodes.length >= MAX_NODES) return undefined;
    node = { name: facts.name, taints: [], lines: [] };
    kube.nodes.push(node);
  }
  for (const [k, v] of Object.entries(facts) as [keyof NodeFacts, unknown][]) {
    if (v === undefined || k === 'name' || k === 'taints') continue;
    (node as unknown as Record<string, unknown>)[k] = v;
  }
  for (const t of facts.taints ?? []) {
    if (!node.taints.some((x) => x.key === t.key && x.effect === t.effect) && node.taints.length < 50) node.taints.push({ ...t });
  }
  addLine(node.lines, line);
  return node;
}

export function addEvent(kube: KubeEvidence, e: KubeEvent): void {
  const same = kube.events.find((x) => x.reason === e.reason && x.message === e.message && x.object?.name === e.object?.name);
  if (same) {
    if (e.count !== undefined) same.count = Math.max(same.count ?? 1, e.count);
    same.age ??= e.age;
    same.last = e.last ?? same.last;
    return;
  }
  if (kube.events.length < MAX_EVENTS) kube.events.push(e);
}

export function addVolumeIssue(kube: KubeEvidence, v: Omit<KubeVolumeIssue, 'count'>): void {
  const same = kube.volumes.find((x) => x.volume === v.volume && x.operation === v.operation && x.errno === v.errno && (x.podUid ?? '') === (v.podUid ?? ''));
  if (same) {
    same.count++;
    if (v.time) same.time = v.time;
    for (const k of ['pod', 'namespace', 'plugin', 'driver', 'pvc', 'path'] as const) same[k] ??= v[k];
    return;
  }
  if (kube.volumes.length < MAX_VOLUMES) kube.volumes.push({ ...v, count: 1 });
}

export function upsertContainer(kube: KubeEvidence, c: CriContainer): void {
  const list = kube.runtime.containers;
  const same = c.id ? list.find((x) => x.id !== '' && (x.id.length < c.id.length ? c.id.startsWith(x.id) : x.id.startsWith(c.id))) : undefined;
  if (same) {
    Object.assign(same, Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)), { id: same.id.length > c.id.length ? same.id : c.id });
    return;
  }
  if (list.length < MAX_RUNTIME) list.push(c);
}

export function upsertSandbox(kube: KubeEvidence, s: CriSandbox): void {
  const list = kube.runtime.sandboxes;
  const same = s.id ? list.find((x) => x.id !== '' && (x.id.length < s.id.length ? s.id.startsWith(x.id) : x.id.startsWith(s.id))) : undefined;
  if (same) {
    Object.assign(same, Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)), { id: same.id.length > s.id.length ? same.id : s.id });
    return;
  }
  if (list.length < MAX_RUNTIME) list.push(s);
}

/** A pod volume path under the kubelet's directory: its pod uid, plugin and volume name. */
export interface VolumePath {
  podUid?: string;
  plugin?: string;
  volume?: string;
  pv?: string;
  driver?: string;
  subpath?: boolean;
  global?: boolean;
}

const POD_VOLUME = /\/pods\/([0-9a-f-]{8,36}|[\w-]{1,64})\/(volumes|volume-subpaths|volumeDevices)\/([^/\s"'\\]+)(?:\/([^/\s"'\\:]+))?/;
const CSI_GLOBAL = /\/plugins\/kubernetes\.io\/csi\/(?:pv\/([^/\s"'\\]+)|([^/\s"'\\]+)\/[0-9a-f]{16,64})\/globalmount/;
const PLUGIN_GLOBAL = /\/plugins\/kubernetes\.io\/([\w-]+)\/mounts\/([^/\s"'\\]+)/;

/**
 * "/var/lib/kubelet/pods/UID/volumes/kubernetes.io~secret/NAME",
 * ".../pods/UID/volume-subpaths/NAME/CONTAINER/N", ".../plugins/kubernetes.io/csi/pv/PV/globalmount",
 * ".../plugins/kubernetes.io/csi/DRIVER/HASH/globalmount", ".../plugins/kubernetes.io/rbd/mounts/IMAGE".
 * Any kubelet root (/var/lib/kubelet, k0s, microk8s, a host mount at /host): the part after it decides.
 */
export function volumePath(path: string): VolumePath | null {
  if (path.length > 4096) return null;
  let m = POD_VOLUME.exec(path);
  if (m) {
    const [, uid, dir, a, b] = m;
    const podUid = UID.test(uid) ? uid : undefined;
    if (dir === 'volume-subpaths') return { podUid, volume: a, subpath: true };
    if (dir === 'volumeDevices') return { podUid, plugin: a.replace('~', '/'), volume: b };
    return { podUid, plugin: a.replace('~', '/'), volume: b };
  }
  if ((m = CSI_GLOBAL.exec(path))) return m[1] ? { plugin: 'kubernetes.io/csi', volume: m[1], pv: m[1], global: true } : { plugin: 'kubernetes.io/csi', driver: m[2], global: true };
  if ((m = PLUGIN_GLOBAL.exec(path))) return { plugin: `kubernetes.io/${m[1]}`, volume: m[2], global: true };
  return null;
}
