import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createCollectorPool } from '../../../bot/src/nodes/collector-pool';
import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { investigatePod } from '../../../bot/src/conversation/investigate-pod';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { trackPid, cleanupAll } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnZombies } from '../../helpers/kernel/processes';

/**
 * `kubectl whystuck pod NAME -n NS` end to end: the real bin/kubectl-whystuck,
 * run as kubectl runs a plugin (the executable, the arguments after
 * "whystuck", the user's environment), against a fake API server reached
 * through a kubeconfig file, which serves the pod, the collector pod, the
 * read-only reader's TLS Secret (spiffe://whystuck/reader: Snapshot only) and the port-forward to the collector pod over a real
 * WebSocket (v4.channel.k8s.io) into a real collector with mutual TLS on
 * 127.0.0.1. The collector pod's own IP is unroutable: only the tunnel reaches it.
 */
const ROOT = join(__dirname, '..', '..', '..');
const PLUGIN = join(ROOT, 'bin', 'kubectl-whystuck');
const COLLECTOR = { namespace: 'whystuck', name: 'whystuck-collector-x7k2p' };
const LABELS = { 'app.kubernetes.io/name': 'whystuck-collector' };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The plugin as kubectl execs it: `kubectl-whystuck ARGS` found on the PATH, the user's environment. */
function plugin(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(PLUGIN, args, { env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: env.HOME ?? tmpdir(), ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: child.exitCode ?? (err as { code?: number } | null)?.code ?? null, stdout, stderr });
    });
    trackPid(child.pid);
  });
}

const canKernel = cgroupV1Available();
const itKernel = canKernel.ok ? it : it.skip;
if (!canKernel.ok) process.stderr.write(`kubectl plugin: kernel scenarios skipped: ${canKernel.reason}\n`);

/** Directories the plugin writes the Secret's key into, while it runs. */
const secretDirs = (): string[] => readdirSync(tmpdir()).filter((d) => d.startsWith('kubectl-whystuck-'));

