import type { CriContainer, CriSandbox, KubePod, Task } from '../../evidence/evidence';
import type { DiagnosisContext } from '../context';
import { instant, isDeleting, nowOf } from './kube-pods';

/**
 * What the container runtime's own view (CRI, read live by the collector or
 * pasted from crictl) says about pods being deleted, joined with the kernel's
 * tasks and the API's pod:
 *   stuck       a container the runtime still reports running whose
 *               processes are in D: the kill cannot take until the kernel
 *               wait ends (the kernel finding says which wait)
 *   sandboxes   a sandbox still READY when none of its containers runs any
 *               more and the grace period is over: StopPodSandbox has not
 *               succeeded (network teardown, the pause process)
 *   unanswered  the runtime did not answer the collector's CRI calls: the
 *               kubelet's stop calls go to the same socket
 * Only for pods the evidence shows being deleted (an API object or a paste).
 */
export interface RuntimeViewFacts {
  stuck: { container: CriContainer; pod: KubePod; tasks: Task[] }[];
  sandboxes: { sandbox: CriSandbox; pod: KubePod; containers: CriContainer[] }[];
  unanswered?: string;
  /** Pods being deleted that the runtime view is about. */
  pods: KubePod[];
}

const RUNNING = (c: CriContainer): boolean => c.state === 'CONTAINER_RUNNING' || /^Running/.test(c.state ?? '');
const LIVE = (c: CriContainer): boolean => RUNNING(c) || c.state === 'CONTAINER_CREATED' || /^Created/.test(c.state ?? '');
const READY = (s: CriSandbox): boolean => s.state === 'SANDBOX_READY' || s.state === 'Ready';
const sameId = (a: string | undefined, b: string | undefined): boolean => Boolean(a && b && a.length >= 12 && b.length >= 12 && (a.startsWith(b) || b.startsWith(a)));

export function runtimeViewFacts(ctx: DiagnosisContext): RuntimeViewFacts {
  const kube = ctx.ev.kube;
  const empty: RuntimeViewFacts = { stuck: [], sandboxes: [], pods: [] };
  if (!kube) return empty;
  const deleting = kube.pods.filter((p) => isDeleting(p) && !p.stated);
  if (!deleting.length) return empty;
  const rt = kube.runtime;
  const podOfSandbox = (id: string | undefined): KubePod | undefined => {
    const s = rt.sandboxes.find((x) => sameId(x.id, id));
    return s ? deleting.find((p) => (s.podUid && p.uid === s.podUid) || (s.name && p.name === s.name && (!s.namespace || !p.namespace || s.namespace === p.namespace))) : undefined;
  };
  const podOf = (c: CriContainer): KubePod | undefined =>
    (c.podUid ? deleting.find((p) => p.uid === c.podUid) : undefined) ??
    podOfSandbox(c.podSandboxId) ??
    (c.pod ? deleting.find((p) => p.name === c.pod) : undefined) ??
    (deleting.length === 1 && !c.podUid && !c.podSandboxId && !c.pod ? deleting[0] : undefined);
  const out: RuntimeViewFacts = { ...empty, pods: [] };
  for (const c of rt.containers) {
    if (!RUNNING(c)) continue;
    const pod = podOf(c);
    if (!pod) continue;
    // Its main process by the runtime's pid, the others by the container's cgroup.
    const tasks = ctx.tasks.filter((t) => t.state === 'D' && ((c.pid !== undefined && (t.pid === c.pid || t.tid === c.pid)) || sameId(t.containerId, c.id)));
    if (tasks.length) out.stuck.push({ container: c, pod, tasks });
  }
  const now = nowOf(ctx.ev);
  // A runtime that did not answer every call gives a partial list: no sandbox is "left" on that.
  for (const s of rt.unanswered ? [] : rt.sandboxes) {
    if (!READY(s)) continue;
    const pod = podOfSandbox(s.id);
    if (!pod) continue;
    const containers = rt.containers.filter((c) => sameId(c.podSandboxId, s.id));
    if (containers.some(LIVE)) continue;
    // Inside the grace period the kubelet may not have got to the sandbox yet.
    const end = instant(pod.deletionTimestamp);
    if (end === undefined || now === undefined || now < end) continue;
    out.sandboxes.push({ sandbox: s, pod, containers });
  }
  if (rt.unanswered) out.unanswered = rt.unanswered;
  out.pods = [...new Set([...out.stuck.map((x) => x.pod), ...out.sandboxes.map((x) => x.pod), ...(out.unanswered ? deleting : [])])];
  return out;
}
