import { name, taskRef } from '../context';
import type { Remediation } from '../finding';
import { finding, type Rule } from '../rule';
import { blockedTasks } from './d-state-tasks';

/**
 * The runtime's stop / kill / remove of a container or sandbox returns an
 * error; the kubelet retries and the pod stays Terminating. The error says
 * which layer refuses: the CNI plugin's DEL, the shim, or a container
 * process that does not exit (then the kernel findings say why).
 */
export const runtimeKillFailed: Rule = {
  id: 'runtime-kill-failed',
  run(ctx) {
    const errors = ctx.ev.notes.filter((n) => n.kind === 'runtime-kill-failed');
    if (!errors.length) return [];
    const cni = errors.filter((e) => e.target.startsWith('cni '));
    const shim = errors.filter((e) => e.target === 'containerd-shim');
    const stuck = blockedTasks(ctx).slice(0, 5);
    const parts = [
      `The container runtime's stop/kill path fails: ${errors.slice(0, 4).map((e) => `${e.target}${e.count > 1 ? ` (×${e.count}, first ${e.first.time || '?'}, last ${e.last.time || '?'})` : ''}`).join('; ')}. The kubelet retries the call on every sync, so the pod stays Terminating until it succeeds.`,
    ];
    if (cni.length) parts.push(`Network teardown is what fails: the ${cni[0].target.slice(4)} CNI plugin cannot delete the sandbox's network, so the sandbox (pause) cannot be removed. The containers themselves may already have exited.`);
    if (shim.length) parts.push('The runtime lost its shim (the per-container process that holds the task): without it the runtime cannot learn that the container exited.');
    if (stuck.length) parts.push(`Tasks in D on this node (${stuck.map(name).join(', ')}) do not act on the kill; the stop times out until their wait ends.`);
    const remediations: Remediation[] = [];
    if (cni.length) remediations.push({ action: 'manual', effective: 'unknown', risk: 'medium', why: `Make the ${cni[0].target.slice(4)} CNI plugin answer DEL again (its node daemon, e.g. the IPAM daemon it dials, must be running and reachable); the kubelet's next retry then removes the sandbox.` });
    if (stuck.length) remediations.push({ action: 'manual', effective: 'unknown', risk: 'low', why: 'Complete or fail the I/O the container\'s tasks wait on (see the uninterruptible-io finding); the stop then succeeds.' });
    remediations.push({ action: 'manual', effective: 'unknown', risk: 'low', why: 'Read the runtime\'s own view of the pod: `crictl pods --name POD` and `crictl ps -a --pod SANDBOX_ID`, `crictl inspectp SANDBOX_ID`; and the kubelet\'s events (`kubectl describe pod`).', command: 'crictl pods; crictl ps -a' });
    remediations.push({ action: 'kubectl', effective: 'no', risk: 'high', why: '`kubectl delete pod --force --grace-period=0` removes only the API object; the sandbox and its network stay on the node and the runtime keeps failing to remove them.', command: 'kubectl delete pod POD --force --grace-period=0' });
    return [finding({
      id: 'runtime-kill-failed',
      severity: 'warning',
      confidence: 0.75,
      title: `Runtime cannot stop the pod: ${errors[0].target}${cni.length ? ' (CNI DEL fails)' : errors.some((e) => /Deadline|deadline/.test(e.last.text)) ? ' times out (DeadlineExceeded)' : ' fails'}`,
      explanation: parts.join(' '),
      evidence: errors.slice(0, 4).map((e) => e.last.text.slice(0, 300)),
      tasks: stuck.map((t) => taskRef(t, 'blocker')),
      remediations,
    })];
  },
};
