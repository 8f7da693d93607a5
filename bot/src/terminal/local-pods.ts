import type { PodSummary__Output } from '../../../proto/generated/whystuck/v1/PodSummary';
import type { CollectorClient } from '../../../collector/src';
import type { KubeLookup, LookupResult, PodInfo } from '../kube/pod-lookup';

/**
 * Pods as this machine's cgroups show them, for when there is no Kubernetes
 * API: UID, QoS class, container ids and task counts, and a pod named by its
 * UID or by a prefix unique among them.
 */
export type LocalPods = { status: 'ok'; pods: PodSummary__Output[] } | { status: 'failed'; message: string };

export async function listLocalPods(client: CollectorClient): Promise<LocalPods> {
  const res = await client.snapshot({ whole_node: true, skip_kmsg: true });
  if (res.status !== 'ok') return { status: 'failed', message: `the local collector ${res.status === 'unreachable' ? 'is unreachable' : 'refused the snapshot'}: ${res.message}` };
  return { status: 'ok', pods: [...res.value.pods].sort((a, b) => a.pod_uid.localeCompare(b.pod_uid)) };
}

export function formatPods(pods: PodSummary__Output[], node: string): string {
  if (!pods.length) return `No pod cgroups on ${node} (no kubepods cgroup with tasks): ask about a pid or the whole machine instead.`;
  const rows = pods.map(
    (p) =>
      `  ${p.pod_uid}  ${(p.qos_class || '-').padEnd(10)}  ${String(p.task_count).padStart(5)} tasks  containers ${p.container_ids.map((c) => c.slice(0, 12)).join(', ') || '(none: pod-level cgroup)'}`,
  );
  return `Pods on ${node}, from the cgroups (UID, QoS, tasks, containers):\n${rows.join('\n')}\nAsk “why is pod UID stuck” with the UID or a unique prefix of it.`;
}

export type PodMatch = { status: 'ok'; pod: PodSummary__Output } | { status: 'invalid' | 'not-found'; message: string };

export function matchPod(pods: PodSummary__Output[], text: string, node: string): PodMatch {
  const want = text.toLowerCase();
  if (!/^[0-9a-f][0-9a-f-]{0,35}$/.test(want)) {
    return { status: 'invalid', message: `"${text.slice(0, 60)}" is not a pod UID: without a Kubernetes API (no kubeconfig) pods are named by UID or a unique UID prefix, as \`pods\` lists them` };
  }
  const found = pods.filter((p) => p.pod_uid.startsWith(want));
  if (found.length === 1) return { status: 'ok', pod: found[0] };
  const known = pods
    .slice(0, 10)
    .map((p) => p.pod_uid)
    .join(', ');
  if (!found.length && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(want)) {
    return { status: 'not-found', message: `no process of pod ${want} is left on ${node}: its cgroups hold no tasks (the kernel has released it)` };
  }
  if (found.length > 1) return { status: 'not-found', message: `pod UID prefix ${want} matches ${found.length} pods on ${node}: ${found.map((p) => p.pod_uid).join(', ')}; type more of it` };
  return { status: 'not-found', message: `no pod with UID ${want}… on ${node}${known ? ` (pods here: ${known})` : ' (no pod cgroups here)'}` };
}

/**
 * Kubernetes lookups answered from this machine's cgroups: a pod is its UID
 * (or unique prefix) in namespace "local", on this node; containers are the
 * cgroup container ids. Phase and events are unknown without the API.
 */
export function createLocalPodLookup(client: CollectorClient, node: string): KubeLookup {
  return {
    async getPod(_namespace, name): Promise<LookupResult<PodInfo>> {
      const listed = await listLocalPods(client);
      if (listed.status !== 'ok') return { status: 'unreachable', message: listed.message };
      const m = matchPod(listed.pods, name, node);
      if (m.status !== 'ok') return m;
      const p = m.pod;
      return {
        status: 'ok',
        value: {
          namespace: 'local',
          name: p.pod_uid,
          uid: p.pod_uid,
          nodeName: node,
          phase: `unknown (no Kubernetes API; ${p.task_count} tasks in its cgroups)`,
          containers: p.container_ids.map((id) => ({ name: id.slice(0, 12), id, state: 'found in cgroups' })),
        },
      };
    },
  };
}
