import type { LogNote } from '../../evidence/evidence';
import { classifyRuntimeError } from '../../paste/runtime-errors';
import { name, taskRef } from '../context';
import type { Remediation } from '../finding';
import { finding, type Rule } from '../rule';
import { shellQuote } from '../shell-quote';
import { blockedTasks } from './d-state-tasks';
import { deletingPods, podName } from './kube-pods';

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
    if (!errors.length) return [];
    const cni = errors.filter((e) => e.target.startsWith('cni '));
    const plugin = (cni.find((e) => e.target !== 'cni plugin') ?? cni[0])?.target.slice(4);
    const pluginText = plugin && plugin !== 'plugin' ? `the ${plugin} CNI plugin` : 'the CNI plugin';
    const shim = errors.filter((e) => e.target === 'containerd-shim');
    const stuck = blockedTasks(ctx).slice(0, 5);
    const shims = ctx.tasks.filter((t) => SHIM.test(t.comm) && (t.state === 'D' || t.state === 'Z')).slice(0, 3);
    const runtime = kube?.runtime;
    const exited = runtime?.containers.filter((c) => c.state === 'CONTAINER_EXITED' || /^Exited/.test(c.state ?? '')) ?? [];
    const running = runtime?.containers.filter((c) => c.state === 'CONTAINER_RUNNING' || /^Running/.test(c.state ?? '')) ?? [];
    const pods = kube ? deletingPods(kube).slice(0, 4) : [];
    // "cni plugin" (a DelNetwork error that does not name it) says less than "cni aws-cni" beside it.
    const listed = errors.filter((e) => !(e.target === 'cni plugin' && plugin && plugin !== 'plugin'));
    const parts = [
      `The container runtime's stop/kill path fails${pods.length ? ` for ${pods.map((p) => `pod ${podName(p)}`).join(', ')}` : ''}: ${listed.slice(0, 4).map((e) => `${e.target}${e.count > 1 ? ` (×${e.count}${e.first.time ? `, first ${e.first.time}` : ''}${e.last.time ? `, last ${e.last.time}` : ''})` : ''}`).join('; ')}. The kubelet retries the call on every sync, so the pod stays Terminating until it succeeds.`,
    ];
    if (cni.length) parts.push(`Network teardown is what fails: ${pluginText} cannot delete the sandbox's network (its DEL fails), so the sandbox (pause) cannot be removed.`);
    if (exited.length) parts.push(`The runtime shows ${exited.length === 1 ? 'the container' : `${exited.length} containers`} already exited (${exited.slice(0, 3).map((c) => `${c.name || c.id.slice(0, 13) || 'container'}${c.finishedAt ? ` at ${c.finishedAt}` : ''}${c.exitCode !== undefined ? `, exit code ${c.exitCode}` : ''}`).join('; ')}): the processes are gone; what is left is the sandbox's teardown.`);
    else if (cni.length) parts.push('The containers themselves may already have exited.');
    if (running.length && !cni.length) parts.push(`The runtime still shows ${running.slice(0, 3).map((c) => `${c.name || c.id.slice(0, 13) || 'container'}${c.pid ? ` (pid ${c.pid})` : ''}`).join(', ')} running: the kill did not take.`);
    if (shim.length) parts.push('The runtime lost its shim (the per-container process that holds the task): without it the runtime cannot learn that the container exited.');
    if (shims.length) parts.push(`Shim processes are stuck: ${shims.map((t) => `${name(t)} in ${t.state}`).join(', ')}.`);
    if (stuck.length) parts.push(`Tasks in D on this node (${stuck.map(name).join(', ')}) do not act on the kill; the stop times out until their wait ends (see the kernel findings).`);
    else if (errors.some((e) => /Deadline|deadline/.test(e.last.text)) && !cni.length) parts.push('No task of this input is shown stuck in the kernel: paste `ps -eo pid,stat,wchan:32,comm` and the stacks of the container\'s processes to tell a process that cannot die from a runtime that misses its exit.');
    const remediations: Remediation[] = [];
    if (cni.length) remediations.push({ action: 'manual', effective: 'unknown', risk: 'medium', why: `Make ${pluginText} answer DEL again (its node daemon, e.g. the IPAM daemon it dials, must be running and reachable); the kubelet's next retry then removes the sandbox.` });
    if (stuck.length) remediations.push({ action: 'manual', effective: 'unknown', risk: 'low', why: 'Complete or fail the I/O the container\'s tasks wait on (see the uninterruptible-io finding); the stop then succeeds.' });
    const pod = pods[0];
    remediations.push({
      action: 'manual', effective: 'unknown', risk: 'low',
      why: 'Read the runtime\'s own view of the pod: its sandbox and containers with their states (`crictl pods`, `crictl ps -a`, `crictl inspectp SANDBOX_ID`), and the kubelet\'s events (`kubectl describe pod`).',
      command: pod?.name ? `crictl pods --name ${shellQuote(pod.name)}; crictl ps -a` : 'crictl pods; crictl ps -a',
    });
    remediations.push({ action: 'kubectl', effective: 'no', risk: 'high', why: '`kubectl delete pod --force --grace-period=0` removes only the API object; the sandbox and its network stay on the node and the runtime keeps failing to remove them.', command: `kubectl delete pod ${pod?.name ? `${shellQuote(pod.name)}${pod.namespace ? ` -n ${shellQuote(pod.namespace)}` : ''}` : 'POD'} --force --grace-period=0` });
    return [finding({
      id: 'runtime-kill-failed',
      severity: 'warning',
      confidence: 0.75,
      title: `Runtime cannot stop the pod${pod ? ` ${podName(pod)}` : ''}: ${cni.length ? `${plugin && plugin !== 'plugin' ? `${plugin} ` : ''}CNI DEL fails` : `${errors[0].target}${errors.some((e) => /Deadline|deadline/.test(e.last.text)) ? ' times out (DeadlineExceeded)' : ' fails'}`}`,
      explanation: parts.join(' '),
      evidence: [...errors.slice(0, 4).map((e) => e.last.text.slice(0, 300)), ...exited.slice(0, 2).map((c) => c.line).filter(Boolean)],
      tasks: [...shims.map((t) => taskRef(t, 'blocker')), ...stuck.map((t) => taskRef(t, 'blocker'))],
      remediations,
    })];
  },
};
