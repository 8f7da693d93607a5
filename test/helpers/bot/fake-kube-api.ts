import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { servePortForward, type PortForwardSession } from './fake-port-forward';

export interface FakePod {
  namespace: string;
  name: string;
  uid: string;
  nodeName: string;
  phase?: string;
  deleting?: boolean;
  /**
   * A container's state (default running since 02:00); `terminated` with its exit code and reason; `waiting` with its
   * reason (CrashLoopBackOff …). `ready` (default false), its restarts, and how it last ended (lastState.terminated).
   */
  containers?: {
    name: string;
    id: string;
    state?: 'running' | 'terminated' | 'waiting';
    exitCode?: number;
    reason?: string;
    ready?: boolean;
    restartCount?: number;
    lastState?: { exitCode: number; reason: string; finishedAt: string };
  }[];
  labels?: Record<string, string>;
  podIP?: string;
  /** Ready condition (default: true when Running). */
  ready?: boolean;
  /** metadata.deletionTimestamp (RFC 3339); `deleting` alone sets 2026-11-24T03:00:00Z. */
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  terminationGracePeriodSeconds?: number;
  finalizers?: string[];
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  /** status.reason / status.message ("NodeLost"). */
  reason?: string;
  message?: string;
  /** spec.volumes: a claim (persistentVolumeClaim) or an emptyDir. */
  volumes?: { name: string; claimName?: string }[];
}

/** A v1 Node as the API server returns it: the Ready condition with its heartbeat, taints. */
export interface FakeNode {
  name: string;
  internalIP?: string;
  hostname?: string;
  /** Ready condition status (default 'True'). */
  ready?: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  /** lastHeartbeatTime of the Ready condition (RFC 3339; default: now). */
  lastHeartbeat?: string;
  taints?: { key: string; value?: string; effect: string; timeAdded?: string }[];
}

