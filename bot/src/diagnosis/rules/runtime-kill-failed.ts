import type { LogNote } from '../../evidence/evidence';
import { classifyRuntimeError } from '../../paste/runtime-errors';
import { name, taskRef } from '../context';
import type { Remediation } from '../finding';
import { finding, type Rule } from '../rule';
import { shellQuote } from '../shell-quote';
import { describeChain } from '../wait-signature';
import { blockedTasks } from './d-state-tasks';
import { deletingPods, podName } from './kube-pods';
import { runtimeViewFacts, type RuntimeViewFacts } from './runtime-view';

/**
 * The runtime's stop / kill / remove of a container or sandbox returns an
 * error; the kubelet retries and the pod stays Terminating. The error says
 * which layer refuses: the CNI plugin's DEL, the shim, or a container
 * process that does not exit (then the kernel findings say why). Errors
 * come from log lines (notes) and from the pod's events (FailedKillPod,
 * KillPodSandboxError); the runtime's own view (crictl, CRI) says whether
 * the containers already exited, and the shim's state whether it is alive.
 */
const FAILED_EVENT = /^(?:FailedKillPod|KillPodSandboxError|FailedKillContainer|FailedStopPodSandbox)$/;
const SHIM = /^(?:containerd-shim|conmon|runc)/;

