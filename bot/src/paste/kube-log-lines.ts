import type { KubeEvidence } from '../evidence/evidence';
import { addEvent, addVolumeIssue, upsertNode, upsertPod } from './kube-store';
import { volumeIssueOf } from './kube-volume-text';

/**
 * Kubelet, controller and runtime log lines about the Kubernetes layer, in
 * klog (`E0831 17:56:48.090557 1050 kubelet.go:1844] "…" pod="ns/name"
 * podUID=…`), the older unstructured klog, logfmt (`time="…" level=error
 * msg="…"`) and JSON, with or without a journal prefix:
 *   volume operations that fail (kube-volume-text.ts)
 *   the pods they name (pod="ns/name", podUID=…, pod "name_ns(uid)")
 *   the kubelet killing a pod's containers (with its grace period), an
 *   unwanted pod, a preStop hook that fails
 *   a node that became / is NotReady
 * The runtime's stop/kill errors are read by runtime-errors.ts into notes.
 * `relevant` is the one cheap test every line passes first.
 */
const RELEVANT = /olume|ount|Input\/output error|tale (?:NFS )?file|Multi-Attach|Killing|[Pp]reStop|lifecycle hook|[Nn]ot ?[Rr]eady|pod="|podUID|non-exited|[Oo]rphaned pod/;
export const kubeRelevant = (text: string): boolean => RELEVANT.test(text);

const POD_KEY = /\bpod="([a-z0-9][-a-z0-9.]{0,252})\/([a-z0-9][-a-z0-9.]{0,252})"/;
const POD_UID = /\bpodUID="?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/;
const POD_OLD = /\bpod "([a-z0-9][-a-z0-9.]{0,252})_([a-z0-9][-a-z0-9]{0,62})\(([0-9a-f-]{36})\)"/;
const POD_NAME = /\bpodName="([a-z0-9][-a-z0-9.]{0,252})"/;
const GRACE = /\bgracePeriod=(\d{1,9})/;
const CONTAINER = /\bcontainerName="([^"]{1,253})"/;
const NODE_KEY = /\bnode="([a-z0-9][-a-z0-9.]{0,252})"/;
const NODE_SAYS = /\bNode ([a-z0-9][-a-z0-9.]{0,252}) (?:is NotReady|status is now: NodeNotReady|became not ready)/;
const NODE_RECORDING = /NodeNotReady event message for node ([a-z0-9][-a-z0-9.]{0,252})/;
const PRESTOP = /PreStop hook failed|FailedPreStopHook|[Pp]reStop hook (?:not completed|did not complete|timed out)|Exec lifecycle hook .{0,200}? for Container .{0,200}? failed|failed to run preStop/;
const KLOG_FILE = /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ ([\w.-]{1,80})\.go:\d+\]/;
/** Source files of the kubelet, the controllers and the runtimes: a klog line from any other file is a workload's own. */
const K8S_FILE =
  /^(?:kube|kubelet|pod_|pod|remote_|operation_|nested|reconcil|reconstruct|volume_|desired_|actual_|mount|subpath|csi_|generic|evented|container_gc|status_manager|prober|eviction|cgroup_|node_|attach_|pv_|garbage|gc_|taint|setters|cni|docker_|cri_|manager|server|worker|controller|event|round_trippers|reflector|leaderelection|instrumented_|helpers|util|runtime|plugins|config|flags|log|main)/;

export interface KubeLogReader {
  /** A log line (prefix split off when there was one); true when it said something about the Kubernetes layer. */
  /** `where`: the line's host and time, asked only when something is recorded (splitting a journal prefix costs). */
  line(text: string, where: () => { host?: string; time: string }, gated?: boolean): boolean;
  /** A klog line at column 0 with no journal prefix: the kubelet's, or a workload's own log. */
  klog(text: string): 'k8s' | 'workload' | null;
}

/** A journal repeats the same pods on most lines: each (pod, uid, node) is recorded once. */
const MAX_SEEN = 10_000;

export function createKubeLogReader(kube: KubeEvidence): KubeLogReader {
  const seen = new Set<string>();
  return {
    line(text, where, gated) {
      if (!gated && !RELEVANT.test(text)) return false;
      let at: { host?: string; time: string } | undefined;
      const place = (): { host?: string; time: string } => (at ??= where());
      let kept: string | undefined;
      const lineOf = (): string => (kept ??= text.trim().slice(0, 500));
      let said = false;
      const key = POD_KEY.exec(text);
      const old = key ? null : POD_OLD.exec(text);
      const uid = POD_UID.exec(text)?.[1] ?? old?.[3];
      const podName = key?.[2] ?? old?.[1] ?? POD_NAME.exec(text)?.[1];
      const namespace = key?.[1] ?? old?.[2];
      if (podName || uid) {
        const k = `${namespace ?? ''}/${podName ?? ''}|${uid ?? ''}`;
        if (!seen.has(k)) {
          if (seen.size < MAX_SEEN) seen.add(k);
          upsertPod(kube, { name: podName ?? uid, namespace, uid, node: place().host }, lineOf());
        }
      }
      const v = volumeIssueOf(text);
      if (v) {
        const line = lineOf();
        addVolumeIssue(kube, { ...v, pod: v.pod ?? podName, namespace: v.namespace ?? namespace, podUid: v.podUid ?? uid, line, time: place().time || undefined });
        if (v.podUid && !podName && !uid) upsertPod(kube, { name: v.podUid, uid: v.podUid, node: place().host }, line);
        said = true;
      }
      const object = podName ? { kind: 'pod', name: podName, namespace } : uid ? { kind: 'pod', name: uid } : undefined;
      if (text.includes('Killing')) {
        const line = lineOf();
        if (text.includes('Killing unwanted pod')) {
          addEvent(kube, { reason: 'KillingUnwanted', source: 'kubelet', object, message: line, last: place().time || undefined, line });
          said = true;
        } else if (/Killing container with (?:a )?grace period|Killing container/.test(text)) {
          const grace = GRACE.exec(text)?.[1];
          const container = CONTAINER.exec(text)?.[1];
          addEvent(kube, {
            reason: 'Killing',
            source: 'kubelet',
            object,
            message: `Stopping container${container ? ` ${container}` : ''}${grace ? ` (grace period ${grace}s)` : ''}`,
            last: place().time || undefined,
            line,
          });
          said = true;
        }
      }
      if ((text.includes('reStop') || text.includes('lifecycle hook')) && PRESTOP.test(text)) {
        const line = lineOf();
        addEvent(kube, { type: 'Warning', reason: 'FailedPreStopHook', source: 'kubelet', object, message: line, last: place().time || undefined, line });
        said = true;
      }
      if (text.includes('eady') && /[Nn]ot ?[Rr]eady/.test(text)) {
        const line = lineOf();
        const node = NODE_SAYS.exec(text)?.[1] ?? NODE_RECORDING.exec(text)?.[1] ?? (/became not ready|NotReady/.test(text) ? NODE_KEY.exec(text)?.[1] : undefined);
        if (node) {
          const kubeletNotReady = /KubeletNotReady|container runtime|PLEG/.test(text);
          upsertNode(kube, { name: node, shown: 'NotReady', reason: kubeletNotReady ? 'KubeletNotReady' : undefined, message: kubeletNotReady ? line : undefined }, line);
          said = true;
        }
      }
      return said || Boolean(podName || uid);
    },
    klog(text) {
      const m = KLOG_FILE.exec(text);
      if (!m) return null;
      if (K8S_FILE.test(m[1]) || text.includes('pod="') || text.includes('podUID')) return 'k8s';
      return 'workload';
    },
  };
}
