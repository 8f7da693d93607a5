import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { verifyAction } from '../../../bot/src/conversation/action-token';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import type { SlackCall } from '../../helpers/bot/fake-slack-api';
import { blockActionBody, slashCommandBody } from '../../helpers/bot/signed-request';
import { ACTION_SECRET, allText, blocksOf, startTestBot, type TestBot } from '../../helpers/bot/test-bot';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnZombies, stateOf, waitFor } from '../../helpers/kernel/processes';
import { fingerprintOf, freePort, startSshd, sshdAvailable, type TestSshd } from '../../helpers/ssh/sshd-server';

const sshd = sshdAvailable();
const cg = cgroupV1Available();
if (!sshd.ok || !cg.ok) process.stderr.write(`Slack SSH fallback e2e skipped: ${!sshd.ok ? sshd.reason : ''} ${!cg.ok ? cg.reason : ''}\n`);
const describeSsh = sshd.ok && cg.ok ? describe : describe.skip;

/** The root message for `text` and the first reply in its thread. */
async function askInThread(t: TestBot, command: string, rootText: string): Promise<{ root: SlackCall; reply: SlackCall; threadTs: string }> {
  const mark = t.slack.calls.length;
  expect((await t.send(slashCommandBody(command))).status).toBe(200);
  const root = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.text === rootText);
  const threadTs = String(root.reply?.ts);
  const reply = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === threadTs, 40_000);
  return { root, reply, threadTs };
}

describeSsh('Slack: a node whose collector cannot be reached is read over SSH, and the thread says so', () => {
  let server: TestSshd;
  let kube: FakeKubeApi;
  let collectorPort: number;
  let t: TestBot;

  beforeAll(async () => {
    server = await startSshd();
    kube = await startFakeKubeApi();
    // The SSH host is the node's InternalIP from the Kubernetes API.
    kube.addNode({ name: 'node-s', internalIP: '127.0.0.1' });
    kube.addNode({ name: 'node-t', internalIP: '127.0.0.1' });
    collectorPort = await freePort();
    t = await startTestBot({
      env: {
        WHYSTUCK_COLLECTORS: `node-s=127.0.0.1:${collectorPort}`,
        WHYSTUCK_COLLECTOR_INSECURE: '1',
        KUBECONFIG: kube.kubeconfig,
        WHYSTUCK_REMEDIATORS: 'U0ONCALL',
        WHYSTUCK_SSH_KEY_FILE: server.clientKey,
        WHYSTUCK_SSH_KNOWN_HOSTS: server.knownHosts,
        WHYSTUCK_SSH_HOST: 'internal-ip',
        WHYSTUCK_SSH_PORT: String(server.port),
      },
      kube: createKubeLookup({ kubeconfig: kube.kubeconfig }),
    });
  });
  afterAll(async () => {
    await t?.close();
    await kube?.close();
    await cleanupAll();
    await server?.stop();
  });
  afterEach(cleanupAll);

  it('a zombie pod on a node whose collector refuses connections: diagnosed over SSH, with why', async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(2, pod);
    kube.addPod({ namespace: 'shop', name: 'web-s', uid: pod.podUid, nodeName: 'node-s', containers: [{ name: 'app', id: pod.containerId }] });
    const { reply } = await askInThread(t, 'pod web-s -n shop', 'Looking into shop/web-s…');
    const text = allText(reply);
    expect(blocksOf(reply)[0].text?.text).toMatch(/zombie/);
    expect(text).toMatch(/parent-not-reaping/);
    expect(text).toContain(`pod shop/web-s · uid ${pod.podUid} · node node-s`);
    for (const z of zombiePids) expect(text).toContain(String(z));
    expect(text).toMatch(
      new RegExp(
        `:electric_plug: Read over SSH \\(root@127\\.0\\.0\\.1:${server.port}\\) because the collector on node-s \\(127\\.0\\.0\\.1:${collectorPort}\\) is unreachable: .*(ECONNREFUSED|No connection established)`,
      ),
    );
    expect(text).toMatch(/Signals from these buttons go over SSH too/);
    // The button's signed token carries the path: its signal goes over SSH.
    const button = blocksOf(reply)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id?.startsWith('remediate_'))!;
    const claims = verifyAction(ACTION_SECRET, button.value!);
    expect(claims.status === 'ok' && claims.claims).toMatchObject({ node: 'node-s', pid: parentPid, signal: 'SIGTERM', via: 'ssh' });
    expect(JSON.stringify(button.confirm)).toContain('*Node* node-s (over SSH)');
    expect(kube.requests).toContain('GET /api/v1/nodes/node-s');
  });

  it('a node with no collector at all (none configured, none discoverable) is read over SSH too', async () => {
    const { reply } = await askInThread(t, 'node node-t', 'Looking into node node-t…');
    expect(allText(reply)).toMatch(
      new RegExp(
        `:electric_plug: Read over SSH \\(root@127\\.0\\.0\\.1:${server.port}\\) because no collector is configured for node node-t in WHYSTUCK_COLLECTORS, and collectors found through Kubernetes need mutual TLS`,
      ),
    );
  });

  it('Send SIGTERM on an SSH-sourced diagnosis: confirmed, audited with the path, killed over SSH, rechecked over SSH', async () => {
    const pod = createPodCgroup();
    const { parentPid } = await spawnZombies(2, pod);
    kube.addPod({ namespace: 'shop', name: 'web-k', uid: pod.podUid, nodeName: 'node-s' });
    const { reply, threadTs } = await askInThread(t, 'pod web-k -n shop', 'Looking into shop/web-k…');
    const button = blocksOf(reply)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id?.startsWith('remediate_'))!;
    expect(button.text).toMatchObject({ text: `SIGTERM ${parentPid} (python3)` });
    const mark = t.slack.calls.length;
    await t.send(blockActionBody({ user: 'U0ONCALL', channel: 'C0INCIDENT', messageTs: String(reply.reply?.ts), threadTs, actionId: button.action_id!, value: button.value! }));
    const sending = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && /is sending/.test(String(c.args.text)));
    expect(sending.args.text).toMatch(new RegExp(`^<@U0ONCALL> is sending SIGTERM to ${parentPid} \\(python3\\) on node-s over SSH… \\(audit #\\d+\\)$`));
    const done = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && /SIGNALLED/.test(String(c.args.text)));
    expect(done.args.text).toMatch(new RegExp(`sent SIGTERM to pid ${parentPid} \\(python3\\) over SSH`));
    await waitFor(() => stateOf(parentPid) === undefined || stateOf(parentPid) === 'Z', 'the parent to die');
    const row = (await t.store.listAudit()).find((e) => e.pid === parentPid)!;
    expect(row).toMatchObject({ user: 'U0ONCALL', node: 'node-s', signal: 'SIGTERM', podUid: pod.podUid, path: 'ssh', outcome: 'SIGNALLED' });
    // The recheck goes straight over SSH (the path the signal took), and says so.
    const recheck = await t.slack.waitFor(
      (c) => t.slack.calls.indexOf(c) > t.slack.calls.indexOf(done) && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs && Array.isArray(c.args.blocks),
      40_000,
    );
    expect(allText(recheck)).toContain(`:electric_plug: Read over SSH (root@127.0.0.1:${server.port}), the way the last signal was sent.`);
  });

  it('never logs the SSH private key', () => {
    const key = readFileSync(server.clientKey, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'));
    const logs = t.logLines.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const line of key) expect(logs).not.toContain(line);
  });
});

