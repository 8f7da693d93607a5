import type * as k8s from '@kubernetes/client-node';
import { abortable, kubeFailure, type KubeActor } from './kube-client';

/**
 * The Kubernetes layer of a stuck pod, read live and read-only, all at once
 * (and in parallel with the node's snapshot): the pod's node (Ready, heartbeat,
 * taints), the pod's events, its PersistentVolumeClaims and — when it has
 * claims or CSI volumes — the node's VolumeAttachments and its CSINode. Each
 * read has a deadline; one that fails or does not answer is named in
 * `unread` with why, never dropped, and never holds the answer up: `settle`
 * takes what has arrived and cancels the rest.
 *
 * Exactly these calls (and the pod's own get), which is what the bot's
 * ClusterRole grants (deploy/kustomize/base/bot-rbac.yaml):
 *   get nodes/NODE · list events (fieldSelector involvedObject.uid) · get persistentvolumeclaims/NAME
 *   list storage.k8s.io volumeattachments (filtered to the node here) · get storage.k8s.io csinodes/NODE
 */
export interface PodLayerRead {
  /** API objects as JSON with their kind set, as readApiObject takes them. */
  objects: { what: string; value: unknown }[];
  /** Reads that failed or did not answer in time: "events of shop/web-0" and why. */
  unread: { what: string; why: string }[];
  /** When the reads began (RFC 3339): what ages in the objects count from. */
  readAt: string;
}

export interface PodLayerReading {
  /** Resolves when every read has finished (answered, failed or past its deadline). */
  done: Promise<void>;
  /** What has arrived after at most `waitMs` more; reads still out are cancelled and named unread. */
  settle(waitMs: number): Promise<PodLayerRead>;
}

/** The pod as the layer reads start from it: its identity, node and what its spec names. */
export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
  nodeName: string;
  /** Claim names of spec.volumes[].persistentVolumeClaim. */
  claims: string[];
  /** The pod has CSI volumes (inline or through claims): VolumeAttachments and the CSINode matter. */
  csi: boolean;
}

export interface PodLayerOptions {
  core: k8s.CoreV1Api;
  storage: k8s.StorageV1Api;
  server: string;
  /** Each read's own deadline (ms). */
  deadlineMs: number;
  /** Whose credentials the reads carry (the fix a refusal names); default the bot's. */
  who?: KubeActor;
}

const MAX_CLAIMS = 8;
const MAX_EVENTS = 200;
const MAX_ATTACHMENTS = 200;

/**
 * An object as the client returns it, back to the API's JSON: the models keep
 * the JSON field names for these kinds, and times become RFC 3339 strings
 * again as the API prints them (Date.toJSON, whole seconds without ".000").
 * List items carry no kind in the API's answer: set here.
 */
export const apiJson = (value: unknown, kind: string, apiVersion: string): Record<string, unknown> =>
  ({ ...(JSON.parse(JSON.stringify(value).replace(/(T\d\d:\d\d:\d\d)\.000Z"/g, '$1Z"')) as Record<string, unknown>), kind, apiVersion });

export function readPodLayer(pod: PodRef, opts: PodLayerOptions): PodLayerReading {
  const started = Date.now();
  const objects: PodLayerRead['objects'] = [];
  const unread: PodLayerRead['unread'] = [];
  const pending = new Map<string, AbortController>();
  const ref = `${pod.namespace}/${pod.name}`;

  function read(what: string, rbac: { verb: string; resource: string; namespace: string }, call: (o: k8s.ConfigurationOptions) => Promise<unknown[]>): Promise<void> {
    const ac = new AbortController();
    pending.set(what, ac);
    const timer = setTimeout(() => ac.abort(new Error(`no answer within ${opts.deadlineMs} ms`)), opts.deadlineMs);
    timer.unref();
    return call(abortable(ac.signal)).then(
      (values) => { if (pending.delete(what)) objects.push(...values.map((value) => ({ what, value }))); },
      (err: unknown) => {
        if (!pending.delete(what)) return;
        const why = ac.signal.aborted ? `no answer within ${opts.deadlineMs} ms` : kubeFailure(err, opts.server, rbac, opts.who).message;
        unread.push({ what, why });
      },
    ).finally(() => clearTimeout(timer));
  }

  const reads: Promise<void>[] = [];
  const node = pod.nodeName;
  reads.push(read(`node ${node}`, { verb: 'get', resource: 'nodes', namespace: 'the cluster' },
    async (o) => [apiJson(await opts.core.readNode({ name: node }, o), 'Node', 'v1')]));
  reads.push(read(`events of ${ref}`, { verb: 'list', resource: 'events', namespace: pod.namespace },
    async (o) => {
      const list = await opts.core.listNamespacedEvent({ namespace: pod.namespace, fieldSelector: `involvedObject.uid=${pod.uid}`, limit: MAX_EVENTS }, o);
      return list.items.map((e) => apiJson(e, 'Event', 'v1'));
    }));
  for (const claim of pod.claims.slice(0, MAX_CLAIMS)) {
    reads.push(read(`persistentvolumeclaim ${pod.namespace}/${claim}`, { verb: 'get', resource: 'persistentvolumeclaims', namespace: pod.namespace },
      async (o) => [apiJson(await opts.core.readNamespacedPersistentVolumeClaim({ namespace: pod.namespace, name: claim }, o), 'PersistentVolumeClaim', 'v1')]));
  }
  if (pod.csi || pod.claims.length) {
    reads.push(read(`volumeattachments of node ${node}`, { verb: 'list', resource: 'volumeattachments.storage.k8s.io', namespace: 'the cluster' },
      async (o) => {
        // VolumeAttachments have no field selector for their node: listed, then kept for this node.
        const list = await opts.storage.listVolumeAttachment({}, o);
        return list.items.filter((a) => a.spec?.nodeName === node).slice(0, MAX_ATTACHMENTS).map((a) => apiJson(a, 'VolumeAttachment', 'storage.k8s.io/v1'));
      }));
    reads.push(read(`csinode ${node}`, { verb: 'get', resource: 'csinodes.storage.k8s.io', namespace: 'the cluster' },
      async (o) => [apiJson(await opts.storage.readCSINode({ name: node }, o), 'CSINode', 'storage.k8s.io/v1')]));
  }
  const done = Promise.all(reads).then(() => undefined);

  return {
    done,
    async settle(waitMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise<void>((r) => { timer = setTimeout(r, Math.max(0, waitMs)); timer.unref(); })]);
      clearTimeout(timer);
      for (const [what, ac] of pending) {
        pending.delete(what);
        unread.push({ what, why: `no answer within ${Date.now() - started} ms (the answer did not wait for it)` });
        ac.abort();
      }
      return { objects: [...objects], unread: [...unread], readAt: new Date(started).toISOString() };
    },
  };
}

/** The claims and CSI volumes a pod's spec names (from the pod as the client returns it). */
export function podRef(p: k8s.V1Pod): PodRef {
  const volumes = p.spec?.volumes ?? [];
  return {
    namespace: p.metadata?.namespace ?? '',
    name: p.metadata?.name ?? '',
    uid: p.metadata?.uid ?? '',
    nodeName: p.spec?.nodeName ?? '',
    claims: [...new Set(volumes.map((v) => v.persistentVolumeClaim?.claimName).filter((c): c is string => Boolean(c)))],
    csi: volumes.some((v) => v.csi !== undefined || v.ephemeral !== undefined),
  };
}
