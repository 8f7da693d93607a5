import { kubeCoreApi } from './kube-client';
import { isNodeName } from './names';

/** A pod's namespace and name from its UID (what the kernel and the collector know). */
export interface PodNames {
  byUid(node: string, uid: string): Promise<{ namespace: string; name: string } | undefined>;
}

/**
 * Names pods through the Kubernetes API: the pods on the node (field selector
 * spec.nodeName, so the API server filters), matched by UID. Answers are kept
 * for `ttlMs`; a failing API (no kubeconfig, RBAC) is an unknown name, never
 * an error: the alert then names the pod by UID.
 */
export function createPodNames(opts: { kubeconfig?: string; ttlMs?: number } = {}): PodNames {
  let api: ReturnType<typeof kubeCoreApi> | undefined;
  const cache = new Map<string, { at: number; name?: { namespace: string; name: string } }>();
  const ttl = opts.ttlMs ?? 60_000;
  return {
    async byUid(node, uid) {
      const hit = cache.get(uid);
      if (hit && Date.now() - hit.at < ttl) return hit.name;
      if (!isNodeName(node)) return undefined;
      try {
        api ??= kubeCoreApi(opts.kubeconfig);
        const list = await api.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` });
        const now = Date.now();
        if (cache.size > 10_000) for (const [k, v] of cache) if (now - v.at >= ttl) cache.delete(k);
        for (const p of list.items) {
          if (p.metadata?.uid && p.metadata.name && p.metadata.namespace) cache.set(p.metadata.uid, { at: now, name: { namespace: p.metadata.namespace, name: p.metadata.name } });
        }
        if (!cache.has(uid) || cache.get(uid)!.at !== now) cache.set(uid, { at: now });
        return cache.get(uid)?.name;
      } catch {
        return undefined;
      }
    },
  };
}