/** A core/v1 Event about an object (a pod, by name and uid). */
export interface FakeEvent {
  namespace: string;
  involved: { kind: string; name: string; namespace?: string; uid?: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  source?: string;
}

export interface FakeClaim {
  namespace: string;
  name: string;
  volumeName?: string;
  phase?: string;
  storageClassName?: string;
}
/**
 * A v1 PersistentVolume. Without one added, a claim's bound volume is served as
 * the provisioner made it: CSI with the driver of a VolumeAttachment that names
 * it, else a `local` volume (no CSI driver).
 */
export interface FakePersistentVolume {
  name: string;
  source?: 'csi' | 'nfs' | 'local';
  driver?: string;
  volumeHandle?: string;
  reclaimPolicy?: 'Delete' | 'Retain';
  phase?: 'Available' | 'Bound' | 'Released' | 'Failed';
  claim?: { namespace: string; name: string };
  storageClassName?: string;
}
/** An apps/v1 Deployment: its pods are those of its namespace whose labels match `matchLabels`. */
export interface FakeDeployment {
  namespace: string;
  name: string;
  matchLabels: Record<string, string>;
  replicas?: number;
  readyReplicas?: number;
}
export interface FakeVolumeAttachment {
  name: string;
  nodeName: string;
  attacher: string;
  pv: string;
  attached: boolean;
  detachError?: string;
  attachError?: string;
  deletionTimestamp?: string;
}

/** How a path answers instead of normally: an HTTP error status (with a v1 Status), or never (until closed). */
export type FakeFault = { status: number; reason?: string; message?: string } | { hang: true } | { delayMs: number };

/**
 * A local Kubernetes API server speaking the real paths and JSON (v1 Pod with
 * deletionTimestamp, finalizers, ownerReferences, container states and claims;
 * v1 PodList with label and field selectors applied as the API server applies
 * them; v1 Node with its Ready condition, heartbeat and taints; v1 EventList
 * with the events' field selectors and limit, items without kind as the API
 * server lists them; v1 PersistentVolumeClaim; storage.k8s.io/v1
 * VolumeAttachmentList (no field selector on spec.nodeName, as the real one)
 * and CSINode; v1 PersistentVolume; apps/v1 DeploymentList (all namespaces or
 * one, paged by limit with a continue token); v1 Status for errors; injected faults: an error status, a
 * delay, or no answer at all; coordination.k8s.io/v1 Lease and
 * LeaseList with create, list, get and replace, a resourceVersion per write
 * and 409 Conflict when a replace carries a stale one, 409 AlreadyExists on a
 * second create), and a kubeconfig that points at it.
 */
export interface FakeKubeApi {
  kubeconfig: string;
  /** "GET /api/v1/namespaces/shop/pods/web-0", with the query string when there is one. */
  requests: string[];
  /** TCP connections accepted so far (a client that keeps connections alive opens few). */
  connections(): number;
  addPod(p: FakePod): void;
  /** A node with its addresses (GET /api/v1/nodes/NAME), e.g. for the SSH fallback's InternalIP, its Ready condition and taints. */
  addNode(n: FakeNode): void;
  /** An event (GET /api/v1/namespaces/NS/events, field selectors involvedObject.* / reason / type applied). */
  addEvent(e: FakeEvent): void;
  /** A PersistentVolumeClaim (GET /api/v1/namespaces/NS/persistentvolumeclaims/NAME). */
  addClaim(c: FakeClaim): void;
  /** A storage.k8s.io/v1 VolumeAttachment (GET /apis/storage.k8s.io/v1/volumeattachments). */
  addVolumeAttachment(a: FakeVolumeAttachment): void;
  /** A storage.k8s.io/v1 CSINode with the drivers registered on it (GET /apis/storage.k8s.io/v1/csinodes/NODE). */
  addCsiNode(node: string, drivers: string[]): void;
  /** A v1 PersistentVolume (GET /api/v1/persistentvolumes/NAME). */
  addPersistentVolume(pv: FakePersistentVolume): void;
  /** An apps/v1 Deployment (GET /apis/apps/v1/deployments, …/namespaces/NS/deployments; limit and continue as the API server pages). */
  addDeployment(d: FakeDeployment): void;
  /** Requests whose path matches answer with `fault` instead (null: normally again). */
  fault(path: RegExp, fault: FakeFault | null): void;
  /** Lists of pods in this namespace are answered 403 Forbidden (RBAC). */
  forbidList(namespace: string): void;
  /** A v1 Secret (GET /api/v1/namespaces/NS/secrets/NAME), its data given as text or bytes (served base64, as the API does). */
  addSecret(s: { namespace: string; name: string; type?: string; data: Record<string, string | Buffer> }): void;
  /**
   * Port `port` of pod NS/NAME is reachable at `to` (e.g. a collector on
   * 127.0.0.1): GET .../pods/NAME/portforward?ports=PORT upgraded to a
   * WebSocket (v4.channel.k8s.io) is copied to it (fake-port-forward.ts).
   * Other ports of the pod refuse, as an empty port in a pod does.
   */
  forwardPod(namespace: string, name: string, port: number, to: { host: string; port: number }): void;
  /** Every port-forward WebSocket opened, in order. */
  portForwards: PortForwardSession[];
  /** coordination.k8s.io/v1 Leases stored (as the API server returns them), by namespace. */
  leases(namespace: string): KubeLease[];
  /** The Lease API answers 503 while true (an API server outage). */
  leasesDown(down: boolean): void;
  /** Deletes a Lease as `kubectl delete lease` would (a create afterwards starts from scratch: leaseTransitions 0). */
  deleteLease(namespace: string, name: string): boolean;
  close(): Promise<void>;
}

/** A coordination.k8s.io/v1 Lease as JSON. */
export interface KubeLease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion: string; uid: string; creationTimestamp: string; labels?: Record<string, string> };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

type Selector = (fields: Record<string, string | undefined>) => boolean;

/** Equality-based selectors as the API server reads them: k=v, k==v, k!=v, k, !k, ANDed by commas. */
function parseSelector(text: string, known?: Set<string>): Selector | string {
  const terms: Selector[] = [];
  for (const raw of text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    const m = /^(!?)([^!=\s]+)\s*(?:(==|=|!=)\s*(\S*))?$/.exec(raw);
    if (!m) return `unable to parse requirement: ${raw}`;
    const [, not, key, op, value] = m;
    if (known && !known.has(key)) return `field label not supported: ${key}`;
    if (!op) terms.push((f) => (not ? f[key] === undefined : f[key] !== undefined));
    else terms.push((f) => (op === '!=' ? f[key] !== value : f[key] === value));
  }
  return (f) => terms.every((t) => t(f));
}

