import type { KubeContainerStatus, KubeEvidence, KubePod } from '../evidence/evidence';
import { applyEvent } from './kube-events';
import { addEvent, upsertContainer, upsertNode, upsertPod, upsertSandbox, UID } from './kube-store';
import { readAttachment, readClaim, readCsiNode, readPersistentVolume } from './kube-storage-api';

/**
 * Kubernetes API objects (and the CRI's inspect output) as JSON values — from
 * a pasted `kubectl get -o yaml|json`, `crictl inspect|inspectp`, or read live
 * from the API — into the Kubernetes layer of the evidence. One function for
 * both sources: the live side passes the API's JSON here as it comes.
 *   Pod, Node, Event (core/v1 and events.k8s.io/v1), and their Lists
 *   PersistentVolumeClaim, PersistentVolume, VolumeAttachment, CSINode (kube-storage-api.ts)
 *   crictl inspect (status.state CONTAINER_*) / inspectp (SANDBOX_*)
 *   fragments without kind: a pod's status block, metadata, or spec
 * `into` is the pod a kind-less fragment belongs to (the last one named).
 */
type J = Record<string, unknown>;

const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): J => (isObj(v) ? v : {});

/** "Node NODE which was running pod POD is unresponsive" — the node controller's NodeLost message. */
const NODE_LOST = /\bNode (\S+) which was running pod (\S+)\s+is unresponsive/;

export interface ApiReadResult {
  pods: KubePod[];
  kinds: string[];
}

export function readApiObject(kube: KubeEvidence, value: unknown, line: string, opts: { partial?: boolean; into?: KubePod } = {}): ApiReadResult {
  const out: ApiReadResult = { pods: [], kinds: [] };
  visit(kube, value, line, opts, out, 0);
  return out;
}

function visit(kube: KubeEvidence, value: unknown, line: string, opts: { partial?: boolean; into?: KubePod }, out: ApiReadResult, depth: number): void {
  if (depth > 3) return;
  if (Array.isArray(value)) {
    // `crictl inspect A B` and `docker inspect` print arrays.
    for (const v of value.slice(0, 500)) visit(kube, v, line, opts, out, depth + 1);
    return;
  }
  if (!isObj(value)) return;
  const kind = str(value.kind) ?? '';
  if (kind.endsWith('List') || (kind === '' && Array.isArray(value.items))) {
    out.kinds.push(kind || 'List');
    for (const v of arr(value.items).slice(0, 2000)) visit(kube, v, line, { partial: opts.partial }, out, depth + 1);
    return;
  }
  if (kind === 'Pod') {
    out.kinds.push(kind);
    const p = readPod(kube, value, line, opts.partial);
    if (p) out.pods.push(p);
    return;
  }
  if (kind === 'Node') {
    out.kinds.push(kind);
    readNode(kube, value, line);
    return;
  }
  if (kind === 'Event') {
    out.kinds.push(kind);
    readEvent(kube, value, line);
    return;
  }
  if (kind === 'PersistentVolumeClaim') {
    out.kinds.push(kind);
    readClaim(kube, value);
    return;
  }
  if (kind === 'PersistentVolume') {
    out.kinds.push(kind);
    readPersistentVolume(kube, value);
    return;
  }
  if (kind === 'VolumeAttachment') {
    out.kinds.push(kind);
    readAttachment(kube, value);
    return;
  }
  if (kind === 'CSINode') {
    out.kinds.push(kind);
    readCsiNode(kube, value);
    return;
  }
  if (kind) {
    out.kinds.push(kind);
    return;
  }
  // crictl inspect / inspectp: { status: { id, state: CONTAINER_* | SANDBOX_* }, info: { pid } }
  const status = obj(value.status);
  const state = str(status.state) ?? str(value.state);
  if (state && /^(?:CONTAINER|SANDBOX)_/.test(state)) {
    out.kinds.push(state.startsWith('SANDBOX') ? 'crictl-inspectp' : 'crictl-inspect');
    readCri(kube, isObj(value.status) ? value : { status: value }, line);
    return;
  }
  // Kind-less: a pod's fragment (metadata / spec / status, or the status block itself).
  if (looksLikePod(value)) {
    const meta = obj(value.metadata);
    const named = str(meta.name);
    const fragment: J = isObj(value.metadata) || isObj(value.spec) || isObj(value.status) ? value : { status: value };
    const into = named ? undefined : opts.into;
    const p = readPod(kube, fragment, line, true, into);
    if (p) {
      out.kinds.push('Pod');
      out.pods.push(p);
    }
  }
}

const POD_KEYS = [
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'finalizers',
  'ownerReferences',
  'containerStatuses',
  'phase',
  'podIP',
  'hostIP',
  'qosClass',
  'nodeName',
  'terminationGracePeriodSeconds',
  'containers',
];

function looksLikePod(v: J): boolean {
  const parts = [v, obj(v.metadata), obj(v.spec), obj(v.status)];
  return parts.some((p) => POD_KEYS.some((k) => k in p));
}