export const runtimeKillFailed: Rule = {
  id: 'runtime-kill-failed',
  run(ctx) {
    const kube = ctx.ev.kube;
    const errors: LogNote[] = ctx.ev.notes.filter((n) => n.kind === 'runtime-kill-failed');
    // The pod's events say it too (describe / get events rows are not log lines).
    for (const e of kube?.events ?? []) {
      const c = classifyRuntimeError(e.message);
      if (!c && !FAILED_EVENT.test(e.reason)) continue;
      const target = c?.target ?? e.reason;
      if (errors.some((x) => x.target === target && x.last.text.includes(e.message.slice(0, 80)))) continue;
      errors.push({ kind: 'runtime-kill-failed', target, count: e.count ?? 1, first: { time: e.first ?? '', text: e.line }, last: { time: e.last ?? '', text: e.line } });
    }
    // The runtime's own view, live (CRI) or pasted: a running container stuck in the kernel, a sandbox left behind, no answer.
    const view = runtimeViewFacts(ctx);
    const viewed = view.stuck.length > 0 || view.sandboxes.length > 0 || (view.unanswered !== undefined && view.pods.length > 0);
    if (!errors.length && !viewed) return [];
    const cni = errors.filter((e) => e.target.startsWith('cni '));
    const plugin = (cni.find((e) => e.target !== 'cni plugin') ?? cni[0])?.target.slice(4);
    const pluginText = plugin && plugin !== 'plugin' ? `the ${plugin} CNI plugin` : 'the CNI plugin';
    const shim = errors.filter((e) => e.target === 'containerd-shim');
    const stuck = blockedTasks(ctx).slice(0, 5);
    const shims = ctx.tasks.filter((t) => SHIM.test(t.comm) && (t.state === 'D' || t.state === 'Z')).slice(0, 3);
    const runtime = kube?.runtime;
    const exited = runtime?.containers.filter((c) => c.state === 'CONTAINER_EXITED' || /^Exited/.test(c.state ?? '')) ?? [];
    const running = runtime?.containers.filter((c) => c.state === 'CONTAINER_RUNNING' || /^Running/.test(c.state ?? '')) ?? [];
    const pods = view.pods.length ? view.pods.slice(0, 4) : kube ? deletingPods(kube).slice(0, 4) : [];
    // "cni plugin" (a DelNetwork error that does not name it) says less than "cni aws-cni" beside it.
    const listed = errors.filter((e) => !(e.target === 'cni plugin' && plugin && plugin !== 'plugin'));
    const parts = listed.length
      ? [
          `The container runtime's stop/kill path fails${pods.length ? ` for ${pods.map((p) => `pod ${podName(p)}`).join(', ')}` : ''}: ${listed
            .slice(0, 4)
            .map((e) => `${e.target}${e.count > 1 ? ` (×${e.count}${e.first.time ? `, first ${e.first.time}` : ''}${e.last.time ? `, last ${e.last.time}` : ''})` : ''}`)
            .join('; ')}. The kubelet retries the call on every sync, so the pod stays Terminating until it succeeds.`,
        ]
      : [];
    parts.push(...viewParts(view, ctx));
    if (cni.length) parts.push(`Network teardown is what fails: ${pluginText} cannot delete the sandbox's network (its DEL fails), so the sandbox (pause) cannot be removed.`);
    if (exited.length)
      parts.push(
        `The runtime shows ${exited.length === 1 ? 'the container' : `${exited.length} containers`} already exited (${exited
          .slice(0, 3)
          .map((c) => `${c.name || c.id.slice(0, 13) || 'container'}${c.finishedAt ? ` at ${c.finishedAt}` : ''}${c.exitCode !== undefined ? `, exit code ${c.exitCode}` : ''}`)
          .join('; ')}): the processes are gone; what is left is the sandbox's teardown.`,
      );
    else if (cni.length) parts.push('The containers themselves may already have exited.');
    if (running.length && !cni.length && !view.stuck.length)
      parts.push(
        `The runtime still shows ${running
          .slice(0, 3)
          .map((c) => `${c.name || c.id.slice(0, 13) || 'container'}${c.pid ? ` (pid ${c.pid})` : ''}`)
          .join(', ')} running: the kill did not take.`,
      );
    if (shim.length) parts.push('The runtime lost its shim (the per-container process that holds the task): without it the runtime cannot learn that the container exited.');
    if (shims.length) parts.push(`Shim processes are stuck: ${shims.map((t) => `${name(t)} in ${t.state}`).join(', ')}.`);
    if (stuck.length && !view.stuck.length)
      parts.push(`Tasks in D on this node (${stuck.map(name).join(', ')}) do not act on the kill; the stop times out until their wait ends (see the kernel findings).`);
    else if (errors.some((e) => /Deadline|deadline/.test(e.last.text)) && !cni.length)
      parts.push(
        "No task of this input is shown stuck in the kernel: paste `ps -eo pid,stat,wchan:32,comm` and the stacks of the container's processes to tell a process that cannot die from a runtime that misses its exit.",
      );
    const remediations: Remediation[] = [];
    if (cni.length)
      remediations.push({
        action: 'manual',
        effective: 'unknown',
        risk: 'medium',
        why: `Make ${pluginText} answer DEL again (its node daemon, e.g. the IPAM daemon it dials, must be running and reachable); the kubelet's next retry then removes the sandbox.`,
      });
    if (stuck.length || view.stuck.length)
      remediations.push({
        action: 'manual',
        effective: 'unknown',
        risk: 'low',
        why: "Complete or fail the I/O the container's tasks wait on (see the kernel finding about them); the stop then succeeds. Restarting the kubelet or the runtime does not release a task in D.",
      });
    if (view.unanswered)
      remediations.push({
        action: 'manual',
        effective: 'unknown',
        risk: 'medium',
        why: "Find why the runtime does not answer: its own process stuck (see a container-runtime-hang finding), overloaded, or its socket gone (`systemctl status containerd`, `crictl info`). The kubelet's stop calls succeed once it answers.",
      });
    if (view.sandboxes.length)
      remediations.push({
        action: 'manual',
        effective: 'unknown',
        risk: 'low',
        why: "Read why the sandbox is not stopped: the kubelet's and the runtime's log for StopPodSandbox (a CNI DEL that fails, a pause process that does not exit).",
        command: `crictl inspectp ${shellQuote(view.sandboxes[0].sandbox.id)}; journalctl -u kubelet -u containerd --since -1h | grep -i ${shellQuote(view.sandboxes[0].sandbox.id.slice(0, 13))}`,
      });
    const pod = pods[0];
    remediations.push({
      action: 'manual',
      effective: 'unknown',
      risk: 'low',
      why: "Read the runtime's own view of the pod: its sandbox and containers with their states (`crictl pods`, `crictl ps -a`, `crictl inspectp SANDBOX_ID`), and the kubelet's events (`kubectl describe pod`).",
      command: pod?.name ? `crictl pods --name ${shellQuote(pod.name)}; crictl ps -a` : 'crictl pods; crictl ps -a',
    });
    remediations.push({
      action: 'kubectl',
      effective: 'no',
      risk: 'high',
      why: '`kubectl delete pod --force --grace-period=0` removes only the API object; the sandbox and its network stay on the node and the runtime keeps failing to remove them.',
      command: `kubectl delete pod ${pod?.name ? `${shellQuote(pod.name)}${pod.namespace ? ` -n ${shellQuote(pod.namespace)}` : ''}` : 'POD'} --force --grace-period=0`,
    });
    return [
      finding({
        id: 'runtime-kill-failed',
        severity: 'warning',
        confidence: 0.75,
        title: `Runtime cannot stop the pod${pod ? ` ${podName(pod)}` : ''}: ${cni.length ? `${plugin && plugin !== 'plugin' ? `${plugin} ` : ''}CNI DEL fails` : errors.length ? `${errors[0].target}${errors.some((e) => /Deadline|deadline/.test(e.last.text)) ? ' times out (DeadlineExceeded)' : ' fails'}` : viewTitle(view, ctx)}`,
        explanation: parts.join(' '),
        evidence: [
          ...errors.slice(0, 4).map((e) => e.last.text.slice(0, 300)),
          ...view.stuck.slice(0, 2).flatMap((x) => [x.container.line, ...x.tasks.slice(0, 2).map((t) => `${t.pid ?? t.tid} ${t.comm} state=D${t.wchan ? ` wchan=${t.wchan}` : ''}`)]),
          ...view.sandboxes.slice(0, 2).map((x) => x.sandbox.line),
          ...(view.unanswered ? [`runtime did not answer: ${view.unanswered}`] : []),
          ...exited
            .slice(0, 2)
            .map((c) => c.line)
            .filter(Boolean),
        ].filter(Boolean),
        tasks: [
          ...shims.map((t) => taskRef(t, 'blocker')),
          ...view.stuck.flatMap((x) => x.tasks.map((t) => taskRef(t, 'blocker'))),
          ...stuck.filter((t) => !view.stuck.some((x) => x.tasks.includes(t))).map((t) => taskRef(t, 'blocker')),
        ],
        remediations,
      }),
    ];
  },
};