const POD_FIELDS = new Set(['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase', 'status.podIP']);
/** The field selectors the API server supports for events (pkg/registry/core/event/strategy.go). */
const EVENT_FIELDS = new Set([
  'metadata.name',
  'metadata.namespace',
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
]);

function containerState(c: NonNullable<FakePod['containers']>[number]): Record<string, unknown> {
  if (c.state === 'terminated')
    return { terminated: { exitCode: c.exitCode ?? 0, reason: c.reason ?? 'Completed', startedAt: '2026-11-24T02:00:00Z', finishedAt: '2026-11-24T03:00:05Z', containerID: `containerd://${c.id}` } };
  if (c.state === 'waiting') {
    const reason = c.reason ?? 'ContainerCreating';
    return { waiting: { reason, ...(reason === 'CrashLoopBackOff' ? { message: `back-off 5m0s restarting failed container=${c.name} pod=POD` } : {}) } };
  }
  return { running: { startedAt: '2026-11-24T02:00:00Z' } };
}

function podJson(p: FakePod): Record<string, unknown> {
  const phase = p.phase ?? 'Running';
  const deletionTimestamp = p.deletionTimestamp ?? (p.deleting ? '2026-11-24T03:00:00Z' : undefined);
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      uid: p.uid,
      labels: p.labels ?? {},
      creationTimestamp: '2026-11-24T01:59:58Z',
      ...(deletionTimestamp ? { deletionTimestamp, deletionGracePeriodSeconds: p.deletionGracePeriodSeconds ?? 30 } : {}),
      ...(p.finalizers ? { finalizers: p.finalizers } : {}),
      ...(p.ownerReferences ? { ownerReferences: p.ownerReferences.map((o) => ({ blockOwnerDeletion: true, ...o })) } : {}),
    },
    spec: {
      nodeName: p.nodeName,
      terminationGracePeriodSeconds: p.terminationGracePeriodSeconds ?? 30,
      containers: (p.containers ?? []).map((c) => ({ name: c.name, image: 'example' })),
      ...(p.volumes ? { volumes: p.volumes.map((v) => (v.claimName ? { name: v.name, persistentVolumeClaim: { claimName: v.claimName } } : { name: v.name, emptyDir: {} })) } : {}),
    },
    status: {
      phase,
      ...(p.reason ? { reason: p.reason } : {}),
      ...(p.message ? { message: p.message } : {}),
      ...(p.podIP ? { podIP: p.podIP, podIPs: [{ ip: p.podIP }] } : {}),
      conditions: [{ type: 'Ready', status: (p.ready ?? phase === 'Running') ? 'True' : 'False' }],
      containerStatuses: (p.containers ?? []).map((c) => ({
        name: c.name,
        containerID: `containerd://${c.id}`,
        ready: c.ready ?? false,
        restartCount: c.restartCount ?? 0,
        image: 'example',
        imageID: '',
        state: containerState(c),
        ...(c.lastState
          ? {
              lastState: {
                terminated: { exitCode: c.lastState.exitCode, reason: c.lastState.reason, startedAt: '2026-11-24T02:59:00Z', finishedAt: c.lastState.finishedAt, containerID: `containerd://${c.id}` },
              },
            }
          : {}),
      })),
    },
  };
}

function nodeJson(n: FakeNode): Record<string, unknown> {
  const addresses = [...(n.internalIP ? [{ type: 'InternalIP', address: n.internalIP }] : []), { type: 'Hostname', address: n.hostname ?? n.name }];
  const beat = n.lastHeartbeat ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const ready = n.ready ?? 'True';
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: { name: n.name, uid: `node-${n.name}` },
    spec: n.taints?.length ? { taints: n.taints } : {},
    status: {
      addresses,
      conditions: [
        {
          type: 'Ready',
          status: ready,
          lastHeartbeatTime: beat,
          lastTransitionTime: beat,
          reason: n.reason ?? (ready === 'True' ? 'KubeletReady' : ready === 'Unknown' ? 'NodeStatusUnknown' : 'KubeletNotReady'),
          message: n.message ?? (ready === 'True' ? 'kubelet is posting ready status' : ready === 'Unknown' ? 'Kubelet stopped posting node status.' : 'container runtime is down'),
        },
      ],
    },
  };
}

