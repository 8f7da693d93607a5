import type { Evidence, KubeObject } from '../evidence/evidence';
import type { Finding } from './finding';

/**
 * Findings say which Kubernetes objects they are about. After the rules ran,
 * the pods and nodes the input named are added to the evidence of the first
 * finding: "pod shop/web-7d9f-x2k on node node-7 (Terminating)".
 *   pods   those shown Terminating; otherwise the only pod named
 *   nodes  the nodes of those pods, nodes not Ready, or the only node named
 * Rules stay free of this: one place, after ranking.
 */
const MAX_LINES = 6;
/** Evidence lines past this index are not shown by the renderers (12): objects go within it. */
const VISIBLE = 10;

export function nameObjects(findings: Finding[], ev: Evidence): void {
  const first = findings[0];
  const objects = ev.objects ?? [];
  if (!first || !objects.length) return;
  const pods = unique(objects.filter((o) => o.kind === 'pod'));
  const nodes = unique(objects.filter((o) => o.kind === 'node'));
  const terminating = pods.filter((p) => /^terminating$/i.test(p.status ?? ''));
  const chosenPods = terminating.length ? terminating : pods.length === 1 ? pods : [];
  const chosenNodes = nodes.filter((n) => chosenPods.some((p) => p.node === n.name) || (n.status !== undefined && !/^Ready\b/.test(n.status)) || nodes.length === 1);
  const lines: string[] = [];
  for (const p of chosenPods) {
    const node = p.node ? nodes.find((n) => n.name === p.node) : undefined;
    lines.push(
      `pod ${p.namespace ? `${p.namespace}/` : ''}${p.name}${p.node ? ` on node ${p.node}${node?.status ? ` (${node.status})` : ''}` : ''}${p.status ? ` (${p.status})` : ''}${p.usage ? `; ${p.usage}` : ''}`,
    );
  }
  for (const n of chosenNodes) {
    if (chosenPods.some((p) => p.node === n.name) && !n.usage) continue;
    lines.push(`node ${n.name}${n.status ? ` (${n.status})` : ''}${n.usage ? `; ${n.usage}` : ''}`);
  }
  const fresh = lines.filter((l) => !first.evidence.includes(l)).slice(0, MAX_LINES);
  if (fresh.length) first.evidence.splice(Math.min(first.evidence.length, VISIBLE), 0, ...fresh);
}

/** One object per kind and name: the sightings that say more win. */
function unique(list: KubeObject[]): KubeObject[] {
  const byName = new Map<string, KubeObject>();
  for (const o of list) {
    const seen = byName.get(o.name);
    if (!seen) {
      byName.set(o.name, { ...o });
      continue;
    }
    seen.namespace ??= o.namespace;
    seen.status ??= o.status;
    seen.node ??= o.node;
    seen.usage ??= o.usage;
  }
  return [...byName.values()];
}
