import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { kubeNodeAddresses } from '../../bot/src/nodes/ssh-fallback';
import { createCollectorFinder } from '../../bot/src/nodes/find-collector-pods';
import { kubeLeaseApi } from '../../bot/src/kube/lease-api';
import { createKubeLookup } from '../../bot/src/kube/pod-lookup';
import { createPodNames } from '../../bot/src/kube/pod-names';
import { startFakeKubeApi, type FakeKubeApi } from '../helpers/bot/fake-kube-api';
import { renderKustomization, repoPath, type K8sObject } from '../helpers/deploy/render-kustomize';

/**
 * The bot's RBAC is exactly what it reads. Every Kubernetes API call in
 * bot/src is listed here with the permission it needs (a call added without
 * a line here fails the first test); each call path is then run against the
 * fake API server, its requests turned into (group, resource, verb) the way
 * the API server authorises them, and the set compared with the rendered
 * ClusterRole: nothing used is missing, nothing granted is unused.
 */
type Grant = { group: string; resource: string; verb: string };
const CALLS: Record<string, Grant & { role: 'cluster' | 'leases' }> = {
  readNamespacedPod: { group: '', resource: 'pods', verb: 'get', role: 'cluster' },
  listNamespacedPod: { group: '', resource: 'pods', verb: 'list', role: 'cluster' },
  listPodForAllNamespaces: { group: '', resource: 'pods', verb: 'list', role: 'cluster' },
  readNode: { group: '', resource: 'nodes', verb: 'get', role: 'cluster' },
  listNamespacedEvent: { group: '', resource: 'events', verb: 'list', role: 'cluster' },
  readNamespacedPersistentVolumeClaim: { group: '', resource: 'persistentvolumeclaims', verb: 'get', role: 'cluster' },
  readPersistentVolume: { group: '', resource: 'persistentvolumes', verb: 'get', role: 'cluster' },
  listDeploymentForAllNamespaces: { group: 'apps', resource: 'deployments', verb: 'list', role: 'cluster' },
  listVolumeAttachment: { group: 'storage.k8s.io', resource: 'volumeattachments', verb: 'list', role: 'cluster' },
  readCSINode: { group: 'storage.k8s.io', resource: 'csinodes', verb: 'get', role: 'cluster' },
  listNamespacedLease: { group: 'coordination.k8s.io', resource: 'leases', verb: 'list', role: 'leases' },
  createNamespacedLease: { group: 'coordination.k8s.io', resource: 'leases', verb: 'create', role: 'leases' },
  replaceNamespacedLease: { group: 'coordination.k8s.io', resource: 'leases', verb: 'update', role: 'leases' },
};
const key = (g: Grant): string => `${g.group || 'core'}/${g.resource}:${g.verb}`;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** "GET /apis/storage.k8s.io/v1/volumeattachments" → storage.k8s.io/volumeattachments:list, as the API server's authorizer sees it. */
function authorised(request: string): Grant {
  const [method, target] = request.split(' ');
  const url = new URL(target, 'http://x');
  const parts = url.pathname.split('/').filter(Boolean);
  const group = parts[0] === 'api' ? '' : parts[1];
  let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  const [resource, name] = rest;
  const verb =
    method === 'GET'
      ? name
        ? 'get'
        : url.searchParams.get('watch') === 'true'
          ? 'watch'
          : 'list'
      : ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: name ? 'delete' : 'deletecollection' } as Record<string, string>)[method];
  return { group, resource, verb };
}

const granted = (role: K8sObject): Set<string> =>
  new Set(
    (role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]).flatMap((r) =>
      r.apiGroups.flatMap((group) => r.resources.flatMap((resource) => r.verbs.map((verb) => key({ group, resource, verb })))),
    ),
  );