function containerState(s: unknown): Pick<KubeContainerStatus, 'state' | 'reason' | 'exitCode' | 'startedAt' | 'finishedAt'> {
  const o = obj(s);
  for (const k of ['running', 'waiting', 'terminated'] as const) {
    if (!(k in o)) continue;
    const d = obj(o[k]);
    return { state: k, reason: str(d.reason), exitCode: num(d.exitCode), startedAt: str(d.startedAt), finishedAt: str(d.finishedAt) };
  }
  return {};
}

function hook(h: unknown): string | undefined {
  const o = obj(h);
  if (isObj(o.exec)) return `exec: ${arr(o.exec.command).map(String).join(' ').slice(0, 200)}`;
  if (isObj(o.httpGet)) return `httpGet: ${str(o.httpGet.path) ?? '/'}${o.httpGet.port !== undefined ? ` port ${String(o.httpGet.port)}` : ''}`;
  if (isObj(o.sleep)) return `sleep: ${String(o.sleep.seconds)}s`;
  if (isObj(o.tcpSocket)) return 'tcpSocket';
  return undefined;
}

function volumeSource(v: J): { source: string; claim?: string } {
  for (const [k, val] of Object.entries(v)) {
    if (k === 'name') continue;
    const o = obj(val);
    if (k === 'persistentVolumeClaim') return { source: `persistentVolumeClaim ${str(o.claimName) ?? ''}`.trim(), claim: str(o.claimName) };
    if (k === 'nfs') return { source: `nfs ${str(o.server) ?? ''}:${str(o.path) ?? ''}` };
    if (k === 'csi') return { source: `csi ${str(o.driver) ?? ''}`.trim() };
    if (k === 'hostPath') return { source: `hostPath ${str(o.path) ?? ''}`.trim() };
    return { source: k };
  }
  return { source: '?' };
}

export function readPod(kube: KubeEvidence, o: J, line: string, partial?: boolean, into?: KubePod): KubePod | undefined {
  const md = obj(o.metadata);
  const spec = obj(o.spec);
  const st = obj(o.status);
  const statuses = [...arr(st.initContainerStatuses), ...arr(st.containerStatuses)].filter(isObj);
  const containers: KubeContainerStatus[] = statuses.map((c) => {
    const last = containerState(c.lastState);
    return {
      name: str(c.name) ?? '?',
      ...containerState(c.state),
      ready: typeof c.ready === 'boolean' ? c.ready : undefined,
      containerId: str(c.containerID),
      restartCount: num(c.restartCount),
      ...(last.state ? { last: { state: last.state, reason: last.reason, exitCode: last.exitCode, finishedAt: last.finishedAt } } : {}),
    };
  });
  const preStop = arr(spec.containers)
    .filter(isObj)
    .flatMap((c) => {
      const action = hook(obj(c.lifecycle).preStop);
      return action ? [{ container: str(c.name) ?? '?', action }] : [];
    });
  const volumes = arr(spec.volumes)
    .filter(isObj)
    .map((v) => ({ name: str(v.name) ?? '?', ...volumeSource(v) }));
  const message = str(st.message);
  const lost = message ? NODE_LOST.exec(message) : null;
  const name = str(md.name) ?? (lost ? lost[2] : undefined) ?? into?.name;
  const facts = {
    name,
    namespace: str(md.namespace),
    uid: str(md.uid),
    node: str(spec.nodeName) ?? (lost ? lost[1] : undefined),
    phase: str(st.phase),
    reason: str(st.reason),
    message,
    deletionTimestamp: str(md.deletionTimestamp),
    deletionGracePeriodSeconds: num(md.deletionGracePeriodSeconds),
    terminationGracePeriodSeconds: num(spec.terminationGracePeriodSeconds),
    creationTimestamp: str(md.creationTimestamp),
    finalizers: Array.isArray(md.finalizers) ? md.finalizers.map(String) : isObj(o.metadata) && !partial && name ? [] : undefined,
    ownerReferences: Array.isArray(md.ownerReferences)
      ? md.ownerReferences
          .filter((r): r is J => isObj(r) && str(r.name) !== undefined)
          .map((r) => ({ kind: str(r.kind) ?? '?', name: str(r.name)!, uid: str(r.uid), controller: r.controller === true ? true : undefined }))
      : undefined,
    containers,
    preStop: preStop.length ? preStop : undefined,
    volumes: volumes.length ? volumes : undefined,
    conditions: arr(st.conditions)
      .filter(isObj)
      .map((c) => ({ type: str(c.type) ?? '?', status: str(c.status) ?? '?', reason: str(c.reason) })),
    partial: partial || undefined,
  };
  if (!facts.conditions.length) delete (facts as Partial<typeof facts>).conditions;
  if (!name && !facts.uid) {
    if (!into) return upsertPod(kube, { ...facts, name: '' }, summary(facts, undefined) ?? line);
  }
  const pod = upsertPod(kube, { ...facts, name: name ?? into?.name }, summary(facts, name ?? into?.name) ?? line);
  if (pod && lost) upsertNode(kube, { name: lost[1], reason: 'NodeLost', message: lost[0] }, line);
  return pod;
}