/** What the runtime's view adds, in words: the kernel wait that keeps a running container from dying, the sandbox left, the silence. */
function viewParts(view: RuntimeViewFacts, ctx: Parameters<Rule['run']>[0]): string[] {
  const parts: string[] = [];
  for (const x of view.stuck.slice(0, 3)) {
    const c = x.container;
    const waits = x.tasks
      .slice(0, 3)
      .map((t) => `${name(t)} is in D in ${describeChain(ctx.signature(t), 4)}`)
      .join('; ');
    parts.push(
      `The runtime still reports container ${c.name || c.id.slice(0, 13)} of pod ${podName(x.pod)} running${c.pid ? ` (pid ${c.pid})` : ''} although the pod is being deleted${x.pod.deletionTimestamp ? ` (deletionTimestamp ${x.pod.deletionTimestamp})` : ''}: ${waits}. A task in uninterruptible sleep does not act on SIGTERM or SIGKILL, so the runtime's StopContainer times out and the kubelet retries until that wait ends — the kernel finding about ${x.tasks.length === 1 ? `pid ${x.tasks[0].pid ?? x.tasks[0].tid}` : 'these tasks'} says what it waits for and what ends it.`,
    );
  }
  for (const x of view.sandboxes.slice(0, 3)) {
    const s = x.sandbox;
    parts.push(
      `Pod ${podName(x.pod)}'s sandbox ${s.id.slice(0, 13)} is still ${s.state ?? 'there'} although ${x.containers.length ? `its ${x.containers.length === 1 ? 'container has' : `${x.containers.length} containers have`} exited` : 'it has no container left'} and the grace period is over: the runtime has not stopped the sandbox (StopPodSandbox: the network teardown through the CNI plugin, the pause process), so the kubelet cannot finish the pod.`,
    );
  }
  if (view.unanswered)
    parts.push(
      `The container runtime did not answer the collector's CRI calls (${view.unanswered}): the kubelet's StopContainer and StopPodSandbox go to the same socket, so ${view.pods.length === 1 ? `pod ${podName(view.pods[0])} cannot` : 'the pods being deleted cannot'} be stopped until it answers.`,
    );
  return parts;
}

function viewTitle(view: RuntimeViewFacts, ctx: Parameters<Rule['run']>[0]): string {
  const s = view.stuck[0];
  if (s) {
    const t = s.tasks[0];
    return `container ${s.container.name || s.container.id.slice(0, 13)} still running, ${t.comm} (pid ${t.pid ?? t.tid}) in D in ${ctx.signature(t).frames[0]?.fn ?? t.wchan ?? 'the kernel'}`;
  }
  if (view.sandboxes.length) return `its containers are gone, sandbox ${view.sandboxes[0].sandbox.id.slice(0, 13)} still ready`;
  return 'the container runtime does not answer (CRI)';
}
