import { readFileSync } from 'node:fs';
import { renderKustomization, repoPath, type K8sObject } from '../helpers/deploy/render-kustomize';

/**
 * Egress: the collector opens no connection at all; the bot reaches exactly
 * DNS, the collectors, the API server, Slack/PagerDuty over 443 and (in
 * production) PostgreSQL. NetworkPolicies add up, so every policy that selects
 * a pod counts: the checks take the union of the rendered policies selecting
 * it, as the cluster does.
 */
type Peer = { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: { matchLabels?: Record<string, string> }; ipBlock?: { cidr: string; except?: string[] } };
type Rule = { to?: Peer[]; ports?: { protocol?: string; port?: number | string; endPort?: number }[] };
type Policy = K8sObject & { spec: { podSelector: { matchLabels?: Record<string, string> }; policyTypes?: string[]; egress?: Rule[]; ingress?: unknown[] } };

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
const rendered = {
  base: renderKustomization(repoPath('deploy/kustomize/base')),
  production: renderKustomization(repoPath('deploy/kustomize/overlays/production')),
};

const podLabels = (objs: K8sObject[], kind: string, name: string): Record<string, string> => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name) as any;
  return o.spec.template.metadata.labels;
};
/** The policies that select pods with these labels (an empty selector selects every pod of the namespace). */
const selecting = (objs: K8sObject[], labels: Record<string, string>): Policy[] =>
  (objs.filter((o) => o.kind === 'NetworkPolicy') as Policy[]).filter((p) => Object.entries(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
/** Egress isolation and the union of egress rules, for pods with these labels. */
function egressOf(objs: K8sObject[], labels: Record<string, string>): { isolated: boolean; rules: Rule[] } {
  const policies = selecting(objs, labels).filter((p) => p.spec.policyTypes?.includes('Egress'));
  return { isolated: policies.length > 0, rules: policies.flatMap((p) => p.spec.egress ?? []) };
}
/** "TCP/443"… for every port a rule opens; a rule without ports opens every port. */
const openPorts = (rules: Rule[]): string[] =>
  [...new Set(rules.flatMap((r) => (r.ports?.length ? r.ports.map((p) => `${p.protocol ?? 'TCP'}/${p.port}${p.endPort ? `-${p.endPort}` : ''}`) : ['any/any'])))].sort();
const rulesFor = (rules: Rule[], port: string): Rule[] => rules.filter((r) => openPorts([r]).includes(port));

describe('egress NetworkPolicies', () => {
  it.each(Object.keys(rendered))('%s: the collector may open no connection: policyTypes [Egress], no egress rule in any policy that selects it', (name) => {
    const objs = rendered[name as keyof typeof rendered];
    const labels = podLabels(objs, 'DaemonSet', 'whystuck-collector');
    const own = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'whystuck-collector-egress') as Policy;
    expect(own.spec).toEqual({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'whystuck-collector' } }, policyTypes: ['Egress'] });
    expect(egressOf(objs, labels)).toEqual({ isolated: true, rules: [] });
    // NetworkPolicy does not apply to hostNetwork pods: the collector must stay on the pod network, and the manifest says why.
    expect((objs.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'whystuck-collector') as any).spec.template.spec.hostNetwork).toBeUndefined();
  });

  it('the manifest and deploy/README.md say that NetworkPolicy does not apply to hostNetwork pods, and that the collector is not one', () => {
    const yaml = readFileSync(repoPath('deploy/kustomize/base/networkpolicy.yaml'), 'utf8');
    expect(yaml).toMatch(/NetworkPolicy does not apply to hostNetwork pods\. The collector is not\s+# hostNetwork/);
    expect(readFileSync(repoPath('deploy/README.md'), 'utf8')).toMatch(/NetworkPolicy does\s+not apply to `hostNetwork` pods\*\*: the collector is not one/);
  });

  it.each([
    ['base', ['TCP/443', 'TCP/53', 'TCP/6443', 'TCP/7443', 'UDP/53']],
    ['production', ['TCP/443', 'TCP/53', 'TCP/5432', 'TCP/6443', 'TCP/7443', 'UDP/53']],
  ])('%s: the bot may reach exactly DNS, the collectors, the API server, HTTPS outside the cluster (and PostgreSQL in production)', (name, ports) => {
    const objs = rendered[name as keyof typeof rendered];
    const { isolated, rules } = egressOf(objs, podLabels(objs, 'Deployment', 'whystuck-bot'));
    expect(isolated).toBe(true);
    expect(openPorts(rules)).toEqual(ports);
    // Every rule names its destinations: a rule without `to` would open its ports to everything.
    for (const r of rules) expect(r.to?.length).toBeGreaterThan(0);

    // DNS: only the cluster's resolver pods in kube-system.
    const dns = [...rulesFor(rules, 'UDP/53'), ...rulesFor(rules, 'TCP/53')];
    for (const r of dns) expect(r.to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }]);
    // The collectors: only their pods, on the port they listen on and the bot dials.
    const collector = podLabels(objs, 'DaemonSet', 'whystuck-collector');
    expect(rulesFor(rules, 'TCP/7443')).toEqual([
      { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': collector['app.kubernetes.io/name'] } } }], ports: [{ protocol: 'TCP', port: 7443 }] },
    ]);
    const ds = objs.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'whystuck-collector') as any;
    expect(ds.spec.template.spec.containers[0].ports).toContainEqual({ name: 'grpc', containerPort: 7443, protocol: 'TCP' });
    expect((objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'whystuck-bot-config') as any).data['whystuck.yaml']).toMatch(/^collectorPort: 7443$/m);
    // The API server: 443 and 6443 to the private ranges only.
    const api = rulesFor(rules, 'TCP/6443');
    expect(api).toEqual([
      {
        to: PRIVATE.map((cidr) => ({ ipBlock: { cidr } })),
        ports: [
          { protocol: 'TCP', port: 443 },
          { protocol: 'TCP', port: 6443 },
        ],
      },
    ]);
    // Slack and PagerDuty: 443 anywhere outside the cluster — every "anywhere" block excepts the private and link-local ranges.
    const https = rulesFor(rules, 'TCP/443').filter((r) => r !== api[0]);
    expect(https).toHaveLength(1);
    expect(https[0].ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(https[0].to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0', except: [...PRIVATE, '100.64.0.0/10', '169.254.0.0/16'] } }, { ipBlock: { cidr: '::/0', except: ['fc00::/7', 'fe80::/10'] } }]);
    if (name === 'production') {
      // PostgreSQL (the overlay's store): 5432 only, to pods of the cluster or an address outside it.
      expect(rulesFor(rules, 'TCP/5432')).toEqual([{ to: [{ namespaceSelector: {} }, { ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
      const dep = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'whystuck-bot') as any;
      expect(dep.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).toContain('WHYSTUCK_DATABASE_URL');
    }
    // The ingress policies are still there beside the egress ones.
    expect(selecting(objs, podLabels(objs, 'Deployment', 'whystuck-bot')).map((p) => [p.metadata.name, p.spec.policyTypes])).toEqual(
      expect.arrayContaining([
        ['whystuck-bot', ['Ingress']],
        ['whystuck-bot-egress', ['Egress']],
      ]),
    );
  });

  it('the checks can fail: an added port, a rule without destinations, a collector egress rule', () => {
    const objs = structuredClone(rendered.base) as Policy[];
    const bot = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'whystuck-bot-egress')!;
    bot.spec.egress!.push({ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ protocol: 'TCP', port: 22 }] });
    bot.spec.egress!.push({ ports: [{ protocol: 'TCP', port: 443 }] });
    const { rules } = egressOf(objs, podLabels(objs, 'Deployment', 'whystuck-bot'));
    expect(openPorts(rules)).toContain('TCP/22');
    expect(rules.filter((r) => !r.to?.length)).toHaveLength(1);
    expect(openPorts([{ to: [{ podSelector: {} }] }])).toEqual(['any/any']);
    const collector = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'whystuck-collector-egress')!;
    collector.spec.egress = [{ to: [{ podSelector: {} }] }];
    expect(egressOf(objs, podLabels(objs, 'DaemonSet', 'whystuck-collector')).rules).toHaveLength(1);
  });
});
