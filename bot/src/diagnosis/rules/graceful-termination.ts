import type { KubePod, Task } from '../../evidence/evidence';
import { name, taskRef } from '../context';
import type { Remediation } from '../finding';
import { termDisposition } from '../kill-verdict';
import { finding, type Rule } from '../rule';
import { shellQuote } from '../shell-quote';
import { containersRunning, deletingPods, eventsOf, graceOf, instant, nodeOf, nodeTrouble, nowOf, podName, saysDeleted, saysStuck, span } from './kube-pods';

/**
 * Still inside terminationGracePeriodSeconds: the kubelet sent SIGTERM (after
 * any preStop hook) and waits for the containers to exit before SIGKILL.
 * Nothing is stuck yet — unless the grace period is long, a preStop hook
 * fails, or PID 1 never sees SIGTERM (a namespace init without a handler),
 * which makes every deletion last the whole period. Said only when nothing
 * else holds the pod: a finalizer alone (grace 0), a node that does not
 * answer, a runtime that fails to kill, a volume that will not unmount, or
 * tasks the kernel holds (those rules say so).
 */
const PRESTOP = /PreStopHook|PreStop|preStop|lifecycle hook/;

/**
 * A zombie that started this recently may be one its parent is about to
 * reap (a shell's `sleep 1` that just ended): not yet a kernel problem that
 * would explain a pod's slow termination.
 */
const FRESH_ZOMBIE_SECONDS = 10;

export const gracefulTermination: Rule = {
  id: 'graceful-termination',
  run(ctx) {
    const ev = ctx.ev;
    const kube = ev.kube;
    if (!kube) return [];
    // Another layer holds it: not a grace period.
    if (ev.notes.some((n) => n.kind === 'runtime-kill-failed') || kube.volumes.length) return [];
    // Live, the tasks say what the kernel holds now; the kernel log's reports are history (another day's hung task).
    const clock = ev.clock;
    const age = (t: { startTime?: number }): number | undefined =>
      t.startTime !== undefined && clock?.clockTicksPerSecond && clock.uptimeSeconds !== undefined ? clock.uptimeSeconds - t.startTime / clock.clockTicksPerSecond : undefined;
    const settledZombie = (t: { state?: string; startTime?: number }): boolean => t.state === 'Z' && !((age(t) ?? Infinity) < FRESH_ZOMBIE_SECONDS);
    if (ctx.tasks.some((t) => t.state === 'D' || settledZombie(t)) || (ev.source !== 'snapshot' && ev.reports.length)) return [];
    const now = nowOf(ev);
    const out = [];
    const pods = deletingPods(kube).filter((p) => {
      const node = nodeOf(kube, p);
      return !(node && nodeTrouble(node)) && p.reason !== 'NodeLost';
    });
    const troubledNode = kube.nodes.some((n) => nodeTrouble(n) && nodeTrouble(n) !== 'kubelet-not-ready');
    // The containers' inits, not the sandbox's own process (the runtime stops that one with SIGKILL).
    const sandboxIds = new Set(kube.runtime.sandboxes.map((s) => s.id));
    const inits = ctx.tasks.filter((t) => t.isPidNsInit && (t.sigCaught !== undefined || t.sigIgnored !== undefined) && !(t.containerId && sandboxIds.has(t.containerId)));
    for (const p of pods) {
      if (troubledNode && !p.node) continue;
      const grace = graceOf(p);
      if (grace === 0) continue;
      const end = instant(p.deletionTimestamp);
      const left = end !== undefined && now !== undefined ? (end - now) / 1000 : undefined;
      if (left !== undefined && left < 0) continue;
      const events = eventsOf(kube, p);
      const preStopFailed = events.filter((e) => e.reason === 'FailedPreStopHook' || (e.type === 'Warning' && PRESTOP.test(e.reason + e.message)));
      const killing = events.filter((e) => e.reason === 'Killing');
      const running = containersRunning(p);
      const long = grace !== undefined && grace > 30;
      const inside = left !== undefined && left >= 0;
      if (!(inside || preStopFailed.length || (running && (long || p.preStop?.length)) || (killing.length && running !== false))) continue;
      const own = inits.filter((t) => !p.uid || !t.podUid || t.podUid === p.uid);
      const late = ctx.tasks
        .filter((t) => t.startedAfterDeletion && (!p.uid || t.startedAfterDeletion.podUid === p.uid))
        // Exec'd ones first (the hook), each kind in the order they started.
        .sort((a, b) => Number(b.startedAfterDeletion!.exec) - Number(a.startedAfterDeletion!.exec) || a.startedAfterDeletion!.afterSeconds - b.startedAfterDeletion!.afterSeconds);
      out.push(gracefulFinding(p, { grace, left, end, running, preStopFailed: preStopFailed.map((e) => e.line), killing: killing.map((e) => e.line), inits: own, late, ctx, log: kube.containerLog }));
    }
    // Only words and the workload's own log: a deletion that "hangs" while the program keeps logging.
    if (!out.length && !pods.length && !troubledNode && kube.containerLog && kube.containerLog.count > 0) {
      const stuck = saysStuck(ev);
      const deleted = saysDeleted(ev);
      const otherHold = kube.pods.some((p) => p.finalizers?.length) || kube.stated.some((s) => s.kind === 'finalizer');
      if (stuck && deleted && !otherHold) {
        out.push(
          finding({
            id: 'graceful-termination',
            severity: 'warning',
            confidence: 0.45,
            title: 'Pod still shutting down: its program keeps running after the deletion, inside its grace period',
            explanation: `The text says the pod hangs when deleted ("${stuck.slice(0, 160)}"), and the container's own log goes on after the kill (${kube.containerLog.count} lines, ${kube.containerLog.first} to ${kube.containerLog.last}): the program got SIGTERM (after any preStop hook) and has not exited. Nothing else in this input holds the pod — no finalizer, no node or runtime or volume error, no task stuck in the kernel — so the kubelet is waiting out terminationGracePeriodSeconds, and SIGKILLs the containers when it ends. If that period is long, so is the wait: the shutdown logic (a preStop hook, the SIGTERM handler) is what to fix.`,
            evidence: [stuck, ...(deleted !== stuck ? [deleted] : []), `container log: ${kube.containerLog.count} lines after the deletion, last ${kube.containerLog.last}`],
            remediations: graceRemediations(undefined, undefined),
          }),
        );
      }
    }
    return out;
  },
};