describe("the bot's RBAC against the calls it makes", () => {
  let kube: FakeKubeApi;
  const objects = renderKustomization(repoPath('deploy/kustomize/base'));
  const clusterRole = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'whystuck-bot')!;
  const leaseRole = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'whystuck-bot-leases')!;
  beforeAll(async () => {
    kube = await startFakeKubeApi();
  });
  afterAll(async () => {
    await kube.close();
  });

  it('every Kubernetes API call in bot/src has its permission listed here', () => {
    const called = new Set<string>();
    // The kubectl plugin runs with the user's own kubeconfig, never the bot's service account: its
    // calls (the bot's TLS Secret among them) are checked against what its --help lists, in
    // test/bot/cli/kubectl-plugin.test.ts. The bot's reads it shares are the modules scanned here.
    for (const file of sources(repoPath('bot/src')).filter((f) => !/\/cli\/kubectl-plugin[^/]*\.ts$/.test(f))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\b(?:core|storage|apps|api|api\.core)\.((?:read|list|create|replace|patch|delete|watch|connect)[A-Z]\w*)\(/g)) called.add(m[1]);
    }
    expect([...called].filter((c) => !(c in CALLS))).toEqual([]);
    // And nothing listed here that the bot no longer calls.
    expect(Object.keys(CALLS).filter((c) => !called.has(c))).toEqual([]);
  });

  it('running every call path asks for exactly what the ClusterRole grants, and the Lease calls stay inside the Role', async () => {
    const uid = '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b';
    kube.addNode({ name: 'node-a', internalIP: '10.0.0.7' });
    // Being deleted with a well-known finalizer (its controller by labels) and an operator's (by a Deployment named like it).
    kube.addPod({
      namespace: 'shop',
      name: 'db-0',
      uid,
      nodeName: 'node-a',
      deleting: true,
      finalizers: ['batch.kubernetes.io/job-tracking', 'example.com/backup-guard'],
      volumes: [{ name: 'data', claimName: 'data-db-0' }],
    });
    kube.addPod({
      namespace: 'kube-system',
      name: 'kube-controller-manager-cp-1',
      uid: 'c0110c70-0000-4000-8000-0000000000c1',
      nodeName: 'cp-1',
      labels: { component: 'kube-controller-manager' },
      containers: [{ name: 'kube-controller-manager', id: 'k1', ready: true }],
    });
    kube.addDeployment({ namespace: 'example-system', name: 'example-operator', matchLabels: { app: 'example-operator' } });
    kube.addPod({
      namespace: 'whystuck',
      name: 'whystuck-collector-x1',
      uid: 'c0110c70-0000-4000-8000-000000000001',
      nodeName: 'node-a',
      labels: { 'app.kubernetes.io/name': 'whystuck-collector' },
      podIP: '10.1.0.5',
    });
    kube.addClaim({ namespace: 'shop', name: 'data-db-0', volumeName: 'pvc-1' });
    kube.addCsiNode('node-a', ['ebs.csi.aws.com']);
    const kubeconfig = kube.kubeconfig;

    // A pod question: the pod, then its layer.
    const lookup = createKubeLookup({ kubeconfig });
    const pod = await lookup.getPod('shop', 'db-0');
    if (pod.status !== 'ok') throw new Error(pod.message);
    const layer = await lookup.readLayer!(pod.value)!.settle(5000);
    expect(layer.unread).toEqual([]);
    expect(layer.controllers).toHaveLength(2);
    // Collector discovery (one node, every node), pods named by uid, the SSH fallback's node address.
    const finder = createCollectorFinder({ kubeconfig, namespace: 'whystuck', selector: 'app.kubernetes.io/name=whystuck-collector' });
    expect((await finder.list('node-a')).status).toBe('ok');
    expect((await finder.list()).status).toBe('ok');
    expect(await createPodNames({ kubeconfig }).byUid('node-a', uid)).toEqual({ namespace: 'shop', name: 'db-0' });
    expect(await kubeNodeAddresses(kubeconfig)('node-a')).toEqual({ ok: true, host: '10.0.0.7' });
    // Watch mode's leases.
    const leases = kubeLeaseApi({ kubeconfig, namespace: 'whystuck', prefix: 'whystuck-watch-' });
    const made = await leases.create({ name: 'whystuck-watch-shard-0', holder: 'bot-a', durationSeconds: 30, transitions: 0 });
    await leases.replace({ ...made, holder: 'bot-b' });
    await leases.list();

    const asked = kube.requests.map(authorised);
    const cluster = new Set(asked.filter((g) => g.group !== 'coordination.k8s.io').map(key));
    expect([...cluster].sort()).toEqual([...granted(clusterRole)].sort());
    const leaseGrants = granted(leaseRole);
    expect(
      asked
        .filter((g) => g.group === 'coordination.k8s.io')
        .map(key)
        .filter((k) => !leaseGrants.has(k)),
    ).toEqual([]);
    // The table above says the same as the requests.
    expect(
      new Set(
        Object.values(CALLS)
          .filter((c) => c.role === 'cluster')
          .map(key),
      ),
    ).toEqual(cluster);
  });
});