function eventJson(e: FakeEvent, i: number): Record<string, unknown> {
  // As the API server lists them: the items carry no kind / apiVersion.
  return {
    metadata: { name: `${e.involved.name}.${(0x17f000000 + i).toString(16)}`, namespace: e.namespace, uid: `event-${i}`, creationTimestamp: e.firstTimestamp ?? '2026-11-24T03:00:00Z' },
    involvedObject: { kind: e.involved.kind, namespace: e.involved.namespace ?? e.namespace, name: e.involved.name, ...(e.involved.uid ? { uid: e.involved.uid } : {}), apiVersion: 'v1' },
    reason: e.reason,
    message: e.message,
    type: e.type,
    count: e.count ?? 1,
    firstTimestamp: e.firstTimestamp ?? '2026-11-24T03:00:00Z',
    lastTimestamp: e.lastTimestamp ?? e.firstTimestamp ?? '2026-11-24T03:00:00Z',
    source: { component: e.source ?? 'kubelet' },
    reportingComponent: e.source ?? 'kubelet',
    reportingInstance: '',
  };
}

function claimJson(c: FakeClaim): Record<string, unknown> {
  return {
    kind: 'PersistentVolumeClaim',
    apiVersion: 'v1',
    metadata: { name: c.name, namespace: c.namespace, uid: `pvc-uid-${c.name}`, finalizers: ['kubernetes.io/pvc-protection'] },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      ...(c.volumeName ? { volumeName: c.volumeName } : {}),
      ...(c.storageClassName ? { storageClassName: c.storageClassName } : {}),
    },
    status: { phase: c.phase ?? (c.volumeName ? 'Bound' : 'Pending') },
  };
}

function persistentVolumeJson(pv: FakePersistentVolume): Record<string, unknown> {
  const source = pv.source ?? (pv.driver ? 'csi' : 'local');
  const spec: Record<string, unknown> = {
    accessModes: ['ReadWriteOnce'],
    capacity: { storage: '1Gi' },
    persistentVolumeReclaimPolicy: pv.reclaimPolicy ?? 'Delete',
    volumeMode: 'Filesystem',
    ...(pv.storageClassName ? { storageClassName: pv.storageClassName } : {}),
    ...(pv.claim
      ? { claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pv.claim.namespace, name: pv.claim.name, uid: `pvc-uid-${pv.claim.name}`, resourceVersion: '4711' } }
      : {}),
  };
  if (source === 'csi')
    spec.csi = {
      driver: pv.driver ?? 'csi.example.com',
      volumeHandle: pv.volumeHandle ?? `vol-${pv.name}`,
      fsType: 'ext4',
      volumeAttributes: { 'storage.kubernetes.io/csiProvisionerIdentity': '1732410000000-8081-csi' },
    };
  else if (source === 'nfs') spec.nfs = { server: '10.0.0.5', path: `/exports/${pv.name}` };
  else {
    spec.local = { path: `/mnt/disks/${pv.name}` };
    spec.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] }] } };
  }
  return {
    kind: 'PersistentVolume',
    apiVersion: 'v1',
    metadata: {
      name: pv.name,
      uid: `pv-uid-${pv.name}`,
      finalizers: ['kubernetes.io/pv-protection'],
      creationTimestamp: '2026-11-20T10:00:00Z',
      ...(source === 'csi' ? { annotations: { 'pv.kubernetes.io/provisioned-by': pv.driver ?? 'csi.example.com' } } : {}),
    },
    spec,
    status: { phase: pv.phase ?? (pv.claim ? 'Bound' : 'Available'), lastPhaseTransitionTime: '2026-11-20T10:00:01Z' },
  };
}