interface Facts {
  grace?: number;
  left?: number;
  end?: number;
  running?: boolean;
  preStopFailed: string[];
  killing: string[];
  inits: Task[];
  /** Processes started after the deletion began (Task.startedAfterDeletion): exec'd ones are a preStop hook or an exec still running. */
  late: Task[];
  ctx: Parameters<typeof termDisposition>[1];
  log?: { count: number; first: string; last: string };
}

function gracefulFinding(p: KubePod, f: Facts) {
  const parts: string[] = [];
  const started = f.end !== undefined && f.grace !== undefined ? new Date(f.end - f.grace * 1000).toISOString().replace('.000', '') : undefined;
  if (p.deletionTimestamp) {
    parts.push(
      `${podName(p)} is being deleted: deletionTimestamp ${p.deletionTimestamp} is when its grace period ends${f.grace !== undefined ? ` (${f.grace} s${started ? `, so the deletion was asked for at ${started}` : ''})` : ''}.`,
    );
  } else {
    parts.push(`${podName(p)} is Terminating${f.grace !== undefined ? ` with a grace period of ${f.grace} s` : ''}.`);
  }
  parts.push("The kubelet ran any preStop hook, sent SIGTERM to each container's PID 1, and waits for them to exit; at the end of the grace period it sends SIGKILL.");
  if (f.left !== undefined) parts.push(`${span(f.left)} of it ${f.left === 1 ? 'is' : 'are'} left when this evidence was taken.`);
  else if (p.deletionTimestamp) parts.push('This evidence does not say what time it is: before that time, this is the normal shutdown; after it, something else holds the pod.');
  if (f.running)
    parts.push(
      `Its containers still run${p.ready ? ` (${p.ready.ready}/${p.ready.total} ready)` : ''}: the program has not exited on SIGTERM${f.log ? `, and its own log goes on (${f.log.count} lines, last ${f.log.last})` : ''}.`,
    );
  if (f.grace !== undefined && f.grace > 300)
    parts.push(`A grace period of ${span(f.grace)} means a program that ignores SIGTERM, or a preStop hook that never finishes, keeps the pod that long on every deletion.`);
  if (f.preStopFailed.length) parts.push(`The preStop hook failed or did not finish: "${f.preStopFailed[0].slice(0, 200)}".`);
  const deaf: string[] = [];
  for (const t of f.inits.slice(0, 3)) {
    const d = termDisposition(t, f.ctx);
    const sigkill =
      f.end !== undefined
        ? `SIGKILL at ${new Date(f.end).toISOString().replace('.000', '')}${f.left !== undefined ? `, ${span(f.left)} from when this evidence was taken` : ''}`
        : 'SIGKILL when it ends';
    if (d === 'handled') parts.push(`${name(t)} is its PID namespace's init and catches SIGTERM (SigCgt): whether it exits is up to its handler.`);
    else if (d === 'ignored' || d === 'default') {
      deaf.push(`${t.comm} ${d === 'ignored' ? 'ignores SIGTERM' : 'has no SIGTERM handler'}`);
      parts.push(
        `${name(t)} is its PID namespace's init and ${d === 'ignored' ? 'ignores SIGTERM (SigIgn bit 15 set)' : 'has no SIGTERM handler (SigCgt bit 15 clear)'}: the kernel drops SIGTERM for a namespace init that does not handle it, so it never sees it and the kubelet waits out the whole grace period — ${sigkill}. Run it under an init that forwards signals (tini, dumb-init) or handle SIGTERM.`,
      );
    } else if (d === 'blocked') {
      deaf.push(`${t.comm} blocks SIGTERM`);
      parts.push(
        `${name(t)} is its PID namespace's init with no SIGTERM handler and blocks SIGTERM (SigBlk bit 15): the signal stays pending and never acts, so the kubelet waits out the whole grace period — ${sigkill}.`,
      );
    } else if (d === 'unknown') parts.push(`${name(t)} is its PID namespace's init; its SIGTERM disposition is not in this evidence (SigCgt/SigIgn of /proc/PID/status).`);
  }
  const execd = f.late.filter((t) => t.startedAfterDeletion?.exec);
  const children = f.late.filter((t) => !t.startedAfterDeletion?.exec);
  if (execd.length)
    parts.push(
      `Exec'd into the container after the deletion began, and still running: ${execd
        .slice(0, 4)
        .map((t) => `${name(t)}, ${span(t.startedAfterDeletion!.afterSeconds)} after it began${t.state ? ` (${t.state})` : ''}`)
        .join(
          '; ',
        )}${execd.length > 4 ? ` and ${execd.length - 4} more` : ''} — a preStop hook (or a \`kubectl exec\`) still at work: the kubelet sends SIGTERM only once the hook returns, and the hook's time counts against the grace period.`,
    );
  if (children.length) parts.push(`Started by the container's own processes after the deletion began: ${children.slice(0, 3).map(name).join(', ')} (its shutdown at work).`);
  parts.push('Nothing in this input shows another layer holding the pod (no finalizer, node, runtime or volume error, no task stuck in the kernel).');
  return finding({
    id: 'graceful-termination',
    severity: f.preStopFailed.length || (f.grace !== undefined && f.grace > 300) ? 'warning' : 'info',
    confidence: f.left !== undefined ? 0.85 : 0.6,
    title: `Pod ${podName(p)} is inside its grace period${f.grace !== undefined ? ` (${span(f.grace)})` : ''}${f.left !== undefined ? `: ${span(f.left)} left before SIGKILL` : p.deletionTimestamp ? `: SIGKILL at ${p.deletionTimestamp}` : ''}${deaf.length ? `; PID 1 ${deaf[0]}` : ''}${execd.length ? `; ${execd[0].comm} exec'd after the deletion still runs` : ''}`,
    explanation: parts.join(' '),
    evidence: [
      ...p.lines.slice(0, 3),
      ...f.preStopFailed.slice(0, 2),
      ...f.killing.slice(0, 2),
      ...f.inits.slice(0, 3).map((t) => `${name(t)}: PID-namespace init, SigCgt ${t.sigCaught ?? '?'} SigIgn ${t.sigIgnored ?? '?'}${t.sigBlocked ? ` SigBlk ${t.sigBlocked}` : ''}`),
      ...f.late
        .slice(0, 4)
        .map(
          (t) => `${name(t)}: started ${span(t.startedAfterDeletion!.afterSeconds)} after the deletion began${t.startedAfterDeletion!.exec ? " (exec'd: its parent is outside the container)" : ''}`,
        ),
      `pod ${podName(p)}${p.shown ? ` (${p.shown})` : ''}`,
    ],
    tasks: [...f.inits.slice(0, 3).map((t) => taskRef(t, 'init')), ...f.late.slice(0, 4).map((t) => taskRef(t, 'waiter'))],
    remediations: graceRemediations(p, f.end),
  });
}

