import type * as k8s from '@kubernetes/client-node';
import { controllerSearch, nameMatch, type ControllerSearch } from './finalizer-controllers';
import { abortable, kubeFailure, type KubeActor } from './kube-client';

/**
 * The Kubernetes layer of a stuck pod, read live and read-only, all at once
 * (and in parallel with the node's snapshot): the pod's node (Ready, heartbeat,
 * taints), the pod's events, its PersistentVolumeClaims and — when it has
 * claims or CSI volumes — the node's VolumeAttachments and its CSINode, and
 * the PersistentVolume each claim is bound to (read once its claim answers);
 * for a pod being deleted with finalizers, the pods of the controller that
 * should remove each (finalizer-controllers.ts: by its labels, or a
 * Deployment named like the finalizer) and their recent events. Each read has
 * a deadline; one that fails or does not answer is named in `unread` with
 * why, never dropped, and never holds the answer up: `settle` takes what has
 * arrived and cancels the rest.
 *
 * Exactly these calls (and the pod's own get), which is what the bot's
 * ClusterRole grants (deploy/kustomize/base/bot-rbac.yaml):
 *   get nodes/NODE · list events (fieldSelector involvedObject.uid) · get persistentvolumeclaims/NAME
 *   get persistentvolumes/NAME · list storage.k8s.io volumeattachments (filtered to the node here)
 *   get storage.k8s.io csinodes/NODE · list apps deployments (all namespaces, to match by name)
 *   list pods (a namespace, by label selector: the controller's)
 */
export interface PodLayerRead {
  /** API objects as JSON with their kind set, as readApiObject takes them. */
  objects: { what: string; value: unknown }[];
  /** Reads that failed or did not answer in time: "events of shop/web-0" and why. */
  unread: { what: string; why: string }[];
  /** The controllers of the pod's finalizers, as looked for (or why not read). */
  controllers: ControllerRead[];
  /** When the reads began (RFC 3339): what ages in the objects count from. */
  readAt: string;
}

/** One controller looked for (for one or more finalizers): API JSON as read, or why it was not. */
export interface ControllerRead {
  finalizers: string[];
  search: ControllerSearch;
  /** By name: the Deployments that matched (API JSON) and why each did. */
  deployments: { value: unknown; matched: string }[];
  /** How many Deployments were looked through, and whether the list was cut at its limit. */
  looked?: { deployments: number; cut: boolean };
  pods: unknown[];
  events: unknown[];
  /** Parts not read (the events of a pod): what and why. */
  partial: { what: string; why: string }[];
  /** The look failed or did not answer: why. */
  unread?: string;
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
  /** metadata.finalizers, and whether the pod is being deleted (then their controllers are looked for). */
  finalizers?: string[];
  deleting?: boolean;
  /** The pod's own controller (ownerReferences): never taken for the one that removes its finalizers. */
  owner?: { kind: string; name: string };
}

export interface PodLayerOptions {
  core: k8s.CoreV1Api;
  storage: k8s.StorageV1Api;
  apps: k8s.AppsV1Api;
  server: string;
  /** Each read's own deadline (ms). */
  deadlineMs: number;
  /** Whose credentials the reads carry (the fix a refusal names); default the bot's. */
  who?: KubeActor;
}

const MAX_CLAIMS = 8;
const MAX_EVENTS = 200;
const MAX_ATTACHMENTS = 200;
/** Finalizers whose controller is looked for; Deployments looked through to match by name; pods per controller; pods whose events are read. */
const MAX_FINALIZERS = 4;
const MAX_DEPLOYMENTS = 500;
const MAX_MATCHED = 2;
const MAX_CONTROLLER_PODS = 20;
const MAX_EVENT_PODS = 3;
const MAX_CONTROLLER_EVENTS = 10;

interface Rbac {
  verb: string;
  resource: string;
  namespace: string;
}

/** A step of a read of several calls that failed: the call's own RBAC names the fix. */
class StepError extends Error {
  constructor(
    readonly inner: unknown,
    readonly rbac: Rbac,
  ) {
    super((inner as Error)?.message ?? String(inner));
  }
}

async function step<T>(rbac: Rbac, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw new StepError(err, rbac);
  }
}

/**
 * An object as the client returns it, back to the API's JSON: the models keep
 * the JSON field names for these kinds, and times become RFC 3339 strings
 * again as the API prints them (Date.toJSON, whole seconds without ".000").
 * List items carry no kind in the API's answer: set here.
 */