describeSsh('Slack: when the collector and SSH both fail, the thread says what failed for each', () => {
  let server: TestSshd;
  let collectorPort: number;
  let t: TestBot;

  beforeAll(async () => {
    server = await startSshd();
    collectorPort = await freePort();
    // known_hosts lists another key for this host: the node's key has "changed".
    const other = server.newKey('old_host_key');
    const changed = join(server.dir, 'known_hosts_changed');
    writeFileSync(changed, `[127.0.0.1]:${server.port} ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    t = await startTestBot({
      env: {
        WHYSTUCK_COLLECTORS: `node-s=127.0.0.1:${collectorPort}`,
        WHYSTUCK_COLLECTOR_INSECURE: '1',
        WHYSTUCK_SSH_KEY_FILE: server.clientKey,
        WHYSTUCK_SSH_KNOWN_HOSTS: changed,
        WHYSTUCK_SSH_HOSTS: `node-s=127.0.0.1:${server.port}`,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await server?.stop();
  });

  it('a changed host key: refused before anything is sent, with the fingerprint and how to trust it', async () => {
    const { reply } = await askInThread(t, 'node node-s', 'Looking into node node-s…');
    const text = String(reply.args.text);
    const lines = text.split('\n');
    expect(lines[0]).toBe(':warning: I could not read node node-s through its collector nor over SSH.');
    expect(lines[1]).toMatch(new RegExp(`^• Collector: the collector on node-s \\(127\\.0\\.0\\.1:${collectorPort}\\) is unreachable: .*(ECONNREFUSED|No connection established)`));
    expect(lines[2]).toMatch(
      new RegExp(
        `^• SSH fallback: SSH to root@127\\.0\\.0\\.1:${server.port} failed: refused the node: the host key of \\[127\\.0\\.0\\.1\\]:${server.port} has CHANGED: it presents ssh-ed25519 ${server.hostFingerprint.replace(/[+/]/g, '\\$&')}`,
      ),
    );
    expect(text).toContain(`ssh-keygen -R '[127.0.0.1]:${server.port}'`);
    expect(text).toContain(`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` must print ${server.hostFingerprint}`);
    expect(server.hostFingerprint).toBe(fingerprintOf(join(server.dir, 'host_ed25519.pub')));
  });
});

describe('Slack: a collector failure without the SSH fallback says how to enable it', () => {
  let t: TestBot;
  let collectorPort: number;
  beforeAll(async () => {
    collectorPort = await freePort();
    t = await startTestBot({ env: { WHYSTUCK_COLLECTORS: `node-s=127.0.0.1:${collectorPort}`, WHYSTUCK_COLLECTOR_INSECURE: '1' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("names the collector's address and error, then the settings that turn SSH on", async () => {
    const { reply } = await askInThread(t, 'node node-s', 'Looking into node node-s…');
    const [first, hint] = String(reply.args.text).split('\n');
    expect(first).toMatch(new RegExp(`^:warning: the collector on node-s \\(127\\.0\\.0\\.1:${collectorPort}\\) is unreachable: .*(ECONNREFUSED|No connection established)`));
    expect(hint).toBe(
      'To read such nodes over SSH instead, set WHYSTUCK_SSH_KEY_FILE (a private key the nodes authorise for WHYSTUCK_SSH_USER: root, or better a user a forced command holds to the whystuck scripts (bot/docs/ssh.md); in Kubernetes a mounted Secret) and WHYSTUCK_SSH_KNOWN_HOSTS or WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS (host keys are always checked).',
    );
  });

  it('a sweep says it once, after the failing nodes', async () => {
    await t.send(slashCommandBody('sweep'));
    const sweep = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && /^\*Sweep of/.test(String(c.args.text)), 30_000);
    expect(sweep.args.text).toMatch(/^\*Sweep of 1 node\*: 0 with nothing stuck\.\n:warning: \*node-s\*: the collector on node-s/);
    expect(String(sweep.args.text).match(/To read such nodes over SSH instead/g)).toHaveLength(1);
  });
});
