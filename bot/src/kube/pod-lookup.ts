import type * as k8s from '@kubernetes/client-node';
import { kubeCoreApi, kubeFailure } from './kube-client';
import { isNamespaceName, SUBDOMAIN } from './names';

/** What the bot needs to know about a pod from the Kubernetes API. */
export interface PodInfo {
  namespace: string;
  name: string;
  uid: string;
  nodeName: string;
  phase: string;
  deletionTimestamp?: string;
  containers: { name: string; id: string; state: string }[];
  events: { type: string; reason: string; message: string; time: string }[];
}

export type LookupResult<T> =
  | { status: 'ok'; value: T }
  | { status: 'invalid'; message: string }
  | { status: 'not-found'; message: string }
  | { status: 'unreachable'; message: string };

/** The Kubernetes side of a question: an interface so tests can point it at a fake API server. */
export interface KubeLookup {
  getPod(namespace: string, name: string): Promise<LookupResult<PodInfo>>;
}

/** Pod and namespace names as Kubernetes allows them; anything else never reaches the API. */
export function validatePodRef(namespace: string, name: string): string | null {
  if (!isNamespaceName(namespace)) return `"${namespace}" is not a valid namespace name (lowercase letters, digits and "-", at most 63)`;
  if (!SUBDOMAIN.test(name) || name.length > 253) return `"${name}" is not a valid pod name (lowercase letters, digits, "-" and ".", at most 253)`;
  return null;
}

function stateOf(s: k8s.V1ContainerStatus): string {
  if (s.state?.running) return 'running';
  if (s.state?.waiting) return `waiting (${s.state.waiting.reason ?? '?'})`;
  if (s.state?.terminated) return `terminated (${s.state.terminated.reason ?? s.state.terminated.exitCode})`;
  return 'unknown';
}

export function createKubeLookup(opts: { kubeconfig?: string } = {}): KubeLookup {
  const { core, server } = kubeCoreApi(opts.kubeconfig);

  return {
    async getPod(namespace, name) {
      const invalid = validatePodRef(namespace, name);
      if (invalid) return { status: 'invalid', message: invalid };
      let pod: k8s.V1Pod;
      try {
        pod = await core.readNamespacedPod({ name, namespace });
      } catch (err) {
        const failed = kubeFailure(err, server, { verb: 'get', resource: 'pods', namespace });
        return failed.status === 'not-found' ? { status: 'not-found', message: `pod ${namespace}/${name} does not exist` } : { status: 'unreachable', message: failed.message };
      }
      let events: PodInfo['events'] = [];
      try {
        const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.uid=${pod.metadata?.uid ?? ''}` });
        events = list.items.map((e) => ({
          type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '',
          time: String(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? ''),
        })).slice(-10);
      } catch { /* events are extra evidence; their absence is not fatal */ }
      const statuses = pod.status?.containerStatuses ?? [];
      return {
        status: 'ok',
        value: {
          namespace, name,
          uid: pod.metadata?.uid ?? '',
          nodeName: pod.spec?.nodeName ?? '',
          phase: pod.status?.phase ?? 'Unknown',
          deletionTimestamp: pod.metadata?.deletionTimestamp ? new Date(pod.metadata.deletionTimestamp).toISOString() : undefined,
          containers: statuses.map((s) => ({ name: s.name, id: (s.containerID ?? '').replace(/^\w+:\/\//, ''), state: stateOf(s) })),
          events,
        },
      };
    },
  };
}
