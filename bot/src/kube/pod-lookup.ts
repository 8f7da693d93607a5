import type * as k8s from '@kubernetes/client-node';
import { abortable, kubeApis, kubeFailure, type KubeActor, type KubeSource } from './kube-client';
import { validatePodRef } from './names';
import { apiJson, podRef, readPodLayer, type PodLayerReading, type PodRef } from './pod-layer';

/** What the bot needs to know about a pod from the Kubernetes API. */
export interface PodInfo {
  namespace: string;
  name: string;
  uid: string;
  nodeName: string;
  phase: string;
  deletionTimestamp?: string;
  containers: { name: string; id: string; state: string }[];
  /** The pod as the API returned it (JSON), for the evidence's Kubernetes layer; absent without an API. */
  raw?: Record<string, unknown>;
  /** What the layer reads start from (claims, CSI volumes); absent without an API. */
  ref?: PodRef;
}

export type LookupResult<T> = { status: 'ok'; value: T } | { status: 'invalid'; message: string } | { status: 'not-found'; message: string } | { status: 'unreachable'; message: string };

/** The Kubernetes side of a question: an interface so tests can point it at a fake API server. */
export interface KubeLookup {
  getPod(namespace: string, name: string): Promise<LookupResult<PodInfo>>;
  /**
   * Starts reading the rest of the pod's Kubernetes layer (node, events,
   * volumes; pod-layer.ts) — meant to run beside the node snapshot. Absent
   * where there is no API (pods from this machine's cgroups).
   */
  readLayer?(pod: PodInfo): PodLayerReading | undefined;
}

// (Here too for the modules that import it from here; it lives with the names, which load no API client.)
export { validatePodRef };

function stateOf(s: k8s.V1ContainerStatus): string {
  if (s.state?.running) return 'running';
  if (s.state?.waiting) return `waiting (${s.state.waiting.reason ?? '?'})`;
  if (s.state?.terminated) return `terminated (${s.state.terminated.reason ?? s.state.terminated.exitCode})`;
  return 'unknown';
}

/** Each API read's deadline unless told otherwise. */
export const KUBE_READ_DEADLINE_MS = 3000;

export function createKubeLookup(
  opts: { kubeconfig?: KubeSource; /** Each read's deadline (ms). */ deadlineMs?: number; /** Whose credentials (the fix a refusal names); default the bot's. */ who?: KubeActor } = {},
): KubeLookup {
  const { core, storage, apps, server } = kubeApis(opts.kubeconfig);
  const deadlineMs = opts.deadlineMs ?? KUBE_READ_DEADLINE_MS;

  return {
    async getPod(namespace, name) {
      const invalid = validatePodRef(namespace, name);
      if (invalid) return { status: 'invalid', message: invalid };
      let pod: k8s.V1Pod;
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), deadlineMs);
      try {
        pod = await core.readNamespacedPod({ name, namespace }, abortable(ac.signal));
      } catch (err) {
        if (ac.signal.aborted) return { status: 'unreachable', message: `Kubernetes API ${server} did not answer within ${deadlineMs} ms (get pod ${namespace}/${name})` };
        const failed = kubeFailure(err, server, { verb: 'get', resource: 'pods', namespace }, opts.who);
        return failed.status === 'not-found' ? { status: 'not-found', message: `pod ${namespace}/${name} does not exist` } : { status: 'unreachable', message: failed.message };
      } finally {
        clearTimeout(timer);
      }
      const statuses = pod.status?.containerStatuses ?? [];
      return {
        status: 'ok',
        value: {
          namespace,
          name,
          uid: pod.metadata?.uid ?? '',
          nodeName: pod.spec?.nodeName ?? '',
          phase: pod.status?.phase ?? 'Unknown',
          deletionTimestamp: pod.metadata?.deletionTimestamp ? new Date(pod.metadata.deletionTimestamp).toISOString() : undefined,
          containers: statuses.map((s) => ({ name: s.name, id: (s.containerID ?? '').replace(/^\w+:\/\//, ''), state: stateOf(s) })),
          raw: apiJson(pod, 'Pod', 'v1'),
          ref: podRef(pod),
        },
      };
    },
    readLayer(pod) {
      if (!pod.ref || !pod.ref.nodeName) return undefined;
      return readPodLayer(pod.ref, { core, storage, apps, server, deadlineMs, who: opts.who });
    },
  };
}