export const apiJson = (value: unknown, kind: string, apiVersion: string): Record<string, unknown> => ({
  ...(JSON.parse(JSON.stringify(value).replace(/(T\d\d:\d\d:\d\d)\.000Z"/g, '$1Z"')) as Record<string, unknown>),
  kind,
  apiVersion,
});

export function readPodLayer(pod: PodRef, opts: PodLayerOptions): PodLayerReading {
  const started = Date.now();
  const objects: PodLayerRead['objects'] = [];
  const unread: PodLayerRead['unread'] = [];
  const controllers: PodLayerRead['controllers'] = [];
  const pending = new Map<string, AbortController>();
  const ref = `${pod.namespace}/${pod.name}`;
  let settled = false;

  /** One read under its deadline; what it gives is kept only while it is still awaited. */
  function readInto<T>(what: string, rbac: Rbac, call: (o: k8s.ConfigurationOptions) => Promise<T>, keep: (value: T) => void): Promise<void> {
    if (settled) return Promise.resolve();
    const ac = new AbortController();
    pending.set(what, ac);
    const timer = setTimeout(() => ac.abort(new Error(`no answer within ${opts.deadlineMs} ms`)), opts.deadlineMs);
    timer.unref();
    return call(abortable(ac.signal))
      .then(
        (value) => {
          if (pending.delete(what)) keep(value);
        },
        (err: unknown) => {
          if (!pending.delete(what)) return;
          const failed = err instanceof StepError ? err : undefined;
          const why = ac.signal.aborted ? `no answer within ${opts.deadlineMs} ms` : kubeFailure(failed?.inner ?? err, opts.server, failed?.rbac ?? rbac, opts.who).message;
          unread.push({ what, why });
        },
      )
      .finally(() => clearTimeout(timer));
  }

  const read = (what: string, rbac: Rbac, call: (o: k8s.ConfigurationOptions) => Promise<unknown[]>): Promise<void> =>
    readInto(what, rbac, call, (values) => {
      objects.push(...values.map((value) => ({ what, value })));
    });

  const reads: Promise<void>[] = [];
  const node = pod.nodeName;
  reads.push(read(`node ${node}`, { verb: 'get', resource: 'nodes', namespace: 'the cluster' }, async (o) => [apiJson(await opts.core.readNode({ name: node }, o), 'Node', 'v1')]));
  reads.push(
    read(`events of ${ref}`, { verb: 'list', resource: 'events', namespace: pod.namespace }, async (o) => {
      const list = await opts.core.listNamespacedEvent({ namespace: pod.namespace, fieldSelector: `involvedObject.uid=${pod.uid}`, limit: MAX_EVENTS }, o);
      return list.items.map((e) => apiJson(e, 'Event', 'v1'));
    }),
  );
  for (const claim of pod.claims.slice(0, MAX_CLAIMS)) {
    let bound: string | undefined;
    reads.push(
      read(`persistentvolumeclaim ${pod.namespace}/${claim}`, { verb: 'get', resource: 'persistentvolumeclaims', namespace: pod.namespace }, async (o) => {
        const c = await opts.core.readNamespacedPersistentVolumeClaim({ namespace: pod.namespace, name: claim }, o);
        bound = c.spec?.volumeName || undefined;
        return [apiJson(c, 'PersistentVolumeClaim', 'v1')];
      })
        // Then the volume it is bound to: its CSI driver, handle, reclaim policy and phase (its own deadline).
        .then(() =>
          bound
            ? read(`persistentvolume ${bound}`, { verb: 'get', resource: 'persistentvolumes', namespace: 'the cluster' }, async (o) => [
                apiJson(await opts.core.readPersistentVolume({ name: bound! }, o), 'PersistentVolume', 'v1'),
              ])
            : undefined,
        ),
    );
  }
  if (pod.csi || pod.claims.length) {
    reads.push(
      read(`volumeattachments of node ${node}`, { verb: 'list', resource: 'volumeattachments.storage.k8s.io', namespace: 'the cluster' }, async (o) => {
        // VolumeAttachments have no field selector for their node: listed, then kept for this node.
        const list = await opts.storage.listVolumeAttachment({}, o);
        return list.items
          .filter((a) => a.spec?.nodeName === node)
          .slice(0, MAX_ATTACHMENTS)
          .map((a) => apiJson(a, 'VolumeAttachment', 'storage.k8s.io/v1'));
      }),
    );
    reads.push(
      read(`csinode ${node}`, { verb: 'get', resource: 'csinodes.storage.k8s.io', namespace: 'the cluster' }, async (o) => [
        apiJson(await opts.storage.readCSINode({ name: node }, o), 'CSINode', 'storage.k8s.io/v1'),
      ]),
    );
  }
  // The controllers that should remove the finalizers of a pod being deleted: one look per controller.
  const looks = new Map<string, { finalizers: string[]; search: ControllerSearch }>();
  if (pod.deleting) {
    for (const f of (pod.finalizers ?? []).slice(0, MAX_FINALIZERS)) {
      const search = controllerSearch(f);
      const look = looks.get(search.key);
      if (look) look.finalizers.push(f);
      else looks.set(search.key, { finalizers: [f], search });
    }
  }
  const lookNames = new Map<string, string>();
  for (const { finalizers, search } of looks.values()) {
    const what = `controller pods for finalizer ${finalizers.join(', ')}`;
    lookNames.set(what, search.key);
    reads.push(
      readInto(
        what,
        search.by === 'labels' ? { verb: 'list', resource: 'pods', namespace: search.namespace } : { verb: 'list', resource: 'deployments.apps', namespace: 'the cluster' },
        (o) => lookForController(search, pod, opts, o),
        (found) => {
          controllers.push({ finalizers, search, ...found });
        },
      ),
    );
  }
  const done = Promise.all(reads).then(() => undefined);

  return {
    done,
    async settle(waitMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        done,
        new Promise<void>((r) => {
          timer = setTimeout(r, Math.max(0, waitMs));
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
      settled = true;
      for (const [what, ac] of pending) {
        pending.delete(what);
        unread.push({ what, why: `no answer within ${Date.now() - started} ms (the answer did not wait for it)` });
        ac.abort();
      }
      // A controller not read is still said: which, and why not.
      const looked = [...controllers];
      for (const u of unread) {
        const key = lookNames.get(u.what);
        const look = key ? looks.get(key) : undefined;
        if (look && !looked.some((c) => c.search.key === key)) looked.push({ ...look, deployments: [], pods: [], events: [], partial: [], unread: u.why });
      }
      return { objects: [...objects], unread: [...unread], controllers: looked, readAt: new Date(started).toISOString() };
    },
  };
}

const isReady = (p: k8s.V1Pod): boolean => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready);

/**
 * The controller's pods — by its labels in its namespace, or through the
 * Deployments named like the finalizer (never the pod's own) — and the recent
 * events of those not ready (else of the first), each read as its own call.
 */
async function lookForController(search: ControllerSearch, pod: PodRef, opts: PodLayerOptions, o: k8s.ConfigurationOptions): Promise<Omit<ControllerRead, 'finalizers' | 'search'>> {
  const found: Omit<ControllerRead, 'finalizers' | 'search'> = { deployments: [], pods: [], events: [], partial: [] };
  const pods: k8s.V1Pod[] = [];
  if (search.by === 'labels') {
    const list = await step(
      { verb: 'list', resource: 'pods', namespace: search.namespace },
      opts.core.listNamespacedPod({ namespace: search.namespace, labelSelector: search.selector, limit: MAX_CONTROLLER_PODS }, o),
    );
    pods.push(...list.items);
  } else {
    const list = await step({ verb: 'list', resource: 'deployments.apps', namespace: 'the cluster' }, opts.apps.listDeploymentForAllNamespaces({ limit: MAX_DEPLOYMENTS }, o));
    found.looked = { deployments: list.items.length, cut: Boolean(list.metadata?._continue) };
    const ownRs = pod.owner?.kind === 'ReplicaSet' ? pod.owner.name : undefined;
    const scored = list.items
      .map((d) => ({ d, m: nameMatch(search, d.metadata?.namespace ?? '', d.metadata?.name ?? '') }))
      // The pod's own Deployment (its ReplicaSet is named after it) is what is being deleted, not its finalizer's controller.
      .filter(({ d, m }) => m.score > 0 && !(ownRs && d.metadata?.namespace === pod.namespace && ownRs.startsWith(`${d.metadata?.name ?? ''}-`)))
      .sort((a, b) => b.m.score - a.m.score);
    const best = scored.filter((x) => x.m.score === scored[0]?.m.score).slice(0, MAX_MATCHED);
    for (const { d, m } of best) {
      found.deployments.push({ value: apiJson(d, 'Deployment', 'apps/v1'), matched: m.why });
      const ns = d.metadata?.namespace ?? '';
      const labels = Object.entries(d.spec?.selector?.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      if (!labels) {
        found.partial.push({ what: `pods of Deployment ${ns}/${d.metadata?.name ?? ''}`, why: 'its selector has no matchLabels to list them by' });
        continue;
      }
      const list2 = await step({ verb: 'list', resource: 'pods', namespace: ns }, opts.core.listNamespacedPod({ namespace: ns, labelSelector: labels, limit: MAX_CONTROLLER_PODS }, o));
      pods.push(...list2.items);
    }
  }
  found.pods = pods.map((p) => apiJson(p, 'Pod', 'v1'));
  const troubled = pods.filter((p) => !isReady(p));
  const withEvents = (troubled.length ? troubled : pods).slice(0, MAX_EVENT_PODS);
  await Promise.all(
    withEvents.map(async (p) => {
      const ns = p.metadata?.namespace ?? '';
      try {
        const list = await opts.core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.uid=${p.metadata?.uid ?? ''}`, limit: MAX_CONTROLLER_EVENTS }, o);
        found.events.push(...list.items.map((e) => apiJson(e, 'Event', 'v1')));
      } catch (err) {
        found.partial.push({ what: `events of ${ns}/${p.metadata?.name ?? ''}`, why: kubeFailure(err, opts.server, { verb: 'list', resource: 'events', namespace: ns }, opts.who).message });
      }
    }),
  );
  return found;
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
    finalizers: p.metadata?.finalizers ?? [],
    deleting: p.metadata?.deletionTimestamp !== undefined,
    owner: ((o) => (o ? { kind: o.kind, name: o.name } : undefined))(p.metadata?.ownerReferences?.find((r) => r.controller) ?? p.metadata?.ownerReferences?.[0]),
  };
}