function graceRemediations(p: KubePod | undefined, end: number | undefined): Remediation[] {
  const ref = p?.name ? `${shellQuote(p.name)}${p.namespace ? ` -n ${shellQuote(p.namespace)}` : ''}` : 'POD -n NAMESPACE';
  return [
    {
      action: 'manual',
      effective: 'unknown',
      risk: 'low',
      why: `Nothing may be wrong: the kubelet SIGKILLs the containers when the grace period ends${end !== undefined ? ` (${new Date(end).toISOString()})` : ''} and the pod goes. Watch whether the program winds down (its log, \`kubectl get pod ${ref} -w\`).`,
    },
    {
      action: 'manual',
      effective: 'unknown',
      risk: 'low',
      why: "See what the shutdown is doing: the processes still running in the container (a preStop hook shows up as an exec'd process) and the events (FailedPreStopHook).",
      command: `kubectl exec ${ref} -- ps -ef; kubectl get events --field-selector involvedObject.name=${p?.name ? shellQuote(p.name) : 'POD'}${p?.namespace ? ` -n ${shellQuote(p.namespace)}` : ''}`,
    },
    {
      action: 'kubectl',
      effective: 'unknown',
      risk: 'medium',
      why: 'A second delete with a shorter grace period shortens the wait (recent kubelets honour it): the program gets less time to shut down cleanly. A suggestion; whystuck does not write to the API.',
      command: `kubectl delete pod ${ref} --grace-period=5`,
    },
    {
      action: 'manual',
      effective: 'unknown',
      risk: 'low',
      why: 'For the next time: make the program exit on SIGTERM (a handler, or an init such as tini that forwards it when it runs as PID 1), keep preStop hooks short, and set terminationGracePeriodSeconds to what a clean shutdown needs.',
    },
  ];
}
