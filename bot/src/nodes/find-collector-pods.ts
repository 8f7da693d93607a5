import type * as k8s from '@kubernetes/client-node';
import { kubeCoreApi, kubeFailure, type KubeActor, type KubeSource } from '../kube/kube-client';
import { isNodeName } from '../kube/names';
import type { LookupResult } from '../kube/pod-lookup';

/** A collector DaemonSet pod as the bot needs it: where it runs and how to reach it. */
export interface CollectorPod {
  namespace: string;
  name: string;
  node: string;
  podIP?: string;
  phase: string;
  ready: boolean;
}

/** Finds collector pods through the Kubernetes API: one node's, or every node's (for a sweep). */
export interface CollectorFinder {
  /** What is searched, for messages: `pods in namespace whystuck with labels app.kubernetes.io/name=whystuck-collector`. */
  readonly describe: string;
  list(node?: string): Promise<LookupResult<CollectorPod[]>>;
}

function toCollectorPod(p: k8s.V1Pod): CollectorPod {
  return {
    namespace: p.metadata?.namespace ?? '',
    name: p.metadata?.name ?? '',
    node: p.spec?.nodeName ?? '',
    podIP: p.status?.podIP || undefined,
    phase: p.status?.phase ?? 'Unknown',
    ready: (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  };
}

/**
 * Lists pods in the collector namespace with the collector label selector and,
 * for one node, the field selector spec.nodeName=NODE — the API server does the
 * filtering, so the bot needs only "list pods" in that one namespace.
 */
export function createCollectorFinder(opts: {
  kubeconfig?: KubeSource;
  namespace: string;
  selector: string;
  /** Whose credentials (the fix a refusal names); default the bot's. */ who?: KubeActor;
}): CollectorFinder {
  const { core, server } = kubeCoreApi(opts.kubeconfig);
  return {
    describe: `pods in namespace ${opts.namespace} with labels ${opts.selector}`,
    async list(node) {
      if (node !== undefined && !isNodeName(node)) return { status: 'invalid', message: `"${node.slice(0, 60)}" is not a valid node name` };
      try {
        const res = await core.listNamespacedPod({ namespace: opts.namespace, labelSelector: opts.selector, ...(node !== undefined ? { fieldSelector: `spec.nodeName=${node}` } : {}) });
        return { status: 'ok', value: res.items.map(toCollectorPod) };
      } catch (err) {
        const failed = kubeFailure(err, server, { verb: 'list', resource: 'pods', namespace: opts.namespace }, opts.who);
        return { status: 'unreachable', message: `cannot find the collector pods: ${failed.message}` };
      }
    },
  };
}

/** Of the collector pods on one node (two during a rolling update), the one to call: running and ready, else running. */
export function pickCollectorPod(pods: CollectorPod[]): CollectorPod | undefined {
  return pods.find((p) => p.phase === 'Running' && p.ready && p.podIP) ?? pods.find((p) => p.phase === 'Running' && p.podIP);
}