function deploymentJson(d: FakeDeployment): Record<string, unknown> {
  const replicas = d.replicas ?? 1;
  // As the API server lists them: the items carry no kind / apiVersion.
  return {
    metadata: { name: d.name, namespace: d.namespace, uid: `deploy-${d.namespace}-${d.name}`, generation: 3, labels: d.matchLabels, creationTimestamp: '2026-11-01T00:00:00Z' },
    spec: {
      replicas,
      selector: { matchLabels: d.matchLabels },
      template: { metadata: { labels: d.matchLabels }, spec: { containers: [{ name: 'manager', image: `registry.example/${d.name}:1.0` }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    },
    status: {
      observedGeneration: 3,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: d.readyReplicas ?? replicas,
      availableReplicas: d.readyReplicas ?? replicas,
      ...(replicas > (d.readyReplicas ?? replicas) ? { unavailableReplicas: replicas - (d.readyReplicas ?? replicas) } : {}),
      conditions: [{ type: 'Available', status: (d.readyReplicas ?? replicas) > 0 || replicas === 0 ? 'True' : 'False', reason: 'MinimumReplicasAvailable' }],
    },
  };
}

function attachmentJson(a: FakeVolumeAttachment): Record<string, unknown> {
  const err = (message: string): Record<string, unknown> => ({ time: '2026-11-24T03:01:00Z', message });
  return {
    metadata: { name: a.name, uid: `va-${a.name}`, ...(a.deletionTimestamp ? { deletionTimestamp: a.deletionTimestamp, finalizers: [`external-attacher/${a.attacher.replace(/\//g, '-')}`] } : {}) },
    spec: { attacher: a.attacher, nodeName: a.nodeName, source: { persistentVolumeName: a.pv } },
    status: { attached: a.attached, ...(a.detachError ? { detachError: err(a.detachError) } : {}), ...(a.attachError ? { attachError: err(a.attachError) } : {}) },
  };
}

export async function startFakeKubeApi(): Promise<FakeKubeApi> {
  const pods = new Map<string, FakePod>();
  const nodes = new Map<string, FakeNode>();
  const events: FakeEvent[] = [];
  const claims = new Map<string, FakeClaim>();
  const attachments = new Map<string, FakeVolumeAttachment>();
  const csiNodes = new Map<string, string[]>();
  const persistentVolumes = new Map<string, FakePersistentVolume>();
  const deployments: FakeDeployment[] = [];
  const faults: { path: RegExp; fault: FakeFault }[] = [];
  const hanging = new Set<() => void>();
  const forbidden = new Set<string>();
  const requests: string[] = [];
  const leases = new Map<string, KubeLease>();
  const secrets = new Map<string, { namespace: string; name: string; type?: string; data: Record<string, string | Buffer> }>();
  const forwards = new Map<string, Map<number, { host: string; port: number }>>();
  const portForwards: PortForwardSession[] = [];
  const upgraded = new Set<Duplex>();
  const tunnelled = new Set<() => Socket | undefined>();
  let leasesDown = false;
  let resourceVersion = 1000;
  /** How the real API server answers a request. */
  function route(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const send = (code: number, obj: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    const status = (code: number, reason: string, message: string, details?: Record<string, unknown>): void =>
      send(code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}) });
    let m = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/.exec(url.pathname);
    if (m) {
      const [, ns, name] = m;
      if (leasesDown) return status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
      if (req.method === 'GET' && !name) {
        const items = [...leases.values()].filter((l) => l.metadata.namespace === ns);
        return send(200, { kind: 'LeaseList', apiVersion: 'coordination.k8s.io/v1', metadata: { resourceVersion: String(resourceVersion) }, items });
      }
      if (req.method === 'GET') {
        const l = leases.get(`${ns}/${name}`);
        return l ? send(200, l) : status(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`, { name, group: 'coordination.k8s.io', kind: 'leases' });
      }
      if (req.method !== 'POST' && req.method !== 'PUT') return status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString('utf8');
      });
      req.on('end', () => {
        let obj: KubeLease;
        try {
          obj = JSON.parse(body) as KubeLease;
        } catch {
          return status(400, 'BadRequest', 'invalid JSON');
        }
        if (obj.kind !== 'Lease' || obj.apiVersion !== 'coordination.k8s.io/v1') return status(400, 'BadRequest', `expected a coordination.k8s.io/v1 Lease, got ${obj.apiVersion} ${obj.kind}`);
        const key = `${ns}/${req.method === 'PUT' ? name : obj.metadata?.name}`;
        const existing = leases.get(key);
        if (req.method === 'POST') {
          if (existing)
            return status(409, 'AlreadyExists', `leases.coordination.k8s.io "${obj.metadata.name}" already exists`, { name: obj.metadata.name, group: 'coordination.k8s.io', kind: 'leases' });
        } else {
          if (obj.metadata?.name !== name) return status(400, 'BadRequest', 'the name of the object does not match the name on the URL');
          if (!existing) return status(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`);
          if (obj.metadata.resourceVersion !== existing.metadata.resourceVersion) {
            return status(
              409,
              'Conflict',
              `Operation cannot be fulfilled on leases.coordination.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
              { name, group: 'coordination.k8s.io', kind: 'leases' },
            );
          }
        }
        const stored: KubeLease = {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            ...obj.metadata,
            name: key.split('/')[1],
            namespace: ns,
            resourceVersion: String(++resourceVersion),
            uid: existing?.metadata.uid ?? `lease-${resourceVersion}`,
            creationTimestamp: existing?.metadata.creationTimestamp ?? new Date().toISOString(),
          },
          spec: obj.spec ?? {},
        };
        leases.set(key, stored);
        return send(req.method === 'POST' ? 201 : 200, stored);
      });
      return;
    }
    m = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const n = nodes.get(m[1]);
      if (!n) return status(404, 'NotFound', `nodes "${m[1]}" not found`, { name: m[1], kind: 'nodes' });
      return send(200, nodeJson(n));
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const p = pods.get(`${m[1]}/${m[2]}`);
      if (!p) return status(404, 'NotFound', `pods "${m[2]}" not found`);
      return send(200, podJson(p));
    }
    m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?pods$/.exec(url.pathname);
    if (m) {
      const ns = m[1];
      if (forbidden.has(ns))
        return status(403, 'Forbidden', `pods is forbidden: User "system:serviceaccount:whystuck:whystuck-bot" cannot list resource "pods" in API group "" in the namespace "${ns}"`);
      const labels = parseSelector(url.searchParams.get('labelSelector') ?? '');
      const fields = parseSelector(url.searchParams.get('fieldSelector') ?? '', POD_FIELDS);
      if (typeof labels === 'string') return status(400, 'BadRequest', labels);
      if (typeof fields === 'string') return status(400, 'BadRequest', fields);
      const limit = Number(url.searchParams.get('limit') ?? 0);
      const items = [...pods.values()]
        .filter((p) => (ns === undefined || p.namespace === ns) && labels(p.labels ?? {}))
        .filter((p) => fields({ 'metadata.name': p.name, 'metadata.namespace': p.namespace, 'spec.nodeName': p.nodeName, 'status.phase': p.phase ?? 'Running', 'status.podIP': p.podIP }))
        .map(podJson);
      return send(200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '1', ...(limit > 0 && items.length > limit ? { continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ' } : {}) },
        items: limit > 0 ? items.slice(0, limit) : items,
      });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(url.pathname);
    if (m) {
      const ns = m[1];
      const fields = parseSelector(url.searchParams.get('fieldSelector') ?? '', EVENT_FIELDS);
      if (typeof fields === 'string') return status(400, 'BadRequest', fields);
      const limit = Number(url.searchParams.get('limit') ?? 0);
      const items = events.map(eventJson).filter((e, i) => {
        const ev = events[i];
        return (
          ev.namespace === ns &&
          fields({
            'metadata.name': (e.metadata as { name: string }).name,
            'metadata.namespace': ns,
            'involvedObject.kind': ev.involved.kind,
            'involvedObject.namespace': ev.involved.namespace ?? ns,
            'involvedObject.name': ev.involved.name,
            'involvedObject.uid': ev.involved.uid ?? '',
            reason: ev.reason,
            type: ev.type,
            source: ev.source ?? 'kubelet',
            reportingComponent: ev.source ?? 'kubelet',
          })
        );
      });
      return send(200, { kind: 'EventList', apiVersion: 'v1', metadata: { resourceVersion: String(resourceVersion) }, items: limit > 0 ? items.slice(0, limit) : items });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const sec = secrets.get(`${m[1]}/${m[2]}`);
      if (!sec) return status(404, 'NotFound', `secrets "${m[2]}" not found`, { name: m[2], kind: 'secrets' });
      const data = Object.fromEntries(Object.entries(sec.data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
      return send(200, {
        kind: 'Secret',
        apiVersion: 'v1',
        metadata: { name: sec.name, namespace: sec.namespace, uid: `secret-${sec.name}`, resourceVersion: '1' },
        type: sec.type ?? 'kubernetes.io/tls',
        data,
      });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/persistentvolumeclaims\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const c = claims.get(`${m[1]}/${m[2]}`);
      return c ? send(200, claimJson(c)) : status(404, 'NotFound', `persistentvolumeclaims "${m[2]}" not found`, { name: m[2], kind: 'persistentvolumeclaims' });
    }
    m = /^\/api\/v1\/persistentvolumes\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const name = m[1];
      let pv = persistentVolumes.get(name);
      if (!pv) {
        // The volume a bound claim names, as its provisioner made it.
        const claim = [...claims.values()].find((c) => c.volumeName === name);
        const va = [...attachments.values()].find((a) => a.pv === name);
        if (claim) pv = { name, driver: va?.attacher, claim: { namespace: claim.namespace, name: claim.name }, storageClassName: claim.storageClassName };
      }
      return pv ? send(200, persistentVolumeJson(pv)) : status(404, 'NotFound', `persistentvolumes "${name}" not found`, { name, kind: 'persistentvolumes' });
    }
    m = /^\/apis\/apps\/v1\/(?:namespaces\/([^/]+)\/)?deployments$/.exec(url.pathname);
    if (m) {
      const ns = m[1];
      const limit = Number(url.searchParams.get('limit') ?? 0);
      const from = Number(url.searchParams.get('continue') ?? 0) || 0;
      const all = deployments.filter((d) => ns === undefined || d.namespace === ns).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
      const page = limit > 0 ? all.slice(from, from + limit) : all;
      const more = limit > 0 && from + limit < all.length;
      return send(200, {
        kind: 'DeploymentList',
        apiVersion: 'apps/v1',
        metadata: { resourceVersion: String(resourceVersion), ...(more ? { continue: String(from + limit), remainingItemCount: all.length - from - limit } : {}) },
        items: page.map(deploymentJson),
      });
    }
    if (url.pathname === '/apis/storage.k8s.io/v1/volumeattachments') {
      if (url.searchParams.get('fieldSelector')?.includes('spec.')) return status(400, 'BadRequest', `field label not supported: ${url.searchParams.get('fieldSelector')}`);
      return send(200, { kind: 'VolumeAttachmentList', apiVersion: 'storage.k8s.io/v1', metadata: { resourceVersion: String(resourceVersion) }, items: [...attachments.values()].map(attachmentJson) });
    }
    m = /^\/apis\/storage\.k8s\.io\/v1\/csinodes\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const drivers = csiNodes.get(m[1]);
      if (!drivers) return status(404, 'NotFound', `csinodes.storage.k8s.io "${m[1]}" not found`, { name: m[1], group: 'storage.k8s.io', kind: 'csinodes' });
      return send(200, {
        kind: 'CSINode',
        apiVersion: 'storage.k8s.io/v1',
        metadata: { name: m[1], uid: `csinode-${m[1]}` },
        spec: { drivers: drivers.map((d) => ({ name: d, nodeID: m![1], topologyKeys: null })) },
      });
    }
    return status(404, 'NotFound', 'the server could not find the requested resource');
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const f = faults.find((x) => x.path.test(url.pathname))?.fault;
    if (!f) return route(req, res, url);
    if ('status' in f) {
      res.writeHead(f.status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: f.message ?? `injected ${f.status}`,
          reason: f.reason ?? (f.status === 403 ? 'Forbidden' : 'InternalError'),
          code: f.status,
        }),
      );
      return;
    }
    if ('hang' in f) {
      // Never answers; freed when the client gives up or the server closes.
      const free = (): void => {
        res.destroy();
      };
      hanging.add(free);
      res.on('close', () => hanging.delete(free));
      return;
    }
    const t = setTimeout(() => route(req, res, url), f.delayMs);
    res.on('close', () => clearTimeout(t));
  });
  // WebSocket upgrades: a pod's port-forward (the only streaming subresource served); error and hang faults apply as to any request.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const refuse = (code: number, reason: string, message: string): void => {
      const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
      socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    const f = faults.find((x) => x.path.test(url.pathname))?.fault;
    if (f && 'status' in f) return refuse(f.status, f.reason ?? (f.status === 403 ? 'Forbidden' : 'InternalError'), f.message ?? `injected ${f.status}`);
    if (f && 'hang' in f) {
      hanging.add(() => socket.destroy());
      return;
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname);
    if (!m || req.method !== 'GET') return refuse(404, 'NotFound', 'the server could not find the requested resource');
    const p = pods.get(`${m[1]}/${m[2]}`);
    if (!p) return refuse(404, 'NotFound', `pods "${m[2]}" not found`);
    if ((p.phase ?? 'Running') !== 'Running') return refuse(400, 'BadRequest', `pod ${m[2]} is not running`);
    servePortForward(req, socket, head, {
      pod: { namespace: p.namespace, name: p.name, uid: p.uid },
      target: (port) => forwards.get(`${p.namespace}/${p.name}`)?.get(port),
      onSession: (s, tcp) => {
        portForwards.push(s);
        tunnelled.add(tcp);
      },
    });
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-kube-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: test',
      // Plain HTTP on loopback: the client only allows it with skip-TLS-verify set.
      'clusters:',
      '- name: test',
      '  cluster:',
      `    server: http://127.0.0.1:${port}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: test',
      '  user:',
      '    token: test-token',
      'contexts:',
      '- name: test',
      '  context:',
      '    cluster: test',
      '    user: test',
    ].join('\n'),
  );
  return {
    kubeconfig,
    requests,
    connections: () => connections,
    addPod: (p) => pods.set(`${p.namespace}/${p.name}`, p),
    addNode: (n) => {
      nodes.set(n.name, n);
    },
    addEvent: (e) => {
      events.push(e);
      resourceVersion++;
    },
    addClaim: (c) => {
      claims.set(`${c.namespace}/${c.name}`, c);
    },
    addVolumeAttachment: (a) => {
      attachments.set(a.name, a);
    },
    addCsiNode: (node, drivers) => {
      csiNodes.set(node, drivers);
    },
    addPersistentVolume: (pv) => {
      persistentVolumes.set(pv.name, pv);
    },
    addDeployment: (d) => {
      deployments.push(d);
    },
    fault: (path, fault) => {
      const at = faults.findIndex((x) => x.path.source === path.source);
      if (at >= 0) faults.splice(at, 1);
      if (fault) faults.push({ path, fault });
    },
    forbidList: (ns) => {
      forbidden.add(ns);
    },
    addSecret: (sec) => {
      secrets.set(`${sec.namespace}/${sec.name}`, sec);
    },
    forwardPod: (ns, name, port, to) => {
      const key = `${ns}/${name}`;
      if (!forwards.has(key)) forwards.set(key, new Map());
      forwards.get(key)!.set(port, to);
    },
    portForwards,
    leases: (ns) => [...leases.values()].filter((l) => l.metadata.namespace === ns),
    leasesDown: (down) => {
      leasesDown = down;
    },
    deleteLease: (ns, name) => leases.delete(`${ns}/${name}`),
    close: () =>
      new Promise((r) => {
        for (const free of [...hanging]) free();
        for (const tcp of tunnelled) tcp()?.destroy();
        for (const socket of upgraded) socket.destroy();
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          r();
        });
      }),
  };
}