describe("kubectl whystuck: the bot's answer from the user's kubeconfig and the collector through port-forward", () => {
  let harness: Harness;
  let kube: FakeKubeApi;
  let collectorPort: number;
  let botFiles: { cert: string; key: string; ca: string };
  let readerFiles: { cert: string; key: string; ca: string };
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'bot', 'src', 'cli', 'kubectl-plugin.js'))) throw new Error('dist/ has no kubectl plugin: run `npm run build` first (npm ci does it)');
    // The collector's certificate carries node-d's identity and the service name, not an address.
    harness = await startHarness({ nodeName: 'node-d', serverNames: { dnsNames: ['whystuck-collector'] } });
    collectorPort = Number(harness.address.split(':')[1]);
    kube = await startFakeKubeApi();
    kube.addNode({ name: 'node-d' });
    // 192.0.2.0/24 is TEST-NET-1: nothing answers there; the plugin must go through the API server.
    kube.addPod({ ...COLLECTOR, uid: 'u-col-d', nodeName: 'node-d', labels: LABELS, podIP: '192.0.2.17' });
    kube.forwardPod(COLLECTOR.namespace, COLLECTOR.name, 7443, { host: '127.0.0.1', port: collectorPort });
    // The bot's certificate is for the bot's own investigation below; the plugin is given the reader's only.
    botFiles = harness.clientTls('whystuck-bot');
    readerFiles = harness.clientTls('spiffe://whystuck/reader');
    kube.addSecret({
      namespace: 'whystuck',
      name: 'whystuck-reader-tls',
      data: { 'tls.crt': readFileSync(readerFiles.cert), 'tls.key': readFileSync(readerFiles.key), 'ca.crt': readFileSync(readerFiles.ca) },
    });
    home = mkdtempSync(join(tmpdir(), 'whystuck-plugin-home-'));
    env = { KUBECONFIG: kube.kubeconfig, HOME: home };
  });
  afterAll(async () => {
    await kube?.close();
    await harness?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });
  afterEach(cleanupAll);

  itKernel("pod NAME -n NS: the pod's zombies and their parent from the real kernel, through the port-forward, the same answer as the bot", async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(2, pod);
    kube.addPod({ namespace: 'shop', name: 'web-0', uid: pod.podUid, nodeName: 'node-d', containers: [{ name: 'web', id: pod.containerId }] });
    const before = secretDirs();
    const mark = kube.portForwards.length;

    const run = await plugin(['pod', 'web-0', '-n', 'shop'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out.split('\n')[0]).toMatch(/zombie/i);
    expect(out).toContain(`pod shop/web-0 · uid ${pod.podUid} · node node-d · Running`);
    expect(out).toContain(`python3 (pid ${parentPid})`);
    for (const z of zombiePids) expect(out).toContain(String(z));
    expect(out).toMatch(new RegExp(`node-d read from the collector pod whystuck/${COLLECTOR.name} through the API server's port-forward \\(port 7443, local 127\\.0\\.0\\.1:\\d+\\)`));
    // No buttons, nothing to pick: the plugin never sends anything.
    expect(out).not.toMatch(/\[\d\]|Recheck|Escalate|Offered in/);
    expect(out).toMatch(/Nothing is sent from here\. To send a signal, ask the bot \(`\/whystuck pod web-0 -n shop` in Slack\)/);

    // The wire: the API server's port-forward to the collector pod, with the user's credentials, in v4.channel.k8s.io; data went both ways.
    const tunnels = kube.portForwards.slice(mark);
    expect(tunnels.length).toBeGreaterThanOrEqual(1);
    expect(tunnels[0]).toMatchObject({ protocol: 'v4.channel.k8s.io', port: 7443, authorization: 'Bearer test-token' });
    expect(tunnels[0].bytesIn).toBeGreaterThan(0);
    expect(tunnels[0].bytesOut).toBeGreaterThan(1000);
    expect(tunnels[0].clientChannels.every((c) => c === 0)).toBe(true);
    const asked = kube.requests.map(decodeURIComponent);
    expect(asked).toEqual(
      expect.arrayContaining([
        'GET /api/v1/namespaces/shop/pods/web-0',
        'GET /api/v1/namespaces/whystuck/pods?fieldSelector=spec.nodeName=node-d&labelSelector=app.kubernetes.io/name=whystuck-collector',
        'GET /api/v1/namespaces/whystuck/secrets/whystuck-reader-tls',
        `GET /api/v1/namespaces/whystuck/pods/${COLLECTOR.name}/portforward?ports=7443`,
        'GET /api/v1/nodes/node-d',
      ]),
    );
    // Reads only: no write of any kind reached the API. The bot's Secret is never asked for.
    expect(kube.requests.filter((r) => !r.startsWith('GET '))).toEqual([]);
    expect(asked.filter((r) => r.includes('whystuck-bot-tls'))).toEqual([]);
    // The Secret's key was written only while the connection read it.
    expect(secretDirs()).toEqual(before);

    // The same answer as the bot's: its investigation, in process, straight to the collector with the bot's certificate.
    const json = await plugin(['pod', 'web-0', '-n', 'shop', '--json'], env);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { summary: string; findings: { id: string; title: string }[]; pod: { uid: string }; nodeRead: string };
    const pool = createCollectorPool({ addresses: new Map([['node-d', harness.address]]), tls: botFiles, insecure: false, deadlineMs: 20_000 });
    try {
      const bot = await investigatePod({ kube: createKubeLookup({ kubeconfig: kube.kubeconfig }), collectors: pool }, 'shop', 'web-0');
      if (bot.status !== 'ok') throw new Error(bot.message);
      expect(doc.summary).toBe(bot.diagnosis.summary);
      expect(doc.findings.map((f) => [f.id, f.title])).toEqual(bot.diagnosis.findings.map((f) => [f.id, f.title]));
      expect(doc.pod.uid).toBe(pod.podUid);
      expect(doc.nodeRead).toMatch(/through the API server's port-forward/);
    } finally {
      pool.close();
    }
  });

  it("the reader's certificate from --tls-cert/--tls-key/--tls-ca files: the Secret is not read", async () => {
    // With a claim: the API layer reads it, the node's VolumeAttachments and its CSINode too.
    kube.addPod({ namespace: 'shop', name: 'idle-0', uid: '6a1f0c2e-4b3d-4e5f-9a8b-7c6d5e4f3a2b', nodeName: 'node-d', volumes: [{ name: 'data', claimName: 'data-idle-0' }] });
    kube.addClaim({ namespace: 'shop', name: 'data-idle-0', volumeName: 'pv-idle-0', storageClassName: 'csi-rbd' });
    kube.addCsiNode('node-d', ['rbd.csi.ceph.com']);
    const mark = kube.requests.length;
    const run = await plugin(['pod', 'idle-0', '-n', 'shop', '--tls-cert', readerFiles.cert, '--tls-key', readerFiles.key, '--tls-ca', readerFiles.ca], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No process of shop/idle-0 (uid 6a1f0c2e-4b3d-4e5f-9a8b-7c6d5e4f3a2b) is left on node-d');
    expect(run.stdout).toMatch(/node-d read from the collector pod whystuck\/whystuck-collector-x7k2p through the API server's port-forward/);
    const asked = kube.requests.slice(mark);
    expect(asked.some((r) => r.includes('/secrets/'))).toBe(false);
    expect(asked.some((r) => r.endsWith('/portforward?ports=7443'))).toBe(true);
  });

  it("the namespace comes from --context's kubeconfig context when -n is not given; an unknown context is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whystuck-plugin-kc-'));
    try {
      const kc = join(dir, 'config');
      writeFileSync(kc, `${readFileSync(kube.kubeconfig, 'utf8')}\n- name: shop\n  context:\n    cluster: test\n    user: test\n    namespace: shop\n`);
      const run = await plugin(['pod', 'idle-0', '--context', 'shop', '--kubeconfig', kc, '--tls-cert', readerFiles.cert, '--tls-key', readerFiles.key, '--tls-ca', readerFiles.ca], {});
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('pod shop/idle-0 · uid');
      const bad = await plugin(['pod', 'idle-0', '--context', 'prod', '--kubeconfig', kc], {});
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('there is no context "prod" in the kubeconfig (contexts: test, shop)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown pod: a clear error and exit code 1, and no collector is contacted', async () => {
    const tunnels = kube.portForwards.length;
    const run = await plugin(['pod', 'nope-0', '-n', 'shop'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('kubectl-whystuck: pod shop/nope-0 does not exist\n');
    expect(kube.portForwards.length).toBe(tunnels);
  });

  it.each([
    [['pod', 'web-0;rm -rf /', '-n', 'shop'], '"web-0;rm -rf /" is not a valid pod name'],
    [['pod', '$(reboot)', '-n', 'shop'], '"$(reboot)" is not a valid pod name'],
    [['pod', 'web-0', '-n', 'shop`id`'], '"shop`id`" is not a valid namespace name'],
    [['pod', 'Web_0', '-n', 'shop'], '"Web_0" is not a valid pod name'],
    [['pod', 'web\u001b[2J', '-n', 'shop'], '"web\\x1b[2J" is not a valid pod name'],
    [['node', 'node-d|nc evil 1'], '"node-d|nc evil 1" is not a valid node name'],
    [['node', 'node-d', '-n', 'shop'], 'nodes have no namespace'],
    [['pods'], 'which pod?'],
    [['deployment', 'web'], '"deployment" is not something I look at'],
    [['pod', 'web-0', '--force'], "Unknown option '--force'"],
  ])('%j is refused before any request, exit code 2', async (args, said) => {
    const mark = kube.requests.length;
    const run = await plugin(args, env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(said);
    expect(run.stderr).not.toContain('\u001b');
    expect(kube.requests.length).toBe(mark);
  });

  it('a node whose collector cannot be reached: the answer from the API layer alone, saying the node was not read', async () => {
    kube.addNode({ name: 'node-gone', ready: 'Unknown', lastHeartbeat: new Date(Date.now() - 3 * 3600_000).toISOString(), taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] });
    kube.addPod({
      namespace: 'shop',
      name: 'web-1',
      uid: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b',
      nodeName: 'node-gone',
      deletionTimestamp: new Date(Date.now() - 2 * 3600_000).toISOString(),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'ss-1', controller: true }],
      containers: [{ name: 'web', id: 'beef' }],
    });
    const tunnels = kube.portForwards.length;
    const run = await plugin(['pod', 'web-1', '-n', 'shop'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('Node node-gone is not ready: pod shop/web-1 stays Terminating until its kubelet returns.');
    expect(run.stdout).toContain('kubectl taint nodes node-gone node.kubernetes.io/out-of-service=nodeshutdown:NoExecute');
    expect(run.stdout).toContain(
      '⚠ Not read: node node-gone: processes, kernel and container runtime (there is no collector pod on node node-gone (pods in namespace whystuck with labels app.kubernetes.io/name=whystuck-collector)',
    );
    expect(run.stdout).not.toContain('read from the collector');
    expect(kube.portForwards.length).toBe(tunnels);
  });

  it("without read access to the reader's Secret: says it needs it, and no collector is contacted", async () => {
    kube.addPod({ namespace: 'shop', name: 'idle-1', uid: '7b2e1d3f-5c4a-4f6e-8b9c-0d1e2f3a4b5c', nodeName: 'node-d' });
    kube.fault(/\/secrets\//, { status: 403, message: 'secrets "whystuck-reader-tls" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the namespace "whystuck"' });
    const tunnels = kube.portForwards.length;
    try {
      const run = await plugin(['pod', 'idle-1', '-n', 'shop'], env);
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        "kubectl-whystuck: you may not read the reader's client certificate (get secrets/whystuck-reader-tls in namespace whystuck: for those who may read every node), which the collectors require; give --tls-cert/--tls-key/--tls-ca if you hold it otherwise\n",
      );
      expect(kube.portForwards.length).toBe(tunnels);
    } finally {
      kube.fault(/\/secrets\//, null);
    }
  });

  it('a port-forward the API server refuses (RBAC): the collector is unreachable and the refusal is named', async () => {
    kube.fault(/\/portforward$/, { status: 403, message: 'pods "whystuck-collector-x7k2p" is forbidden: User "alice" cannot create resource "pods/portforward"' });
    try {
      const run = await plugin(['pod', 'idle-0', '-n', 'shop'], env);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(
        /^kubectl-whystuck: the collector on node-d \(pod whystuck\/whystuck-collector-x7k2p through the API server's port-forward \(port 7443, local 127\.0\.0\.1:\d+\)\) is unreachable: .*refused the port-forward to pod whystuck\/whystuck-collector-x7k2p port 7443: Unexpected server response: 403/,
      );
    } finally {
      kube.fault(/\/portforward$/, null);
    }
  });

  it("a collector pod whose port forwards to another node's collector: its certificate is refused, nothing is read from it", async () => {
    const other = await startHarness({ nodeName: 'node-e', serverNames: { dnsNames: ['whystuck-collector'] } });
    try {
      kube.addNode({ name: 'node-f' });
      kube.addPod({ namespace: 'whystuck', name: 'whystuck-collector-f00f1', uid: 'u-col-f', nodeName: 'node-f', labels: LABELS, podIP: '192.0.2.18' });
      kube.forwardPod('whystuck', 'whystuck-collector-f00f1', 7443, { host: '127.0.0.1', port: Number(other.address.split(':')[1]) });
      kube.addPod({ namespace: 'shop', name: 'api-0', uid: '8c3f2e4a-6d5b-4a7f-9c0d-1e2f3a4b5c6d', nodeName: 'node-f' });
      const run = await plugin(['pod', 'api-0', '-n', 'shop'], env);
      expect(run.code).toBe(3);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/the collector on node-f .* is unreachable: .*the server is not spiffe:\/\/whystuck\/node\/node-f/);
    } finally {
      await other.close();
    }
  });

  it("a collector with its pod's identity (cert-manager csi-driver) is accepted for the node the API places it on; another pod's identity is not", async () => {
    const own = await startHarness({ nodeName: 'node-p', serverIdentity: 'spiffe://whystuck/ns/whystuck/pod/whystuck-collector-p0d1', serverNames: { dnsNames: ['whystuck-collector'] } });
    const stray = await startHarness({ nodeName: 'node-q', serverIdentity: 'spiffe://whystuck/ns/whystuck/pod/whystuck-collector-elsewhere', serverNames: { dnsNames: ['whystuck-collector'] } });
    try {
      kube.addPod({ namespace: 'whystuck', name: 'whystuck-collector-p0d1', uid: 'u-col-p', nodeName: 'node-p', labels: LABELS, podIP: '192.0.2.19' });
      kube.forwardPod('whystuck', 'whystuck-collector-p0d1', 7443, { host: '127.0.0.1', port: Number(own.address.split(':')[1]) });
      kube.addPod({ namespace: 'shop', name: 'p-0', uid: '0e5b4a6c-8f7d-4c9b-8e2f-3a4b5c6d7e8f', nodeName: 'node-p' });
      const ok = await plugin(['pod', 'p-0', '-n', 'shop'], env);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/node-p read from the collector pod whystuck\/whystuck-collector-p0d1 through the API server's port-forward/);

      kube.addPod({ namespace: 'whystuck', name: 'whystuck-collector-q0d2', uid: 'u-col-q', nodeName: 'node-q', labels: LABELS, podIP: '192.0.2.20' });
      kube.forwardPod('whystuck', 'whystuck-collector-q0d2', 7443, { host: '127.0.0.1', port: Number(stray.address.split(':')[1]) });
      kube.addPod({ namespace: 'shop', name: 'q-0', uid: '1f6c5b7d-9a8e-4d0c-9f3a-4b5c6d7e8f90', nodeName: 'node-q' });
      const refused = await plugin(['pod', 'q-0', '-n', 'shop'], env);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(
        /the collector on node-q .* is unreachable: .*the server is not spiffe:\/\/whystuck\/node\/node-q or spiffe:\/\/whystuck\/ns\/whystuck\/pod\/whystuck-collector-q0d2/,
      );
    } finally {
      await own.close();
      await stray.close();
    }
  });

  it("a pod port nothing listens on: the kubelet's error from the error channel is named", async () => {
    const run = await plugin(['pod', 'idle-0', '-n', 'shop', '--tls-cert', readerFiles.cert, '--tls-key', readerFiles.key, '--tls-ca', readerFiles.ca], { ...env, WHYSTUCK_COLLECTOR_PORT: '7444' });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /is unreachable: .*\(port-forward to pod whystuck\/whystuck-collector-x7k2p port 7444: error forwarding port 7444 to pod whystuck-collector-x7k2p_whystuck, uid u-col-d: failed to connect to localhost:7444 inside namespace/,
    );
  });

  it('--help says what it needs and that it never remediates: the reader identity can only take snapshots', async () => {
    const run = await plugin(['--help'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: kubectl whystuck pod NAME \[-n NAMESPACE\]/);
    expect(run.stdout).toContain('It never changes anything: no signal, no patch, no delete.');
    const flat = run.stdout.replace(/\s+/g, ' ');
    expect(flat).toContain(
      "the read-only reader identity (spiffe://whystuck/reader), not the bot's: collectors let the reader take snapshots and nothing else (Watch and Remediate refuse it), so holding its key cannot signal anything; remediation stays with the audited bot",
    );
    expect(flat).toContain('the Secret whystuck-reader-tls');
    expect(flat).not.toContain('whystuck-bot-tls');
  });

  // Last: the fake has no way to lift forbidList.
  it("refusals name the user's own RBAC, not the bot's: the pod, then the collector pods", async () => {
    kube.fault(/\/pods\/secret-0$/, { status: 403, message: 'pods "secret-0" is forbidden' });
    try {
      const run = await plugin(['pod', 'secret-0', '-n', 'shop'], env);
      expect(run.code).toBe(3);
      expect(run.stderr).toBe('kubectl-whystuck: you may not get pods in shop (RBAC: ask for "get" on pods; `kubectl auth can-i get pods -n shop`)\n');
    } finally {
      kube.fault(/\/pods\/secret-0$/, null);
    }
    kube.addPod({ namespace: 'shop', name: 'lone-0', uid: '9d4a3f5b-7e6c-4b8a-8d1e-2f3a4b5c6d7e', nodeName: 'node-l' });
    kube.forbidList('whystuck');
    const run = await plugin(['pod', 'lone-0', '-n', 'shop'], env);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe('kubectl-whystuck: cannot find the collector pods: you may not list pods in whystuck (RBAC: ask for "list" on pods; `kubectl auth can-i list pods -n whystuck`)\n');
  });

  it('what it asked the API for, over every run here, is exactly the RBAC its --help lists: reads, and the port-forward', async () => {
    // (group/resource:verb) as the API server authorises each request; a WebSocket port-forward is "create" on pods/portforward
    // (and "get" on API servers before the websocket-upgrade authorisation change).
    const grants = new Set(
      kube.requests.map((r) => {
        const [method, target] = r.split(' ');
        const parts = new URL(target, 'http://x').pathname.split('/').filter(Boolean);
        const group = parts[0] === 'api' ? 'core' : parts[1];
        let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
        if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
        if (rest[2]) return `${group}/${rest[0]}/${rest[2]}:create`;
        return `${group}/${rest[0]}:${method === 'GET' ? (rest[1] ? 'get' : 'list') : method}`;
      }),
    );
    expect([...grants].sort()).toEqual([
      'core/events:list',
      'core/nodes:get',
      'core/persistentvolumeclaims:get',
      'core/persistentvolumes:get',
      'core/pods/portforward:create',
      'core/pods:get',
      'core/pods:list',
      'core/secrets:get',
      'storage.k8s.io/csinodes:get',
      'storage.k8s.io/volumeattachments:list',
    ]);
    const help = (await plugin(['--help'], {})).stdout.replace(/\s+/g, ' ');
    for (const said of [
      'get pods in NAMESPACE',
      'get nodes and csinodes',
      'list events',
      'get persistentvolumeclaims and persistentvolumes',
      'list volumeattachments',
      'deployments.apps',
      'list pods and create (and get) pods/portforward in the collector namespace',
      "get the reader's TLS Secret",
    ])
      expect(help).toContain(said);
  });
});
