import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer';
import YAML from 'yaml';
import { runCerts } from '../../bot/src/cli/certs-command';
import { loadConfig } from '../../bot/src/config';
import { renderKustomization, repoPath, type K8sObject } from '../helpers/deploy/render-kustomize';

/**
 * The kustomize base and overlays rendered (our renderer, and kubectl's
 * kustomize where installed — they must agree), every object validated
 * against the Kubernetes schemas (kubernetes-models; unknown fields caught by
 * a round trip through @kubernetes/client-node's typed models), and the
 * security-relevant choices asserted one by one.
 */
type Validator = { new (data: unknown): { validate(): void } };

function modelFor(o: K8sObject): Validator {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const mod =
    group === 'cert-manager.io' || group === 'policy.cert-manager.io'
      ? require(`@kubernetes-models/cert-manager/${group}/${version}/${o.kind}`)
      : require(`kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`);
  return mod[o.kind] as Validator;
}

/** Fields the typed client models do not know (typos such as readOnlyRootFileSystem), as paths. */
function unknownFields(o: K8sObject): string[] {
  // The client's model names: V1DaemonSet, V1ClusterRole, V1NetworkPolicy… (the group is not part of them for these kinds).
  const version = o.apiVersion.split('/').pop()!;
  const type = `${version.replace(/^./, (c) => c.toUpperCase())}${o.kind}`;
  const round = ObjectSerializer.serialize(ObjectSerializer.deserialize(structuredClone(o), type), type) as unknown;
  const lost: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (Array.isArray(a)) {
      a.forEach((x, i) => walk(x, (b as unknown[] | undefined)?.[i], `${path}[${i}]`));
      return;
    }
    if (typeof a !== 'object' || a === null) return;
    for (const [k, v] of Object.entries(a)) {
      const other = (b as Record<string, unknown> | undefined)?.[k];
      if (other === undefined) lost.push(`${path}.${k}`);
      else walk(v, other, `${path}.${k}`);
    }
  };
  walk(o, round, o.kind);
  return lost;
}

const canonical = (v: unknown): unknown => {
  if (Array.isArray(v)) {
    const items = v.map(canonical);
    return items.every((x) => typeof x === 'object' && x !== null && 'name' in x)
      ? items.sort((a, b) => String((a as { name: string }).name).localeCompare(String((b as { name: string }).name)))
      : items;
  }
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, canonical(x)]),
    );
  return v;
};
/** Secret data as bytes: kubectl folds long base64 into lines. */
const unfold = (o: K8sObject): K8sObject => (o.kind === 'Secret' ? { ...o, data: Object.fromEntries(Object.entries(o.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\s/g, '')])) } : o);
const byId = (objs: K8sObject[]): Record<string, unknown> => Object.fromEntries(objs.map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, canonical(unfold(o))]));
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

