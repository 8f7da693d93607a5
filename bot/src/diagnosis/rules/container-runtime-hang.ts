import { name, taskEvidence, taskRef } from '../context';
import { finding, type Rule } from '../rule';
import { describeChain } from '../wait-signature';

const RUNTIME = /^(?:runc(?::\[\d:\w+\])?|runc\b.*|crun|containerd|containerd-shim\S*|dockerd|docker-proxy|conmon|crio|kata-\S+)$/;

/** The container runtime itself stuck: containers cannot be created, exec'd into, or stopped. */
export const containerRuntimeHang: Rule = {
  id: 'container-runtime-hang',
  run(ctx) {
    const stuck = ctx.tasks.filter((t) => RUNTIME.test(t.comm) && (t.state === 'D' || ctx.signature(t).category === 'reclaim') && !ctx.isFrozen(t));
    const timeouts = ctx.ev.notes.filter((n) => n.kind === 'runtime-timeout');
    if (!stuck.length && !timeouts.length) return [];
    return [finding({
      id: 'container-runtime-hang',
      severity: 'warning',
      confidence: stuck.length ? 0.8 : 0.6,
      title: `Container runtime stuck${stuck.length ? `: ${stuck.slice(0, 3).map(name).join(', ')}` : ` (${timeouts.map((n) => n.target).join(', ')} time out)`}`,
      explanation: `${stuck.map((t) => `${name(t)} is ${t.state === 'D' ? 'in D' : 'looping'} in ${describeChain(ctx.signature(t), 4)}`).join('; ')}${stuck.length ? '. ' : ''}${timeouts.length ? `${timeouts.map((n) => `${n.target}: "${n.last.text.slice(0, 160)}"${n.count > 1 ? ` ×${n.count}` : ''}`).join('; ')}. ` : ''}While the runtime is stuck, kubelet's calls time out (context deadline exceeded) and pods on the node cannot start, exec or stop.`,
      evidence: [...stuck.slice(0, 4).flatMap((t) => taskEvidence(t, 6)), ...timeouts.map((n) => n.last.text)],
      tasks: stuck.slice(0, 6).map((t) => taskRef(t, 'blocker')),
      remediations: [{ action: 'manual', effective: 'unknown', risk: 'medium', why: 'Fix what the runtime process waits on (see the other findings: memory limit, storage); restarting containerd/kubelet does not release a task stuck in the kernel.' }],
    })];
  },
};
