import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { LeaseConflict, type LeaseApi, type LeaseRecord } from './lease-types';

/** The namespace the bot runs in: POD_NAMESPACE (config.kube.podNamespace), the service account's namespace file, or `whystuck`. */
export function botNamespace(podNamespace: string | undefined): string {
  if (podNamespace) return podNamespace;
  try {
    return readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim() || 'whystuck';
  } catch {
    return 'whystuck';
  }
}

const toRecord = (l: k8s.V1Lease): LeaseRecord => ({
  name: l.metadata?.name ?? '',
  resourceVersion: l.metadata?.resourceVersion,
  holder: l.spec?.holderIdentity || undefined,
  durationSeconds: l.spec?.leaseDurationSeconds,
  acquireTimeMs: l.spec?.acquireTime ? new Date(l.spec.acquireTime).getTime() : undefined,
  renewTimeMs: l.spec?.renewTime ? new Date(l.spec.renewTime).getTime() : undefined,
  transitions: l.spec?.leaseTransitions ?? 0,
});

const toLease = (r: LeaseRecord, namespace: string): k8s.V1Lease => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: r.name,
    namespace,
    labels: { 'app.kubernetes.io/name': 'whystuck-bot', 'app.kubernetes.io/component': 'watch-lease' },
    ...(r.resourceVersion ? { resourceVersion: r.resourceVersion } : {}),
  },
  spec: {
    ...(r.holder ? { holderIdentity: r.holder } : {}),
    ...(r.durationSeconds !== undefined ? { leaseDurationSeconds: Math.ceil(r.durationSeconds) } : {}),
    ...(r.acquireTimeMs !== undefined ? { acquireTime: new Date(r.acquireTimeMs) } : {}),
    ...(r.renewTimeMs !== undefined ? { renewTime: new Date(r.renewTimeMs) } : {}),
    leaseTransitions: r.transitions,
  },
});

/** coordination.k8s.io/v1 Leases of one namespace through KUBECONFIG (or in-cluster), named `prefix*`. */
export function kubeLeaseApi(opts: { kubeconfig?: string; namespace: string; prefix: string }): LeaseApi {
  const kc = new k8s.KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  const api = kc.makeApiClient(k8s.CoordinationV1Api);
  const { namespace } = opts;
  const conflict =
    (name: string) =>
    (err: unknown): never => {
      if ((err as { code?: number }).code === 409) throw new LeaseConflict(name);
      throw err;
    };
  return {
    async list() {
      const res = await api.listNamespacedLease({ namespace });
      return res.items.map(toRecord).filter((l) => l.name.startsWith(opts.prefix));
    },
    create: (r) => api.createNamespacedLease({ namespace, body: toLease({ ...r, resourceVersion: undefined }, namespace) }).then(toRecord, conflict(r.name)),
    replace: (r) => api.replaceNamespacedLease({ name: r.name, namespace, body: toLease(r, namespace) }).then(toRecord, conflict(r.name)),
  };
}