let dir: string;
const rendered: Record<string, K8sObject[]> = {};
beforeAll(() => {
  // The dev overlay reads files people create: certificates from `whystuck certs` and slack.env.
  dir = mkdtempSync(join(tmpdir(), 'whystuck-kustomize-'));
  cpSync(repoPath('deploy', 'kustomize'), join(dir, 'kustomize'), { recursive: true });
  const dev = join(dir, 'kustomize', 'overlays', 'dev');
  const quiet = {
    stdout: { write: () => true },
    stderr: {
      write: (s: string) => {
        throw new Error(s);
      },
    },
  };
  expect(runCerts(['--out', join(dev, 'certs')], quiet)).toBe(0);
  cpSync(join(dev, 'slack.env.example'), join(dev, 'slack.env'));
  for (const name of ['base', 'overlays/production', 'overlays/dev']) rendered[name] = renderKustomization(join(dir, 'kustomize', name));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const find = (objs: K8sObject[], kind: string, name: string): any => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
};

describe('deploy/kustomize', () => {
  it.each(['base', 'overlays/production', 'overlays/dev'])('%s: every object is valid against the Kubernetes schemas, with no unknown fields', (name) => {
    const objs = rendered[name];
    expect(objs.length).toBeGreaterThan(8);
    for (const o of objs) {
      const Model = modelFor(o);
      expect(() => new Model(o).validate()).not.toThrow();
      if (!o.apiVersion.includes('cert-manager.io/')) expect(unknownFields(o)).toEqual([]);
      if (o.kind !== 'Namespace' && o.kind !== 'ClusterRole' && o.kind !== 'ClusterRoleBinding')
        expect(`${o.kind}/${o.metadata.name} in ${o.metadata.namespace}`).toBe(`${o.kind}/${o.metadata.name} in whystuck`);
      expect(o.metadata.labels?.['app.kubernetes.io/part-of']).toBe('whystuck');
    }
  });

  it('the schema checks can fail: a typo and a wrong type are caught', () => {
    const ds = structuredClone(find(rendered.base, 'DaemonSet', 'whystuck-collector'));
    ds.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
    expect(unknownFields(ds)).toEqual(['DaemonSet.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem']);
    ds.spec.template.spec.hostPID = 'yes';
    expect(() => new (modelFor(ds))(ds).validate()).toThrow(/hostPID/);
    const cert = structuredClone(find(rendered['overlays/production'], 'Certificate', 'whystuck-bot'));
    cert.spec.usages = ['client auth', 'clientauth'];
    expect(() => new (modelFor(cert))(cert).validate()).toThrow(/usages/);
    const policy = structuredClone(find(rendered['overlays/production'], 'CertificateRequestPolicy', 'whystuck-collector-pods'));
    policy.spec.allowed.usages = ['server auth', 'serverauth'];
    expect(() => new (modelFor(policy))(policy).validate()).toThrow(/usages/);
    // A volume that is both the Secret and the CSI volume: the patch's `secret: null` matters.
    const prodDs = structuredClone(find(rendered['overlays/production'], 'DaemonSet', 'whystuck-collector'));
    prodDs.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'tls').csi.volumeAttribute = {};
    expect(unknownFields(prodDs)).toEqual([expect.stringMatching(/csi\.volumeAttribute$/)]);
  });

  (kubectl ? it : it.skip).each(['base', 'overlays/production', 'overlays/dev'])('%s: kubectl kustomize renders the same objects', (name) => {
    const res = spawnSync('kubectl', ['kustomize', join(dir, 'kustomize', name)], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    const theirs = YAML.parseAllDocuments(res.stdout).map((d) => d.toJSON() as K8sObject);
    expect(byId(rendered[name])).toEqual(byId(theirs));
  });

  it('collector DaemonSet: hostPID, every node, not privileged, exactly the five capabilities, read-only host mounts, limits, probes on Health', () => {
    const ds = find(rendered['overlays/production'], 'DaemonSet', 'whystuck-collector');
    const pod = ds.spec.template.spec;
    expect(pod.hostPID).toBe(true);
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod.automountServiceAccountToken).toBe(false);
    const c = pod.containers[0];
    expect(c.securityContext.privileged).toBe(false);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['SYS_ADMIN', 'SYSLOG', 'KILL', 'SYS_PTRACE', 'DAC_READ_SEARCH'] });
    for (const m of c.volumeMounts) expect(m.readOnly).toBe(true);
    const hostPaths = pod.volumes.filter((v: { hostPath?: unknown }) => v.hostPath).map((v: { hostPath: { path: string; type: string } }) => v.hostPath);
    expect(hostPaths).toEqual([
      { path: '/sys/fs/cgroup', type: 'Directory' },
      { path: '/dev/kmsg', type: 'CharDevice' },
    ]);
    expect(c.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(c.resources.limits.memory).toMatch(/^\d+Mi$/);
    expect(c.image).toMatch(/^registry\.example\.com\/whystuck\/collector:0\.1\.0@sha256:[0-9a-f]{64}$/); // pinned: test/deploy/image-digests.test.ts
    expect(c.command).toBeUndefined(); // the image's entrypoint applies deploy/collector.node-flags
    expect(c.args.slice(0, 2)).toEqual(['collector', '--listen=0.0.0.0:7443']);
    expect(c.args).toEqual(expect.arrayContaining(['--tls-cert=/tls/tls.crt', '--tls-key=/tls/tls.key', '--tls-ca=/tls/ca.crt', '--bot-identity=spiffe://whystuck/bot']));
    expect(c.env).toEqual(expect.arrayContaining([{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }]));
    for (const probe of [c.livenessProbe, c.readinessProbe]) {
      expect(probe.exec.command.slice(0, 2)).toEqual(['whystuck-collector', 'collector-health']);
      expect(probe.exec.command).toEqual(expect.arrayContaining(['--tls-cert=/tls/tls.crt', '--address=127.0.0.1:7443']));
    }
    // Production: the pod's own certificate (csi-driver); the base (dev) mounts the Secret `whystuck certs` fills.
    expect(pod.volumes.find((v: { name: string }) => v.name === 'tls').csi.driver).toBe('csi.cert-manager.io');
    expect(find(rendered.base, 'DaemonSet', 'whystuck-collector').spec.template.spec.volumes.find((v: { name: string }) => v.name === 'tls').secret.secretName).toBe('whystuck-collector-tls');
  });

  it("production: each collector pod's own certificate from cert-manager's csi-driver, its one URI SAN the pod identity; the probes check that identity and the node", () => {
    const ds = find(rendered['overlays/production'], 'DaemonSet', 'whystuck-collector');
    const pod = ds.spec.template.spec;
    const tls = pod.volumes.find((v: { name: string }) => v.name === 'tls');
    expect(tls).toEqual({
      name: 'tls',
      csi: {
        driver: 'csi.cert-manager.io',
        readOnly: true,
        volumeAttributes: {
          'csi.cert-manager.io/issuer-name': 'whystuck-ca',
          'csi.cert-manager.io/issuer-kind': 'Issuer',
          'csi.cert-manager.io/issuer-group': 'cert-manager.io',
          'csi.cert-manager.io/uri-sans': 'spiffe://whystuck/ns/${POD_NAMESPACE}/pod/${POD_NAME}',
          'csi.cert-manager.io/key-usages': 'server auth,client auth,digital signature,key encipherment',
          'csi.cert-manager.io/duration': '72h',
          'csi.cert-manager.io/renew-before': '24h',
          'csi.cert-manager.io/certificate-file': 'tls.crt',
          'csi.cert-manager.io/privatekey-file': 'tls.key',
          'csi.cert-manager.io/ca-file': 'ca.crt',
        },
      },
    });
    // No name but the identity: no common name, no DNS names (they authorise nothing and are not checked).
    expect(Object.keys(tls.csi.volumeAttributes).filter((k) => /common-name|dns-names|ip-sans/.test(k))).toEqual([]);
    const c = pod.containers[0];
    expect(c.volumeMounts.find((m: { name: string }) => m.name === 'tls')).toEqual({ name: 'tls', mountPath: '/tls', readOnly: true });
    expect(c.args).toEqual(expect.arrayContaining(['--tls-cert=/tls/tls.crt', '--tls-key=/tls/tls.key', '--tls-ca=/tls/ca.crt']));
    const env = Object.fromEntries(c.env.map((e: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
    expect(env).toMatchObject({ NODE_NAME: 'spec.nodeName', POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace' });
    for (const probe of [c.livenessProbe, c.readinessProbe]) {
      expect(probe.exec.command.slice(0, 2)).toEqual(['whystuck-collector', 'collector-health']);
      expect(probe.exec.command).toEqual(expect.arrayContaining(['--self', '--tls-cert=/tls/tls.crt', '--address=127.0.0.1:7443']));
      expect(probe.exec.command.some((a: string) => a.startsWith('--server-name'))).toBe(false);
    }
    // The pod names the identity's ${POD_NAME} takes are those the policy allows.
    expect(ds.metadata.name).toBe('whystuck-collector');
    // The shared collector certificate is gone from production: nothing mounts it.
    expect(
      rendered['overlays/production']
        .filter((o) => o.kind === 'Certificate')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['whystuck-bot', 'whystuck-ca', 'whystuck-reader']);
  });

  it('production: approver-policy allows the whystuck Issuers only the three identity forms — the bot and reader URIs, client only (cert-manager), and collector pod URIs in namespace whystuck (csi-driver)', () => {
    const prod = rendered['overlays/production'];
    const policy = (name: string): any => find(prod, 'CertificateRequestPolicy', name);
    expect(
      prod
        .filter((o) => o.kind === 'CertificateRequestPolicy')
        .map((o) => [o.apiVersion, o.metadata.name])
        .sort(),
    ).toEqual([
      ['policy.cert-manager.io/v1alpha1', 'whystuck-bot'],
      ['policy.cert-manager.io/v1alpha1', 'whystuck-ca'],
      ['policy.cert-manager.io/v1alpha1', 'whystuck-collector-pods'],
      ['policy.cert-manager.io/v1alpha1', 'whystuck-reader'],
    ]);
    const onCa = { issuerRef: { name: 'whystuck-ca', kind: 'Issuer', group: 'cert-manager.io' }, namespace: { matchNames: ['whystuck'] } };
    expect(policy('whystuck-bot').spec).toEqual({
      allowed: { commonName: { value: 'whystuck-bot' }, uris: { values: ['spiffe://whystuck/bot'], required: true }, usages: ['client auth', 'digital signature', 'key encipherment'] },
      constraints: { maxDuration: '2160h' },
      selector: onCa,
    });
    expect(policy('whystuck-reader').spec).toEqual({
      allowed: { commonName: { value: 'whystuck-reader' }, uris: { values: ['spiffe://whystuck/reader'], required: true }, usages: ['client auth', 'digital signature', 'key encipherment'] },
      constraints: { maxDuration: '2160h' },
      selector: onCa,
    });
    expect(policy('whystuck-collector-pods').spec).toEqual({
      allowed: { uris: { values: ['spiffe://whystuck/ns/whystuck/pod/whystuck-collector-*'], required: true }, usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'] },
      constraints: { maxDuration: '72h' },
      selector: onCa,
    });
    // Every identity form the Issuer may sign is exactly one of the three; nothing else (no DNS, IP, email, CA) on whystuck-ca.
    for (const name of ['whystuck-bot', 'whystuck-reader', 'whystuck-collector-pods']) {
      const allowed = policy(name).spec.allowed;
      expect(Object.keys(allowed).filter((k) => !['commonName', 'uris', 'usages'].includes(k))).toEqual([]);
    }
    expect(policy('whystuck-ca').spec).toMatchObject({ allowed: { isCA: true, commonName: { value: 'whystuck CA', required: true } }, selector: { issuerRef: { name: 'whystuck-selfsigned' } } });
    expect(policy('whystuck-ca').spec.allowed.uris).toBeUndefined();
    // The policies the certificates need allow them: the bot's Certificate, the csi volume's attributes, the CA.
    const bot = find(prod, 'Certificate', 'whystuck-bot').spec;
    expect(policy('whystuck-bot').spec.allowed.uris.values).toEqual(bot.uris);
    expect(bot.usages.every((u: string) => policy('whystuck-bot').spec.allowed.usages.includes(u))).toBe(true);
    const reader = find(prod, 'Certificate', 'whystuck-reader').spec;
    expect(policy('whystuck-reader').spec.allowed.uris.values).toEqual(reader.uris);
    expect(reader.usages.every((u: string) => policy('whystuck-reader').spec.allowed.usages.includes(u))).toBe(true);
    // Neither client policy allows serving, nor the other's identity.
    for (const name of ['whystuck-bot', 'whystuck-reader']) expect(policy(name).spec.allowed.usages).not.toContain('server auth');
    expect(policy('whystuck-reader').spec.allowed.uris.values).not.toContain('spiffe://whystuck/bot');
    const csi = find(prod, 'DaemonSet', 'whystuck-collector').spec.template.spec.volumes.find((v: { name: string }) => v.name === 'tls').csi.volumeAttributes;
    const podUri = csi['csi.cert-manager.io/uri-sans'].replace('${POD_NAMESPACE}', 'whystuck').replace('${POD_NAME}', 'whystuck-collector-x7k2p');
    const pattern = new RegExp(`^${policy('whystuck-collector-pods').spec.allowed.uris.values[0].replace(/[.]/g, '\\.').replace('*', '.*')}$`);
    expect(podUri).toMatch(pattern);
    expect('spiffe://whystuck/bot').not.toMatch(pattern);
    expect('spiffe://whystuck/reader').not.toMatch(pattern);
    expect(csi['csi.cert-manager.io/key-usages'].split(',').every((u: string) => policy('whystuck-collector-pods').spec.allowed.usages.includes(u))).toBe(true);
    expect(find(prod, 'Certificate', 'whystuck-ca').spec).toMatchObject({ commonName: 'whystuck CA', isCA: true });
    // Who may use which: cert-manager's controller the CA, bot and reader policies, the csi-driver only the collector pods'.
    expect(find(prod, 'Role', 'whystuck-cert-manager-policies').rules).toEqual([
      { apiGroups: ['policy.cert-manager.io'], resources: ['certificaterequestpolicies'], verbs: ['use'], resourceNames: ['whystuck-ca', 'whystuck-bot', 'whystuck-reader'] },
    ]);
    expect(find(prod, 'Role', 'whystuck-csi-driver-policy').rules).toEqual([
      { apiGroups: ['policy.cert-manager.io'], resources: ['certificaterequestpolicies'], verbs: ['use'], resourceNames: ['whystuck-collector-pods'] },
    ]);
    expect(find(prod, 'RoleBinding', 'whystuck-cert-manager-policies')).toMatchObject({
      metadata: { namespace: 'whystuck' },
      roleRef: { kind: 'Role', name: 'whystuck-cert-manager-policies' },
      subjects: [{ kind: 'ServiceAccount', name: 'cert-manager', namespace: 'cert-manager' }],
    });
    expect(find(prod, 'RoleBinding', 'whystuck-csi-driver-policy')).toMatchObject({
      metadata: { namespace: 'whystuck' },
      roleRef: { kind: 'Role', name: 'whystuck-csi-driver-policy' },
      subjects: [{ kind: 'ServiceAccount', name: 'cert-manager-csi-driver', namespace: 'cert-manager' }],
    });
  });

  it('bot Deployment: non-root, no capabilities, read-only root, TLS and Slack secrets wired; production: 2+ replicas on PostgreSQL, ready when the store answers, a disruption budget; its YAML config loads', () => {
    const dep = find(rendered['overlays/production'], 'Deployment', 'whystuck-bot');
    const pod = dep.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    const c = pod.containers[0];
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.envFrom).toEqual([{ secretRef: { name: 'whystuck-slack' } }, { secretRef: { name: 'whystuck-pagerduty', optional: true } }]);
    const env = Object.fromEntries(c.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
    expect(env).toMatchObject({
      WHYSTUCK_COLLECTOR_TLS_CERT: '/tls/tls.crt',
      WHYSTUCK_COLLECTOR_TLS_KEY: '/tls/tls.key',
      WHYSTUCK_COLLECTOR_TLS_CA: '/tls/ca.crt',
      WHYSTUCK_DB: '/data/whystuck.db',
      WHYSTUCK_LISTEN_HOST: '0.0.0.0',
    });
    // The base (one replica on SQLite) keeps its store on a PersistentVolumeClaim, never an emptyDir that dies with the pod.
    const basePod = find(rendered.base, 'Deployment', 'whystuck-bot').spec.template.spec;
    expect(basePod.volumes.find((v: { name: string }) => v.name === 'data')).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'whystuck-bot-data' } });
    expect(basePod.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(find(rendered.base, 'PersistentVolumeClaim', 'whystuck-bot-data').spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    expect(find(rendered.base, 'Deployment', 'whystuck-bot').spec.strategy).toEqual({ type: 'Recreate' });
    // Production (PostgreSQL) has neither the claim nor the volume.
    expect(pod.volumes.map((v: { name: string }) => v.name)).not.toContain('data');
    expect(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).not.toContain('/data');
    // several replicas share PostgreSQL (from a Secret), split watch mode through Leases, and are ready only with their store
    expect(dep.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(dep.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    expect(c.env.find((e: { name: string }) => e.name === 'WHYSTUCK_DATABASE_URL')).toEqual({ name: 'WHYSTUCK_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'whystuck-database', key: 'url' } } });
    expect(env).toMatchObject({ WHYSTUCK_WATCH_LEASES: 'on', WHYSTUCK_METRICS_LISTEN: '0.0.0.0:9465' });
    expect(
      c.env.filter((e: { name: string }) => e.name === 'POD_NAME' || e.name === 'POD_NAMESPACE').map((e: { valueFrom: { fieldRef: { fieldPath: string } } }) => e.valueFrom.fieldRef.fieldPath),
    ).toEqual(['metadata.name', 'metadata.namespace']);
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'http' } });
    expect(find(rendered['overlays/production'], 'PodDisruptionBudget', 'whystuck-bot').spec).toEqual({ minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'whystuck-bot' } } });
    expect(rendered['overlays/production'].some((o) => o.kind === 'PersistentVolumeClaim')).toBe(false);
    // the dev overlay stays one replica on SQLite, in Socket Mode (no HTTP receiver, so no /readyz)
    const devBot = find(rendered['overlays/dev'], 'Deployment', 'whystuck-bot');
    expect(devBot.spec.replicas).toBe(1);
    expect(devBot.spec.template.spec.containers[0].readinessProbe).toBeUndefined();

    const cm = find(rendered.base, 'ConfigMap', 'whystuck-bot-config');
    const file = join(dir, 'whystuck.yaml');
    writeFileSync(file, cm.data['whystuck.yaml']);
    const config = loadConfig(
      {
        ...Object.fromEntries(c.env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value])),
        WHYSTUCK_COLLECTOR_NAMESPACE: 'whystuck',
      },
      file,
    );
    expect(config.collectorDiscovery).toEqual({ namespace: 'whystuck', selector: 'app.kubernetes.io/name=whystuck-collector', port: 7443, serverName: 'whystuck-collector' });
    // The discovery selector matches the DaemonSet's pods.
    expect(find(rendered.base, 'DaemonSet', 'whystuck-collector').spec.template.metadata.labels['app.kubernetes.io/name']).toBe('whystuck-collector');
  });

  it('RBAC: the bot may only read what it reads (pods, nodes, events, claims and volumes, VolumeAttachments, CSINodes, Deployments), and keep Leases in its own namespace; the collector has no API access at all', () => {
    const role = find(rendered.base, 'ClusterRole', 'whystuck-bot');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['nodes', 'persistentvolumeclaims', 'persistentvolumes'], verbs: ['get'] },
      { apiGroups: [''], resources: ['events'], verbs: ['list'] },
      { apiGroups: ['storage.k8s.io'], resources: ['volumeattachments'], verbs: ['list'] },
      { apiGroups: ['storage.k8s.io'], resources: ['csinodes'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list'] },
    ]);
    const binding = find(rendered.base, 'ClusterRoleBinding', 'whystuck-bot');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'whystuck-bot', namespace: 'whystuck' }]);
    const leases = find(rendered.base, 'Role', 'whystuck-bot-leases');
    expect(leases.metadata.namespace).toBe('whystuck');
    expect(leases.rules).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update'] }]);
    expect(find(rendered.base, 'RoleBinding', 'whystuck-bot-leases')).toMatchObject({
      roleRef: { kind: 'Role', name: 'whystuck-bot-leases' },
      subjects: [{ kind: 'ServiceAccount', name: 'whystuck-bot', namespace: 'whystuck' }],
    });
    expect(
      rendered.base
        .filter((o) => /Role/.test(o.kind))
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
    ).toEqual(['ClusterRole/whystuck-bot', 'ClusterRoleBinding/whystuck-bot', 'Role/whystuck-bot-leases', 'RoleBinding/whystuck-bot-leases']);
    expect(find(rendered.base, 'ServiceAccount', 'whystuck-collector').automountServiceAccountToken).toBe(false);
  });

  it("NetworkPolicy: only bot pods reach the collectors' gRPC port 7443; only scraper namespaces their metrics port", () => {
    const np = find(rendered.base, 'NetworkPolicy', 'whystuck-collector');
    expect(np.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'whystuck-collector' });
    expect(np.spec.policyTypes).toEqual(['Ingress']);
    expect(np.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'whystuck-bot' } } }], ports: [{ protocol: 'TCP', port: 7443 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'whystuck.io/metrics-scraper': 'true' } } }], ports: [{ protocol: 'TCP', port: 9464 }] },
    ]);
    const collector = find(rendered.base, 'DaemonSet', 'whystuck-collector').spec.template.spec.containers[0];
    expect(collector.args).toContain('--metrics-listen=0.0.0.0:9464');
    expect(collector.ports).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'metrics', containerPort: 9464 })]));
    expect(find(rendered.base, 'Deployment', 'whystuck-bot').spec.template.metadata.labels['app.kubernetes.io/name']).toBe('whystuck-bot');
  });

  it('cert-manager: a CA just for whystuck; the bot certificate is client-only, its one URI SAN spiffe://whystuck/bot', () => {
    const prod = rendered['overlays/production'];
    expect(find(prod, 'Certificate', 'whystuck-ca').spec).toMatchObject({ isCA: true, issuerRef: { name: 'whystuck-selfsigned', kind: 'Issuer' } });
    expect(find(prod, 'Issuer', 'whystuck-ca').spec).toEqual({ ca: { secretName: 'whystuck-ca' } });
    const bot = find(prod, 'Certificate', 'whystuck-bot').spec;
    expect(bot).toMatchObject({ secretName: 'whystuck-bot-tls', commonName: 'whystuck-bot', uris: ['spiffe://whystuck/bot'], issuerRef: { name: 'whystuck-ca' } });
    expect(bot.usages).toContain('client auth');
    expect(bot.usages).not.toContain('server auth');
    // The read-only identity (Snapshot only, the kubectl plugin's): client-only too, its own Secret.
    const reader = find(prod, 'Certificate', 'whystuck-reader').spec;
    expect(reader).toMatchObject({
      secretName: 'whystuck-reader-tls',
      commonName: 'whystuck-reader',
      uris: ['spiffe://whystuck/reader'],
      issuerRef: { name: 'whystuck-ca', kind: 'Issuer', group: 'cert-manager.io' },
    });
    expect(reader.usages).toEqual(['client auth', 'digital signature', 'key encipherment']);
    // Nothing in the cluster mounts the reader's Secret: it is for people (kubectl whystuck), not for a pod.
    const mounts = prod.filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet').flatMap((o) => (o as any).spec.template.spec.volumes ?? []);
    expect(mounts.filter((v: { secret?: { secretName: string } }) => v.secret?.secretName === 'whystuck-reader-tls')).toEqual([]);
  });

  it('dev overlay: the TLS secrets hold what `whystuck certs` wrote, the Slack secret what slack.env says', () => {
    const dev = rendered['overlays/dev'];
    const tls = find(dev, 'Secret', 'whystuck-collector-tls');
    expect(tls.type).toBe('kubernetes.io/tls');
    const certs = join(dir, 'kustomize', 'overlays', 'dev', 'certs');
    expect(Buffer.from(tls.data['tls.crt'], 'base64').toString()).toBe(readFileSync(join(certs, 'collector.crt'), 'utf8'));
    expect(Buffer.from(find(dev, 'Secret', 'whystuck-bot-tls').data['tls.key'], 'base64').toString()).toBe(readFileSync(join(certs, 'bot.key'), 'utf8'));
    const reader = find(dev, 'Secret', 'whystuck-reader-tls');
    expect(reader.type).toBe('kubernetes.io/tls');
    for (const [key, file] of [
      ['tls.crt', 'reader.crt'],
      ['tls.key', 'reader.key'],
      ['ca.crt', 'ca.crt'],
    ])
      expect(Buffer.from(reader.data[key], 'base64').toString()).toBe(readFileSync(join(certs, file), 'utf8'));
    expect(Object.keys(find(dev, 'Secret', 'whystuck-slack').data).sort()).toEqual(['SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'WHYSTUCK_ACTION_SECRET']);
    expect(readFileSync(repoPath('deploy', 'kustomize', 'overlays', 'dev', '.gitignore'), 'utf8')).toMatch(/^certs\/$[\s\S]*^slack\.env$/m);
  });
});

