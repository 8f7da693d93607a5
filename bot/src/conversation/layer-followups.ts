import type { Evidence, KubeEvidence, KubePod } from '../evidence/evidence';
import { ownerOf, patchCommand } from '../diagnosis/rules/finalizer-blocked';
import { isDeleting, podName } from '../diagnosis/rules/kube-pods';
import { escapeText as escape } from './markup';

/**
 * Thread follow-ups about a pod's Kubernetes layer, from the thread's last
 * look (live: the API reads and the runtime's view beside the snapshot; a
 * paste: what it showed): "events", "finalizers", "runtime", "mounts". Each
 * says what was not read instead of an empty answer.
 */
export type LayerTopic = 'events' | 'finalizers' | 'runtime' | 'mounts';

const block = (lines: string[]): string => `\`\`\`${lines.join('\n').replace(/```/g, "'''").slice(0, 2800)}\`\`\``;
const UNREAD: Record<LayerTopic, RegExp> = {
  events: /^events of /,
  finalizers: /^pod /,
  runtime: /container runtime/,
  mounts: /^(?:persistentvolumeclaim|volumeattachments|csinode) /,
};

/** The pod the thread is about: by uid (a live look), else the one being deleted, else the only one. */
function podOf(kube: KubeEvidence, ref?: { uid?: string; name?: string; namespace?: string }): KubePod | undefined {
  if (ref?.uid) {
    const byUid = kube.pods.find((p) => p.uid === ref.uid);
    if (byUid) return byUid;
  }
  if (ref?.name) {
    const byName = kube.pods.find((p) => p.name === ref.name && (!p.namespace || !ref.namespace || p.namespace === ref.namespace));
    if (byName) return byName;
  }
  const deleting = kube.pods.filter(isDeleting);
  return deleting.length === 1 ? deleting[0] : kube.pods.length === 1 ? kube.pods[0] : undefined;
}

function notRead(kube: KubeEvidence, topic: LayerTopic): string {
  const u = (kube.unread ?? []).filter((x) => UNREAD[topic].test(x.what));
  return u.length ? `\n:warning: Not read: ${u.map((x) => `${x.what} (${x.why})`).join('; ')}.` : '';
}

export function layerAnswer(ev: Evidence, topic: LayerTopic, ref?: { uid?: string; name?: string; namespace?: string }): string {
  const kube = ev.kube;
  if (!kube) {
    return ev.source === 'snapshot'
      ? `This thread's look has no Kubernetes layer (a node or pid question, or no Kubernetes API): ask about the pod (\`/whystuck pod NAME -n NAMESPACE\`) for its ${topic}.`
      : `The paste shows no Kubernetes objects: paste \`kubectl get pod NAME -o yaml\`, \`kubectl describe pod NAME\` or \`crictl ps -a\` for its ${topic}.`;
  }
  const pod = podOf(kube, ref);
  switch (topic) {
    case 'events':
      return eventsAnswer(kube, pod);
    case 'finalizers':
      return finalizersAnswer(kube, pod);
    case 'runtime':
      return runtimeAnswer(ev, kube, pod);
    case 'mounts':
      return mountsAnswer(ev, kube, pod);
  }
}

function eventsAnswer(kube: KubeEvidence, pod: KubePod | undefined): string {
  const events = kube.events.filter((e) => !pod || !e.object || e.object.kind !== 'pod' || e.object.name === pod.name || e.object.name === pod.uid);
  const who = pod ? `pod ${podName(pod)}` : 'the pod';
  if (!events.length) return `No events about ${who} in this look (the API server keeps events for an hour by default).${notRead(kube, 'events')}`;
  const lines = events
    .slice(-30)
    .map((e) =>
      `${e.type ?? ''} ${e.reason}${e.count && e.count > 1 ? ` ×${e.count}` : ''}${e.last ? ` last ${e.last}` : e.age ? ` ${e.age}` : ''}${e.source ? ` (${e.source})` : ''}: ${e.message}`.trim(),
    );
  return `*Events about ${escape(who)}* (${events.length}${events.length > 30 ? ', the last 30' : ''}):\n${block(lines)}${notRead(kube, 'events')}`;
}

