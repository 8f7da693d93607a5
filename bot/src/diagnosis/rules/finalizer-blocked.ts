import type { KubeControllerLook, KubeControllerPod, KubeEvidence, KubePod } from '../../evidence/evidence';
import type { Remediation } from '../finding';
import { finding, plural, type Rule } from '../rule';
import { shellQuote } from '../shell-quote';
import { containersRunning, graceOf, instant, isDeleting, isTerminating, nodeOf, nodeTrouble, nowOf, podName, saysStuck, span } from './kube-pods';

/**
 * The pod has a deletionTimestamp and metadata.finalizers remain: the API
 * server keeps the object until every finalizer is removed by the controller
 * that put it there. Says which finalizer, who removes it (the well-known
 * ones by name, others by their domain and the pod's owner), whether that
 * controller is alive — read live (its pods by its labels, or a Deployment
 * named like the finalizer: running, crash-looping, none found, or not read
 * and why), or from a controller pod in the same paste — and the exact patch
 * that removes it by hand with what skipping the controller leaves behind.
 * The bot never writes to the API: these are commands for a person.
 */
interface Owner {
  who: string;
  does: string;
  skip: string;
}

const KNOWN: { test: (f: string) => boolean; owner: (f: string, p: KubePod) => Owner }[] = [
  {
    test: (f) => f === 'batch.kubernetes.io/job-tracking',
    owner: (_f, p) => {
      const job = p.ownerReferences?.find((o) => o.kind === 'Job')?.name;
      return {
        who: `the Job controller (kube-controller-manager)${job ? `, for Job ${job}` : ''}`,
        does: "it removes the finalizer once it has counted the pod's success or failure in the Job's status; a pod deleted while the Job itself is being deleted, or a controller that restarted, can leave it behind (a known race of job tracking with finalizers, Kubernetes 1.22–1.26)",
        skip: `the Job may not count this pod${job ? ` (check \`kubectl get job ${shellQuote(job)}${p.namespace ? ` -n ${shellQuote(p.namespace)}` : ''}\`: if the Job is gone, nothing is lost)` : ''}`,
      };
    },
  },
  {
    test: (f) => f === 'kubernetes.io/pvc-protection',
    owner: () => ({
      who: 'the PVC protection controller',
      does: 'it removes the finalizer when no pod uses the claim any more',
      skip: 'the claim (and, with a Delete reclaim policy, its volume) goes while a pod may still use it',
    }),
  },
  {
    test: (f) => f === 'kubernetes.io/pv-protection',
    owner: () => ({ who: 'the PV protection controller', does: 'it removes the finalizer when no claim is bound to the volume', skip: 'the volume object goes while a claim is still bound to it' }),
  },
  {
    test: (f) => f === 'foregroundDeletion',
    owner: () => ({
      who: 'the garbage collector (kube-controller-manager)',
      does: 'it removes the finalizer once every dependent with blockOwnerDeletion is deleted',
      skip: 'dependents still being deleted are left without their owner',
    }),
  },
  {
    test: (f) => f === 'orphan',
    owner: () => ({
      who: 'the garbage collector (kube-controller-manager)',
      does: "it removes the finalizer after clearing the dependents' ownerReferences",
      skip: 'dependents keep an ownerReference to a deleted owner, and the garbage collector then deletes them instead of orphaning them',
    }),
  },
  {
    test: (f) => f.startsWith('external-attacher/'),
    owner: (f) => ({
      who: `the CSI external-attacher of driver ${f.slice(18)}`,
      does: 'it removes the finalizer after the volume is detached from the node',
      skip: 'the volume may stay attached to the node, and the next attach elsewhere fails (Multi-Attach)',
    }),
  },
  {
    test: (f) => f.startsWith('snapshot.storage.kubernetes.io/'),
    owner: () => ({ who: 'the CSI snapshot controller', does: 'it removes the finalizer when the snapshot no longer needs its source', skip: 'a snapshot may lose its source or content object' }),
  },
  {
    test: (f) => f === 'service.kubernetes.io/load-balancer-cleanup',
    owner: () => ({ who: 'the cloud controller manager', does: 'it removes the finalizer after deleting the cloud load balancer', skip: 'the cloud load balancer is left behind (and billed)' }),
  },
  {
    test: (f) => f === 'kubernetes',
    owner: () => ({ who: 'the namespace controller', does: 'it removes the finalizer after every object in the namespace is deleted', skip: 'objects of the namespace are left in etcd, unreachable' }),
  },
];

/** Waiting reasons of a container that is not coming up by itself. */
const DOWN_REASONS = /^(?:CrashLoopBackOff|ImagePullBackOff|ErrImagePull|CreateContainerConfigError|CreateContainerError|InvalidImageName|RunContainerError)$/;

const podRunning = (p: KubeControllerPod): boolean => !p.deleting && p.phase === 'Running' && p.total > 0 && p.ready === p.total;

function podWords(p: KubeControllerPod): string {
  const name = `${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
  const last = p.lastExit
    ? `, last exit ${p.lastExit.reason ?? '?'}${p.lastExit.exitCode !== undefined ? ` (code ${p.lastExit.exitCode})` : ''}${p.lastExit.finishedAt ? ` at ${p.lastExit.finishedAt}` : ''}`
    : '';
  if (p.deleting) return `${name} is Terminating`;
  if (p.waiting) return `${name} is in ${p.waiting} (${plural(p.restarts, 'restart')}${last})`;
  if (podRunning(p)) return `${name} is Running (${p.ready}/${p.total} ready${p.restarts ? `, ${plural(p.restarts, 'restart')}${last}` : ''})`;
  return `${name} is ${p.phase ?? 'in an unknown phase'} (${p.ready}/${p.total} ready, ${plural(p.restarts, 'restart')}${last})`;
}

/**
 * What the live look at a finalizer's controller found, in words (one
 * sentence, without its full stop): "Controller X: N pods Running / none
 * found / CrashLoopBackOff (restarts) / not read (why)", with how it was
 * looked for and its pods' recent warnings.
 */
export function controllerState(c: KubeControllerLook): { state: 'running' | 'down' | 'none' | 'unread'; text: string; logs?: { namespace: string; pod: string; previous: boolean } } {
  const head = `Controller ${c.controller}`;
  if (c.unread !== undefined) return { state: 'unread', text: `${head}: not read (${c.unread}), so whether it runs is not known` };
  const deps = c.deployments.map((d) => `Deployment ${d.namespace}/${d.name} (${d.matched}${d.replicas !== undefined ? `; ${d.ready ?? 0}/${d.replicas} replicas ready` : ''})`);
  const found = c.by === 'names' && deps.length ? ` — by name, ${deps.join(' and ')}` : '';
  const partial = c.partial?.length ? ` (not read: ${c.partial.join('; ')})` : '';
  const warnings = c.events.filter((e) => e.type === 'Warning').slice(0, 2);
  const events = warnings.length
    ? `; its recent events: ${warnings.map((e) => `${e.reason}${e.count && e.count > 1 ? ` ×${e.count}` : ''} on ${e.object?.name ?? '?'}: "${e.message.slice(0, 160)}"`).join('; ')}`
    : '';
  if (!c.pods.length) {
    const scaled = c.deployments.filter((d) => d.replicas === 0);
    const why = scaled.length
      ? `${scaled.map((d) => `Deployment ${d.namespace}/${d.name}`).join(', ')} is scaled to 0 replicas: nothing runs it`
      : deps.length
        ? 'the Deployment has no pod'
        : c.noneMeans;
    return { state: 'none', text: `${head}: none found (looked for ${c.how})${found} — ${why}${partial}` };
  }
  const running = c.pods.filter(podRunning);
  const down = c.pods.filter((p) => !podRunning(p));
  const worst = down.find((p) => p.waiting && DOWN_REASONS.test(p.waiting)) ?? down[0];
  if (running.length) {
    const text = `${head}: ${plural(running.length, 'pod')} Running (${running
      .slice(0, 3)
      .map((p) => `${p.namespace ? `${p.namespace}/` : ''}${p.name}, ${p.ready}/${p.total} ready`)
      .join('; ')})${down.length ? `; ${down.slice(0, 2).map(podWords).join('; ')}` : ''}${found}${partial}${events}`;
    return { state: 'running', text, logs: { namespace: running[0].namespace ?? '', pod: running[0].name, previous: false } };
  }
  const reason = worst.waiting ?? (worst.deleting ? 'Terminating' : (worst.phase ?? 'not ready'));
  const text = `${head}: ${reason} — ${down.slice(0, 3).map(podWords).join('; ')}${found}${partial}${events}`;
  return { state: 'down', text, logs: { namespace: worst.namespace ?? '', pod: worst.name, previous: worst.restarts > 0 } };
}

/** `kubectl logs` of a controller pod, shell-quoted. */
const logsCommand = (l: { namespace: string; pod: string; previous: boolean }): string =>
  `kubectl logs ${shellQuote(l.pod)}${l.namespace ? ` -n ${shellQuote(l.namespace)}` : ''} --all-containers${l.previous ? ' --previous' : ''} --tail=200`;

/** Who removes finalizer `f` of pod `p`, what it does first, and what removing it by hand skips (also the "finalizers" follow-up). */
export function ownerOf(f: string, p: KubePod, kube: KubeEvidence): Owner & { alive?: string; live?: KubeControllerLook } {
  // Read live: the controller's pods (or why they could not be read).
  const live = kube.controllers?.find((c) => c.finalizers.includes(f));
  const known = KNOWN.find((k) => k.test(f));
  if (known) return live ? { ...known.owner(f, p), alive: controllerState(live).text, live } : known.owner(f, p);
  const domain = f.includes('/') ? f.slice(0, f.indexOf('/')) : f;
  const owner = p.ownerReferences?.find((o) => o.controller) ?? p.ownerReferences?.[0];
  // An operator or controller pod in the same paste: the likely remover, and whether it runs.
  const words = domain.split('.').filter((w) => w.length > 3 && !/^(?:com|org|net|io|dev|cloud)$/.test(w));
  const ctl = kube.pods.find((x) => x !== p && /operator|controller|manager/.test(x.name) && (words.some((w) => x.name.includes(w)) || /operator|controller/.test(x.name)));
  const alive = live
    ? controllerState(live).text
    : ctl
      ? `${podName(ctl)}${ctl.shown || ctl.phase ? ` is ${ctl.shown ?? ctl.phase}` : ''}${ctl.ready ? ` (${ctl.ready.ready}/${ctl.ready.total} ready)` : ''}`
      : undefined;
  return {
    who: `the controller that owns the ${domain} domain${owner ? ` (the pod's owner is ${owner.kind} ${owner.name})` : ''} — usually an operator installed with it`,
    does: 'it removes the finalizer when its own clean-up for the pod is done (deregistering, releasing an external resource); if its custom resource or its own deployment was deleted first, that step never runs',
    skip: `whatever ${domain}'s clean-up does for the pod is not done (an external registration or resource may stay behind)`,
    alive,
    ...(live ? { live } : {}),
  };
}

/** What the answer says of a finalizer's controller, and the read-only next step it suggests. */
function aliveWords(o: Owner & { alive?: string; live?: KubeControllerLook }): { text: string; remediation?: Remediation; down: boolean } {
  if (!o.live) return { text: o.alive ? ` In this input ${o.alive}: the controller runs but has not removed it — its logs say why.` : '', down: false };
  const s = controllerState(o.live);
  if (s.state === 'running') {
    return {
      text: ` ${s.text}. It runs but has not removed it: its log says why (its clean-up for this pod may fail, or the object it finalizes for is gone).`,
      remediation: s.logs && {
        action: 'manual',
        effective: 'unknown',
        risk: 'low',
        why: `Read the log of ${s.logs.namespace ? `${s.logs.namespace}/` : ''}${s.logs.pod} for this pod: it runs, so its log says why it keeps the finalizer.`,
        command: logsCommand(s.logs),
      },
      down: false,
    };
  }
  if (s.state === 'down') {
    return {
      text: ` ${s.text}. It is not running, so nothing removes the finalizer: fix the controller first; once it runs it removes the finalizer itself, with its clean-up done.`,
      remediation: s.logs && {
        action: 'manual',
        effective: 'unknown',
        risk: 'low',
        why: `Find out why ${s.logs.namespace ? `${s.logs.namespace}/` : ''}${s.logs.pod} does not run${s.logs.previous ? ' (the log of its last crash)' : ''} and fix it: a running controller removes the finalizer with its clean-up done, which a patch skips.`,
        command: logsCommand(s.logs),
      },
      down: true,
    };
  }
  // None found, or not read: said as it is.
  return { text: ` ${s.text}.`, down: false };
}

/** `kubectl patch` that removes finalizer `index`, refusing (test op) when the list changed. */
export function patchCommand(p: KubePod, f: string, index: number): string {
  const ops = JSON.stringify([
    { op: 'test', path: `/metadata/finalizers/${index}`, value: f },
    { op: 'remove', path: `/metadata/finalizers/${index}` },
  ]);
  return `kubectl patch pod ${shellQuote(p.name || 'POD')}${p.namespace ? ` -n ${shellQuote(p.namespace)}` : ''} --type=json -p ${shellQuote(ops)}`;
}

/** "the Job controller (kube-controller-manager), for Job x" → "the Job controller". */
const short = (who: string): string => who.split(' (')[0].split(' — ')[0].split(', for ')[0];

interface Held {
  pods: KubePod[];
  finalizers: string[];
  stated: boolean;
  lines: string[];
}

export const finalizerBlocked: Rule = {
  id: 'finalizer-blocked',
  run(ctx) {
    const kube = ctx.ev.kube;
    if (!kube) return [];
    const groups = new Map<string, Held>();
    for (const p of kube.pods) {
      if (!p.finalizers?.length || !(p.deletionTimestamp || isTerminating(p))) continue;
      const key = p.finalizers.join(' ');
      const g = groups.get(key) ?? { pods: [], finalizers: p.finalizers, stated: false, lines: [] };
      g.pods.push(p);
      groups.set(key, g);
    }
    // Finalizers named only in words: the pods shown Terminating (or said stuck) whose object was not shown.
    const named = [...new Set(kube.stated.filter((s) => s.kind === 'finalizer' && s.finalizer).map((s) => s.finalizer!))];
    if (named.length) {
      const shownAll = kube.pods.filter((p) => p.finalizers === undefined && isDeleting(p));
      const pods = shownAll.length ? shownAll : [];
      if (pods.length || saysStuck(ctx.ev)) {
        const g: Held = { pods, finalizers: named, stated: true, lines: kube.stated.filter((s) => s.kind === 'finalizer').map((s) => s.text) };
        groups.set(`stated ${named.join(' ')}`, g);
      }
    }
    const now = nowOf(ctx.ev);
    const out = [];
    for (const g of groups.values()) {
      const first = g.pods[0];
      const subject = g.pods.length === 0 ? 'The pod' : g.pods.length === 1 ? `Pod ${podName(first)}` : `${plural(g.pods.length, 'pod')} (${g.pods.slice(0, 6).map(podName).join(', ')})`;
      const owners = g.finalizers.map((f) => ({ f, o: ownerOf(f, first ?? { name: '', containers: [], lines: [] }, kube) }));
      // Which layer holds deletion now: the finalizer, unless the kubelet still has work (grace left, containers running) or cannot report.
      let holdsNow = true;
      const before: string[] = [];
      const kubeletBusy = ctx.ev.notes.some((n) => n.kind === 'runtime-kill-failed') || kube.volumes.length > 0 || ctx.tasks.some((t) => t.state === 'D' || t.state === 'Z');
      if (kubeletBusy) {
        holdsNow = false;
        before.push('the kubelet has not finished the containers and volumes yet (see the other findings)');
      }
      for (const p of g.pods) {
        const grace = graceOf(p);
        const end = instant(p.deletionTimestamp);
        const node = nodeOf(kube, p);
        if (node && nodeTrouble(node)) {
          holdsNow = false;
          before.push(`${podName(p)}'s node ${node.name} is not ready, so its kubelet cannot confirm the containers are gone first`);
        } else if (grace !== 0 && containersRunning(p) && (now === undefined || end === undefined || now < end)) {
          holdsNow = false;
          before.push(`${podName(p)}'s containers still run inside their grace period`);
        }
      }
      const where = g.pods
        .map((p) => {
          const bits: string[] = [];
          if (p.deletionTimestamp)
            bits.push(
              `deletionTimestamp ${p.deletionTimestamp}${now !== undefined && instant(p.deletionTimestamp) !== undefined ? ` (${span((now - instant(p.deletionTimestamp)!) / 1000)} ago)` : ''}`,
            );
          if (p.deletionGracePeriodSeconds !== undefined) bits.push(`deletionGracePeriodSeconds ${p.deletionGracePeriodSeconds}`);
          if (p.ready) bits.push(`${p.ready.ready}/${p.ready.total} containers ready`);
          return bits.length ? `${podName(p)}: ${bits.join(', ')}` : '';
        })
        .filter(Boolean);
      const parts: string[] = [];
      parts.push(
        `${subject} ${g.pods.length > 1 ? 'are' : 'is'} being deleted and metadata.finalizers still holds ${g.finalizers.map((f) => `"${f}"`).join(', ')}${g.stated ? ' (named in the text, not shown in a pasted object)' : ''}: the API server keeps the object until each finalizer is removed, whatever the kubelet does.`,
      );
      if (where.length) parts.push(`${where.join('; ')}.`);
      if (g.pods.some((p) => p.deletionGracePeriodSeconds === 0)) parts.push('The grace period is already 0: nothing waits for the containers any more, the finalizer alone keeps the object.');
      else if (g.pods.length && g.pods.every((p) => containersRunning(p) === false)) parts.push('No container is running any more: the finalizer alone keeps the object.');
      const alive = owners.map(({ o }) => aliveWords(o));
      owners.forEach(({ f, o }, i) => {
        parts.push(`"${f}" is removed by ${o.who}: ${o.does}.${alive[i].text}`);
      });
      if (!holdsNow) parts.push(`It is not what holds the pod yet: ${before.join('; ')}. Once that is done, the finalizer is what remains.`);
      const remediations: Remediation[] = [];
      const logs = new Set<string>();
      owners.forEach(({ f, o }, i) => {
        const r = alive[i].remediation;
        if (r?.command && !logs.has(r.command)) {
          logs.add(r.command);
          remediations.push(r);
        } else if (!r) {
          remediations.push({
            action: 'manual',
            effective: 'unknown',
            risk: 'low',
            why: `The right remover is ${o.who}: check that it runs and read its logs for this pod; once it has done its clean-up it removes "${f}" itself.`,
          });
        }
      });
      const targets = g.pods.length ? g.pods.slice(0, 6) : [{ name: '', containers: [], lines: [] } as KubePod];
      for (const p of targets) {
        for (const { f, o } of owners) {
          const known = p.finalizers ? p.finalizers.indexOf(f) : -1;
          const index = known >= 0 ? known : 0;
          remediations.push({
            action: 'kubectl',
            effective: 'unknown',
            risk: 'medium',
            why: `Removes "${f}" from ${p.name ? podName(p) : 'the pod'} by hand (a suggestion: whystuck does not write to the API); the object then goes at once. Skipping ${short(o.who)} means ${o.skip}.${known < 0 ? " The index 0 is a guess: the patch's test operation refuses it unless that entry is this finalizer — read the list first with `kubectl get pod … -o jsonpath='{.metadata.finalizers}'`." : ''}`,
            command: patchCommand(p, f, index),
          });
        }
      }
      const looks = [...new Set(owners.map(({ o }) => o.live).filter((l): l is KubeControllerLook => l !== undefined))];
      const evidence = [
        ...g.pods.flatMap((p) => p.lines.slice(0, 2)),
        ...g.lines.slice(0, 2),
        ...g.finalizers.map((f) => `finalizer ${f}`),
        ...g.pods.map((p) => `pod ${podName(p)}${p.node ? ` on node ${p.node}` : ''}${p.shown ? ` (${p.shown})` : ''}`),
        ...looks.flatMap((l) => [
          ...l.deployments.map((d) => d.line),
          ...l.pods.slice(0, 3).map((p) => `controller ${p.line}`),
          ...l.events
            .filter((e) => e.type === 'Warning')
            .slice(0, 2)
            .map((e) => e.line),
        ]),
      ];
      const downs = owners.filter((_, i) => alive[i].down).map(({ o }) => o.live!.controller);
      out.push(
        finding({
          id: 'finalizer-blocked',
          severity: holdsNow ? 'warning' : 'info',
          confidence: g.stated ? 0.6 : holdsNow ? 0.9 : 0.6,
          title: `${subject} ${g.pods.length > 1 ? 'are' : 'is'} held by finalizer ${g.finalizers.join(', ')} (${[...new Set(owners.map(({ o }) => short(o.who)))].join(', ')} removes it)${downs.length ? `; ${[...new Set(downs)].join(', ')} is not running` : ''}`,
          explanation: parts.join(' '),
          evidence,
          remediations,
        }),
      );
    }
    return out;
  },
};