/** The fields that matter, as one evidence line: "pod shop/web-0: deletionTimestamp …, finalizers [a]". */
function summary(
  f: {
    namespace?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    terminationGracePeriodSeconds?: number;
    finalizers?: string[];
    phase?: string;
    reason?: string;
    node?: string;
  },
  name: string | undefined,
): string | undefined {
  const bits: string[] = [];
  if (f.deletionTimestamp) bits.push(`deletionTimestamp ${f.deletionTimestamp}`);
  if (f.deletionGracePeriodSeconds !== undefined) bits.push(`deletionGracePeriodSeconds ${f.deletionGracePeriodSeconds}`);
  if (f.terminationGracePeriodSeconds !== undefined) bits.push(`terminationGracePeriodSeconds ${f.terminationGracePeriodSeconds}`);
  if (f.finalizers?.length) bits.push(`finalizers [${f.finalizers.join(', ')}]`);
  if (f.phase) bits.push(`phase ${f.phase}`);
  if (f.reason) bits.push(`reason ${f.reason}`);
  if (f.node) bits.push(`nodeName ${f.node}`);
  if (!bits.length) return undefined;
  return `pod ${name ? `${f.namespace ? `${f.namespace}/` : ''}${name}` : '(unnamed)'}: ${bits.join(', ')}`;
}

export function readNode(kube: KubeEvidence, o: J, line: string): void {
  const md = obj(o.metadata);
  const name = str(md.name);
  if (!name) return;
  const spec = obj(o.spec);
  const ready = arr(obj(o.status).conditions)
    .filter(isObj)
    .find((c) => c.type === 'Ready');
  upsertNode(
    kube,
    {
      name,
      ready: ready ? str(ready.status) : undefined,
      reason: ready ? str(ready.reason) : undefined,
      message: ready ? str(ready.message) : undefined,
      lastHeartbeat: ready ? str(ready.lastHeartbeatTime) : undefined,
      lastTransition: ready ? str(ready.lastTransitionTime) : undefined,
      unschedulable: spec.unschedulable === true ? true : undefined,
      taints: arr(spec.taints)
        .filter(isObj)
        .map((t) => ({ key: str(t.key) ?? '?', value: str(t.value), effect: str(t.effect) ?? '', timeAdded: str(t.timeAdded) })),
    },
    line,
  );
}

export function readEvent(kube: KubeEvidence, o: J, line: string): void {
  const involved = obj(o.involvedObject ?? o.regarding);
  const reason = str(o.reason);
  if (!reason) return;
  const source = obj(o.source);
  const e = {
    type: str(o.type),
    reason,
    object: str(involved.name) ? { kind: (str(involved.kind) ?? '').toLowerCase(), name: str(involved.name)!, namespace: str(involved.namespace) } : undefined,
    source: str(source.component) ?? str(o.reportingComponent) ?? str(o.reportingController),
    message: (str(o.message) ?? str(o.note) ?? '').slice(0, 1000),
    count: num(o.count) ?? num(obj(o.series).count) ?? num(o.deprecatedCount),
    first: str(o.firstTimestamp) ?? str(o.deprecatedFirstTimestamp) ?? str(o.eventTime),
    last: str(o.lastTimestamp) ?? str(o.deprecatedLastTimestamp) ?? str(obj(o.series).lastObservedTime) ?? str(o.eventTime),
    line: line.slice(0, 400),
  };
  addEvent(kube, e);
  applyEvent(kube, e);
}

function readCri(kube: KubeEvidence, o: J, line: string): void {
  const st = obj(o.status);
  const info = obj(o.info);
  const md = obj(st.metadata);
  const labels = obj(st.labels);
  const id = str(st.id) ?? '';
  const state = str(st.state);
  if (state?.startsWith('SANDBOX')) {
    upsertSandbox(kube, {
      id,
      name: str(md.name),
      namespace: str(md.namespace),
      podUid: str(md.uid),
      state,
      createdAt: str(st.createdAt),
      line: line.slice(0, 400),
    });
    return;
  }
  const podUid = str(labels['io.kubernetes.pod.uid']);
  upsertContainer(kube, {
    id,
    name: str(md.name) ?? str(labels['io.kubernetes.container.name']),
    podSandboxId: str(info.sandboxID) ?? str(st.podSandboxId),
    pod: str(labels['io.kubernetes.pod.name']),
    podUid: podUid && UID.test(podUid) ? podUid : undefined,
    state,
    pid: num(info.pid),
    exitCode: num(st.exitCode),
    reason: str(st.reason),
    createdAt: str(st.createdAt),
    startedAt: str(st.startedAt),
    finishedAt: str(st.finishedAt),
    line: line.slice(0, 400),
  });
}
