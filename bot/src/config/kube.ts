import { z } from 'zod';
import type { SettingTable, Sources } from './sources';

/** Where the bot runs in Kubernetes: its API access and its own pod (set by the Deployment's downward API). */
export interface KubeConfigSettings {
  /** KUBECONFIG; in-cluster config when unset. */
  kubeconfig?: string;
  /** KUBERNETES_SERVICE_HOST is set: running in a pod. */
  inCluster: boolean;
  /** POD_NAME: this replica's name (the watch leases' holder). */
  podName?: string;
  /** POD_NAMESPACE: the bot's namespace (its leases); else the service account's. */
  podNamespace?: string;
}

export const KUBE_SETTINGS = {
  kubeconfig: { env: 'KUBECONFIG' },
  serviceHost: { env: 'KUBERNETES_SERVICE_HOST', blankIsUnset: true },
  podName: { env: 'POD_NAME', blankIsUnset: true },
  podNamespace: { env: 'POD_NAMESPACE', blankIsUnset: true },
} satisfies SettingTable;

const KubeSchema = z.object({ kubeconfig: z.string().optional(), serviceHost: z.string().optional(), podName: z.string().optional(), podNamespace: z.string().optional() });

export function kubeSection(src: Sources): KubeConfigSettings {
  const v = src.section('kubernetes', KUBE_SETTINGS, KubeSchema);
  return { kubeconfig: v.kubeconfig, inCluster: Boolean(v.serviceHost), podName: v.podName, podNamespace: v.podNamespace };
}
