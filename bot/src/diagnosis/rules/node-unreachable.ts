import type { KubeNode, KubePod } from '../../evidence/evidence';
import type { Remediation } from '../finding';
import { finding, plural, type Rule } from '../rule';
import { shellQuote } from '../shell-quote';
import { deletingPods, eventsOf, instant, isStatefulSetPod, nodeTrouble, nowOf, podName, span, type NodeTrouble } from './kube-pods';

/**
 * The pod's node does not answer (Ready Unknown / NotReady, NodeLost, the
 * unreachable taint): no kubelet can kill its containers and confirm, so
 * the API keeps the pod Terminating until the kubelet returns, the Node
 * object goes, or someone force-deletes it. Gives the heartbeat's age and
 * the taints, the risk of force-deleting a StatefulSet pod on a node that
 * may still run it, and the out-of-service taint for a node really down.
 */
const SAYS: Record<NodeTrouble, string> = {
  unknown: 'its kubelet stopped posting status (Ready Unknown)',
  'not-ready': 'it is NotReady',
  lost: 'the node controller marked its pods NodeLost (the node is unresponsive)',
  'kubelet-not-ready': 'its kubelet reports it not ready',
};

export const nodeUnreachable: Rule = {
  id: 'node-unreachable',
  run(ctx) {
    const kube = ctx.ev.kube;
    if (!kube) return [];
    const now = nowOf(ctx.ev);
    const troubled = new Map<string, { node: KubeNode; how: NodeTrouble; pods: KubePod[]; presumed: boolean }>();
    for (const n of kube.nodes) {
      const how = nodeTrouble(n);
      // A kubelet that reports its node not ready is up: it can still confirm deletions (the runtime rules say why it is not ready).
      if (how && how !== 'kubelet-not-ready') troubled.set(n.name, { node: n, how, pods: [], presumed: false });
    }
    // Pods on them: by spec.nodeName, by NodeLost, by a NodeNotReady event about the pod.
    for (const p of kube.pods) {
      const t = p.node ? troubled.get(p.node) : undefined;
      if (t) {
        t.pods.push(p);
        continue;
      }
      if (p.reason === 'NodeLost' && p.node) {
        const node = kube.nodes.find((n) => n.name === p.node) ?? { name: p.node, taints: [], lines: [] };
        troubled.set(p.node, { node, how: 'lost', pods: [p], presumed: false });
      }
    }
    const deleting = deletingPods(kube).filter((p) => ![...troubled.values()].some((t) => t.pods.includes(p)));
    // A pod whose node the paste does not show, beside the only node that does not answer: presumably that one.
    const open = [...troubled.values()];
    if (open.length === 1) {
      for (const p of deleting) {
        if (p.node === undefined || eventsOf(kube, p).some((e) => e.reason === 'NodeNotReady')) {
          open[0].pods.push(p);
          open[0].presumed ||= p.node === undefined;
        }
      }
    }
    const out = [];
    for (const t of troubled.values()) {
      const n = t.node;
      const beat = instant(n.lastHeartbeat);
      const age = beat !== undefined && now !== undefined ? now - beat : undefined;
      const taints = n.taints.map((x) => `${x.key}${x.value ? `=${x.value}` : ''}:${x.effect}`);
      const pods = t.pods;
      const parts: string[] = [];
      parts.push(`Node ${n.name} does not answer: ${SAYS[t.how]}${n.reason && n.reason !== 'NodeLost' ? ` (${n.reason}${n.message ? `: ${n.message}` : ''})` : ''}.`);
      if (n.lastHeartbeat) parts.push(`Its last heartbeat was ${n.lastHeartbeat}${age !== undefined ? `, ${span(age / 1000)} before this evidence was taken` : ''}.`);
      if (taints.length) parts.push(`Taints: ${taints.join(', ')}.`);
      if (pods.length) {
        const about = pods.slice(0, 6).map((p) => {
          const bits = [
            p.shown,
            p.phase && p.phase !== p.shown ? `phase ${p.phase}` : undefined,
            p.deletionTimestamp ? `deletionTimestamp ${p.deletionTimestamp}` : undefined,
            p.reason === 'NodeLost' ? 'reason NodeLost' : undefined,
          ].filter(Boolean);
          return `${podName(p)}${bits.length ? ` (${bits.join(', ')})` : ''}`;
        });
        parts.push(
          `${pods.length === 1 ? 'Pod' : plural(pods.length, 'pod')} ${about.join(', ')} ${t.presumed ? `presumably ran there (the paste does not show ${pods.length === 1 ? 'its' : 'their'} node; ${n.name} is the only node not ready)` : 'ran there'}.`,
        );
        parts.push(
          `Nothing on the node can kill ${pods.length === 1 ? 'its containers' : 'their containers'} and confirm, so the API server keeps ${pods.length === 1 ? 'the pod' : 'the pods'} ${pods.some((p) => p.deletionTimestamp || /^terminating$/i.test(p.shown ?? '')) ? 'Terminating' : `as ${pods.length === 1 ? 'it is' : 'they are'} (phase still Running: no kubelet reports otherwise)`} until the kubelet comes back and confirms, the Node object is deleted, or the pod is force-deleted. The node controller does not delete pods of an unreachable node on its own (since Kubernetes 1.5): their containers might still be running there.`,
        );
        if (pods.some((p) => p.finalizers?.length)) parts.push('Finalizers on the pod still hold it after that (see the finalizer finding).');
      } else {
        parts.push('No pod of this input is shown on it; every pod it ran stays as it is in the API until the kubelet returns or the pods are force-deleted.');
      }
      const stateful = pods.filter(isStatefulSetPod);
      const remediations: Remediation[] = [];
      remediations.push({
        action: 'manual',
        effective: 'unknown',
        risk: 'low',
        why: `Bring the node back: check the machine (console, power, network) and its kubelet (\`systemctl status kubelet\`, \`journalctl -u kubelet\`); once the kubelet posts status again it kills what should not run and the pod objects go.`,
        command: `kubectl describe node ${shellQuote(n.name)}`,
      });
      for (const p of pods.slice(0, 3)) {
        remediations.push({
          action: 'kubectl',
          effective: 'unknown',
          risk: 'high',
          why: `Removes only the API object of ${podName(p)} (a suggestion: whystuck does not write to the API). If the node is merely partitioned, its containers keep running there unseen.${isStatefulSetPod(p) ? ' This is a StatefulSet pod: its replacement with the same identity (and volume) may start elsewhere while the old one still runs — two writers on one volume. Do it only when the node is known to be down.' : ' Do it only when the node is known to be down, or the workload tolerates two copies.'}`,
          command: `kubectl delete pod ${shellQuote(p.name || 'POD')}${p.namespace ? ` -n ${shellQuote(p.namespace)}` : ''} --grace-period=0 --force`,
        });
      }
      remediations.push({
        action: 'kubectl',
        effective: 'unknown',
        risk: 'medium',
        why: `If ${n.name} is really shut down (not just unreachable): the out-of-service taint (Kubernetes 1.26 beta, 1.28 GA) lets the control plane delete its pods and detach their volumes so replacements can attach them elsewhere. Remove it once the node is back (\`kubectl taint nodes ${shellQuote(n.name)} node.kubernetes.io/out-of-service-\`).${stateful.length ? ' This is the safe way for StatefulSet pods.' : ''}`,
        command: `kubectl taint nodes ${shellQuote(n.name)} node.kubernetes.io/out-of-service=nodeshutdown:NoExecute`,
      });
      const evidence = [
        ...n.lines.slice(0, 3),
        ...pods.flatMap((p) => [
          ...p.lines.slice(0, 2),
          ...eventsOf(kube, p)
            .filter((e) => /^Node/.test(e.reason))
            .map((e) => e.line),
        ]),
        ...taints.map((x) => `taint ${x}`),
        `node ${n.name} (${n.ready ? `Ready=${n.ready}` : (n.shown ?? 'not ready')})`,
        ...pods.map((p) => `pod ${podName(p)} on node ${n.name}${p.shown ? ` (${p.shown})` : ''}`),
      ];
      out.push(
        finding({
          id: 'node-unreachable',
          severity: pods.length ? 'warning' : 'info',
          confidence: pods.length ? (t.presumed ? 0.65 : 0.85) : 0.6,
          title: pods.length
            ? `Node ${n.name} is not ready: ${pods.length === 1 ? `pod ${podName(pods[0])} stays` : `${plural(pods.length, 'pod')} stay`} ${pods.some((p) => p.deletionTimestamp || /^terminating$/i.test(p.shown ?? '')) ? 'Terminating' : pods.length === 1 ? 'as it is' : 'as they are'} until its kubelet returns`
            : `Node ${n.name} is not ready (${SAYS[t.how]})`,
          explanation: parts.join(' '),
          evidence,
          remediations,
        }),
      );
    }
    return out;
  },
};