function finalizersAnswer(kube: KubeEvidence, pod: KubePod | undefined): string {
  if (!pod) return `No pod object in this look to read finalizers from.${notRead(kube, 'finalizers')}`;
  const who = podName(pod);
  const deleting = pod.deletionTimestamp
    ? ` It is being deleted (deletionTimestamp ${pod.deletionTimestamp}${pod.deletionGracePeriodSeconds !== undefined ? `, grace period ${pod.deletionGracePeriodSeconds} s` : ''}).`
    : ' It is not being deleted.';
  const owners = pod.ownerReferences?.length ? ` Owners: ${pod.ownerReferences.map((o) => `${o.kind} ${o.name}${o.controller ? ' (controller)' : ''}`).join(', ')}.` : '';
  if (pod.finalizers === undefined) return `The pod object of ${escape(who)} was not seen whole: its finalizers are not known.${notRead(kube, 'finalizers')}`;
  if (!pod.finalizers.length) return `Pod ${escape(who)} has no finalizers: nothing in metadata.finalizers holds its deletion.${escape(deleting)}${escape(owners)}`;
  const parts = [`*Pod ${escape(who)} has ${pod.finalizers.length === 1 ? '1 finalizer' : `${pod.finalizers.length} finalizers`}*:${escape(deleting)}${escape(owners)}`];
  pod.finalizers.forEach((f, i) => {
    const o = ownerOf(f, pod, kube);
    parts.push(
      `• \`${escape(f)}\` — removed by ${escape(o.who)}: ${escape(o.does)}.${o.alive ? ` ${escape(o.alive)}.` : ''} Removing it by hand skips that: ${escape(o.skip)}.\n${block([patchCommand(pod, f, i)])}`,
    );
  });
  const claims = (kube.claims ?? []).filter((c) => c.deletionTimestamp && c.finalizers?.length);
  for (const c of claims) parts.push(`Claim ${escape(c.name)} is being deleted too and keeps ${c.finalizers!.map((f) => `\`${escape(f)}\``).join(', ')} while a pod uses it.`);
  return parts.join('\n');
}

function runtimeAnswer(ev: Evidence, kube: KubeEvidence, pod: KubePod | undefined): string {
  const rt = kube.runtime;
  const mine = <T extends { podUid?: string; pod?: string; name?: string }>(x: T, sandbox?: boolean): boolean =>
    !pod || (x.podUid ? x.podUid === pod.uid : sandbox ? x.name === pod.name : x.pod === pod.name || x.pod === undefined);
  const sandboxes = rt.sandboxes.filter((s) => mine(s, true));
  const ids = new Set(sandboxes.map((s) => s.id));
  const containers = rt.containers.filter((c) => mine(c) || (c.podSandboxId !== undefined && ids.has(c.podSandboxId)));
  const shims = ev.tasks.filter((t) => /^(?:containerd-shim|conmon)/.test(t.comm));
  const who = pod ? `pod ${podName(pod)}` : 'the pod';
  const lines = [
    ...sandboxes.map((s) => s.line),
    ...containers.map((c) => c.line),
    ...shims.slice(0, 6).map(
      (t) =>
        `${t.pid ?? t.tid} ${t.comm} state=${t.state ?? '?'}${t.wchan ? ` wchan=${t.wchan}` : ''}${
          t.state === 'D' && t.stack?.length
            ? ` stack ${t.stack
                .slice(0, 4)
                .map((f) => f.fn)
                .join(' ← ')}`
            : ''
        }`,
    ),
  ];
  const silent = rt.unanswered ? `\n:warning: The container runtime did not answer: ${escape(rt.unanswered)}.` : '';
  if (!lines.length) {
    return `${ev.source === 'snapshot' ? `The container runtime reports nothing for ${escape(who)}: no sandbox and no container (the kubelet may already have removed them, or the collector found no runtime socket).` : `The paste shows nothing of the container runtime for ${escape(who)}: paste \`crictl pods --name NAME\` and \`crictl ps -a\`.`}${silent}`;
  }
  return `*What the container runtime reports for ${escape(who)}*:\n${block(lines)}${silent}`;
}

function mountsAnswer(ev: Evidence, kube: KubeEvidence, pod: KubePod | undefined): string {
  const who = pod ? `pod ${podName(pod)}` : 'the pod';
  const lines: string[] = [];
  const claims = kube.claims ?? [];
  for (const v of pod?.volumes ?? []) {
    const claim = v.claim ? claims.find((c) => c.name === v.claim) : undefined;
    const va = claim?.volumeName ? (kube.attachments ?? []).find((a) => a.pv === claim.volumeName) : undefined;
    lines.push(
      `volume ${v.name}: ${v.source}${claim ? ` → ${claim.phase ?? '?'} ${claim.volumeName ?? '(unbound)'}` : ''}${va ? ` → ${va.attacher ?? 'driver ?'} attached=${va.attached ?? '?'} on ${va.node ?? '?'}${va.detachError ? `, detach fails: ${va.detachError}` : ''}${va.attachError ? `, attach fails: ${va.attachError}` : ''}` : ''}`,
    );
  }
  for (const n of kube.csiNodes ?? []) lines.push(n.line);
  const uid = pod?.uid;
  // Read on the node by the collector (every pod mount, with a statfs of each); else the node's mounts of interest.
  const live = (kube.podMounts ?? []).filter((m) => !uid || !m.podUid || m.podUid === uid);
  for (const m of live.slice(0, 20)) lines.push(m.line);
  const mounts = uid ? ev.node.mounts.filter((m) => m.mountPoint.includes(`/pods/${uid}/`) && !live.some((l) => l.mountPoint === m.mountPoint)) : [];
  for (const m of mounts.slice(0, 20)) lines.push(`mounted: ${m.mountPoint} (${m.fsType} from ${m.source})`);
  for (const h of kube.mountHolders.filter((x) => !uid || !x.podUid || x.podUid === uid).slice(0, 10)) {
    lines.push(
      `held by ${h.comm ?? '?'} (pid ${h.pid}${h.state ? `, ${h.state}` : ''}${h.holderPodUid ? `, ${h.holderPodUid === uid ? 'this pod' : `pod ${h.holderPodUid}`}` : ''}) through its ${h.how === 'mount' ? `mount namespace${h.mountNs ? ` ${h.mountNs}` : ''}` : h.how}: ${h.path}`,
    );
  }
  for (const v of kube.volumes.filter((x) => !uid || !x.podUid || x.podUid === uid).slice(0, 10)) lines.push(`fails: ${v.operation} ${v.volume}${v.errno ? ` (${v.errno})` : ''}: ${v.error}`);
  if (!lines.length) return `No volumes of ${escape(who)} in this look${pod?.volumes === undefined ? ' (its spec was not read)' : ''}.${notRead(kube, 'mounts')}`;
  return `*Volumes and mounts of ${escape(who)}*:\n${block(lines)}${notRead(kube, 'mounts')}`;
}
