import type { Evidence, KubeEvidence, KubeNode, KubePod } from '../../evidence/evidence';

/**
 * What the Kubernetes rules share: which pods are being deleted, the node a
 * pod runs on and whether it answers, times with their zone, and how a pod
 * is named in prose. Works on pasted and live evidence alike.
 */
export const kubeOf = (ev: Evidence): KubeEvidence | undefined => ev.kube;

/** An instant in ms, only for times that carry their zone (RFC 3339 with Z/offset, RFC 1123Z, `date` in UTC). */
export function instant(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = s.trim();
  if (!/(?:Z|[+-]\d\d:?\d\d|\bUTC|\bGMT)$/.test(t) && !/\b(?:UTC|GMT)\b/.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

/** "Now" for ages and grace periods: the time the evidence was taken, else its newest zoned log time. */
export function nowOf(ev: Evidence): number | undefined {
  const k = ev.kube?.now ? instant(ev.kube.now) : undefined;
  if (k !== undefined) return k;
  if (ev.clock?.takenAtMs) return ev.clock.takenAtMs;
  return instant(ev.clock?.logSpans?.iso?.last);
}

/** "3d 4h", "29 min", "45 s". */
export function span(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h${s % 3600 >= 60 ? ` ${Math.round((s % 3600) / 60)} min` : ''}`;
  return `${Math.floor(s / 86_400)} d${s % 86_400 >= 3600 ? ` ${Math.floor((s % 86_400) / 3600)} h` : ''}`;
}

export const podName = (p: KubePod): string => (p.name ? `${p.namespace ? `${p.namespace}/` : ''}${p.name}` : 'the pod');

export const isTerminating = (p: KubePod): boolean => /^terminating$/i.test(p.shown ?? '');

/** Deletion begun: a deletionTimestamp, "Terminating" printed, or a delete asked for. */
export const isDeleting = (p: KubePod): boolean => p.deletionTimestamp !== undefined || isTerminating(p) || p.deletionAsked !== undefined;

export function deletingPods(kube: KubeEvidence): KubePod[] {
  return kube.pods.filter(isDeleting);
}

/** A person says a pod hangs / stays Terminating (kube statements, or the prose reader's). */
export function saysStuck(ev: Evidence): string | undefined {
  const k = ev.kube?.stated.find((s) => s.kind === 'stuck');
  if (k) return k.text;
  return ev.stated.find((s) => s.kind === 'terminating')?.text;
}

export const saysDeleted = (ev: Evidence): string | undefined => ev.kube?.stated.find((s) => s.kind === 'deleted')?.text ?? ev.stated.find((s) => s.kind === 'terminating')?.text;

/** Containers still up: READY n/m with n > 0, or a container state running. */
export function containersRunning(p: KubePod): boolean | undefined {
  if (p.containers.length && p.containers.some((c) => c.state !== undefined)) return p.containers.some((c) => c.state === 'running');
  if (p.ready) return p.ready.ready > 0;
  return undefined;
}

export type NodeTrouble = 'unknown' | 'not-ready' | 'lost' | 'kubelet-not-ready';

/** Whether the node cannot confirm anything: Ready Unknown / NotReady / NodeLost / unreachable taint. */
export function nodeTrouble(n: KubeNode): NodeTrouble | null {
  if (n.taints.some((t) => t.key === 'node.kubernetes.io/unreachable')) return 'unknown';
  if (n.ready === 'Unknown') return 'unknown';
  if (n.reason === 'NodeLost') return 'lost';
  if (n.ready === 'False') return n.reason === 'KubeletNotReady' ? 'kubelet-not-ready' : 'not-ready';
  if (n.ready === 'True') return null;
  if (/^(?:NotReady|Unknown)\b/.test(n.shown ?? '')) return n.reason === 'KubeletNotReady' ? 'kubelet-not-ready' : 'not-ready';
  if (n.taints.some((t) => t.key === 'node.kubernetes.io/not-ready')) return 'not-ready';
  return null;
}

export const nodeOf = (kube: KubeEvidence, p: KubePod): KubeNode | undefined => (p.node ? kube.nodes.find((n) => n.name === p.node) : undefined);

/** Events about this pod (by name or uid). */
export function eventsOf(kube: KubeEvidence, p: KubePod): KubeEvidence['events'] {
  return kube.events.filter((e) => e.object?.kind === 'pod' && (e.object.name === p.name || e.object.name === p.uid) && (!e.object.namespace || !p.namespace || e.object.namespace === p.namespace));
}

/** The grace period that applies now: the deletion's, else the spec's. */
export const graceOf = (p: KubePod): number | undefined => p.deletionGracePeriodSeconds ?? p.terminationGracePeriodSeconds;

/** A StatefulSet pod: its owner reference says so. */
export const isStatefulSetPod = (p: KubePod): boolean => p.ownerReferences?.some((o) => o.kind === 'StatefulSet') ?? false;