describe('images', () => {
  const dockerfile = readFileSync(repoPath('deploy', 'Dockerfile'), 'utf8');

  it("one multi-stage Dockerfile: a build stage with dev dependencies pruned, the collector workspace's dependencies alone, a non-root bot, a collector started through the node-flags entrypoint", () => {
    const stages = [...dockerfile.matchAll(/^FROM \S+(?: AS (\S+))?$/gm)].map((m) => m[1]);
    expect(stages).toEqual(['build', 'collector-deps', 'runtime', 'collector', 'bot']);
    expect(dockerfile).toMatch(/npm ci && npm prune --omit=dev/);
    const bot = dockerfile.slice(dockerfile.indexOf('AS bot'));
    expect(bot).toMatch(/^USER 10001:10001$/m);
    const collector = dockerfile.slice(dockerfile.indexOf('AS collector'), dockerfile.indexOf('AS bot'));
    expect(collector).toMatch(/^ENTRYPOINT \["\/usr\/local\/bin\/whystuck-collector"\]$/m);
    expect(collector).toContain('COPY deploy/collector.node-flags ./deploy/collector.node-flags');
    // The collector image: its workspace's node_modules and its compiled code, nothing of the bot's.
    expect(collector).toContain('COPY --from=collector-deps /app/node_modules ./node_modules');
    expect(collector).not.toMatch(/COPY --from=build \/app\/node_modules|COPY --from=build \/app\/dist \.\/dist$/m);
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) expect(() => readFileSync(repoPath(m[1]))).not.toThrow(/ENOENT/);
  });

  it("the collector entrypoint starts node with exactly the flags in deploy/collector.node-flags, on the collector's own command line", () => {
    const fake = mkdtempSync(join(tmpdir(), 'whystuck-node-'));
    try {
      writeFileSync(join(fake, 'node'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
      chmodSync(join(fake, 'node'), 0o755);
      const res = spawnSync('sh', [repoPath('deploy', 'docker', 'whystuck-collector'), 'collector', '--listen=0.0.0.0:7443'], {
        env: { PATH: `${fake}:/usr/bin:/bin`, WHYSTUCK_APP: repoPath() },
        encoding: 'utf8',
      });
      expect(res.status).toBe(0);
      const flags = readFileSync(repoPath('deploy', 'collector.node-flags'), 'utf8')
        .split('\n')
        .map((l) => l.replace(/#.*/, '').trim())
        .filter(Boolean);
      expect(flags).toContain('--max-semi-space-size=1');
      expect(res.stdout.trim().split('\n')).toEqual([...flags, repoPath('bin', 'whystuck-collector.js'), 'collector', '--listen=0.0.0.0:7443']);
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });
});
