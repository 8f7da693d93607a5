import { name, taskEvidence, taskRef } from '../context';
import { finding, type Rule } from '../rule';
import { describeChain } from '../wait-signature';

/** A runtime named in a sentence ("every runc:[INIT] ... blocked", "`systemctl restart docker` hung"). */
const RUNTIME_WORD = /(?:^|[\s`'"(])(?:runc|crun|containerd(?:-shim[\w-]*)?|dockerd?|crio|cri-o|conmon|podman|gdn)(?=$|[\s`'":.,)\]])/;

/** Container runtimes and their helpers, by the names their processes carry. */
const RUNTIME = /^(?:runc(?::\[\d:\w+\])?|runc\b.*|crun|runsc|youki|containerd|containerd-shim\S*|dockerd|docker|docker-proxy|cri-dockerd|conmon|crio|podman|gdn|garden\S*|guardian|lxc-\S+|kata-\S+)$/;

/** The container runtime itself stuck: containers cannot be created, exec'd into, or stopped. */
export const containerRuntimeHang: Rule = {
  id: 'container-runtime-hang',
  run(ctx) {
    const stuck = ctx.tasks.filter((t) => RUNTIME.test(t.comm) && (t.state === 'D' || ctx.signature(t).category === 'reclaim') && !ctx.isFrozen(t));
    const timeouts = ctx.ev.notes.filter((n) => n.kind === 'runtime-timeout');
    // "docker inspect hangs", "`gdn` blocks forever": a person saw the runtime hang; what it waits on is not shown.
    const said = ctx.ev.stated.filter(
      (f) =>
        (f.kind === 'hang' || f.kind === 'wait-site' || (f.kind === 'state' && f.state === 'D')) &&
        ((f.comm !== undefined && RUNTIME.test(f.comm)) || RUNTIME_WORD.test(f.text)) &&
        !stuck.some((t) => t.comm === f.comm),
    );
    // The collector asked the runtime over CRI and got no answer (live) — the runtime's socket is what the kubelet calls too.
    const unanswered = ctx.ev.kube?.runtime.unanswered;
    if (!stuck.length && !timeouts.length && !said.length && !unanswered) return [];
    return [
      finding({
        id: 'container-runtime-hang',
        severity: 'warning',
        confidence: stuck.some((t) => !t.placeholder) ? 0.8 : timeouts.length || unanswered ? 0.6 : 0.4,
        title: `Container runtime stuck${stuck.length ? `: ${stuck.slice(0, 3).map(name).join(', ')}` : timeouts.length ? ` (${timeouts.map((n) => n.target).join(', ')} time out)` : unanswered ? ': it does not answer its CRI socket' : ` (${said.map((f) => f.comm).join(', ')}, as stated)`}`,
        explanation: `${unanswered ? `The runtime did not answer the collector's CRI calls: ${unanswered}. ` : ''}${said.map((f) => `The text says: "${f.text.slice(0, 160)}". `).join('')}${stuck.map((t) => `${name(t)} is ${t.state === 'D' ? 'in D' : 'looping'} in ${describeChain(ctx.signature(t), 4)}`).join('; ')}${stuck.length ? '. ' : ''}${timeouts.length ? `${timeouts.map((n) => `${n.target}: "${n.last.text.slice(0, 160)}"${n.count > 1 ? ` ×${n.count}` : ''}`).join('; ')}. ` : ''}While the runtime is stuck, kubelet's calls time out (context deadline exceeded) and pods on the node cannot start, exec or stop.`,
        evidence: [
          ...stuck.slice(0, 4).flatMap((t) => taskEvidence(t, 6)),
          ...timeouts.map((n) => n.last.text),
          ...said.map((f) => f.text),
          ...(unanswered ? [`runtime did not answer: ${unanswered}`] : []),
        ],
        tasks: stuck.slice(0, 6).map((t) => taskRef(t, 'blocker')),
        remediations: [
          {
            action: 'manual',
            effective: 'unknown',
            risk: 'medium',
            why: 'Fix what the runtime process waits on (see the other findings: memory limit, storage); restarting containerd/kubelet does not release a task stuck in the kernel.',
          },
        ],
      }),
    ];
  },
};
