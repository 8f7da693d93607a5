import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSnapshotter } from '../../../collector/src/snapshot/snapshotter';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import { guardedFiles, parseRecords } from '../../../bot/src/nodes/ssh/remote-records';
import { remoteScript } from '../../../bot/src/nodes/ssh/remote-scripts';
import { openSshSession, SSH_MAX_OUTPUT_BYTES } from '../../../bot/src/nodes/ssh/ssh-session';
import { sshSnapshot } from '../../../bot/src/nodes/ssh/ssh-snapshot';
import { sshFallbackFromConfig, type SshFallback } from '../../../bot/src/nodes/ssh-fallback';
import { sshTransport } from '../../../bot/src/nodes/ssh-transport';
import { ConfigError, loadConfig, type Env } from '../../../bot/src/config';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { cleanupAll, trackPid } from '../../helpers/kernel/cleanup';
import { childrenOf, waitFor } from '../../helpers/kernel/processes';
import { freePort, startSshd, sshdAvailable, type TestSshd } from '../../helpers/ssh/sshd-server';
import { silentServer, targetFor } from '../../helpers/ssh/ssh-target';

const sshd = sshdAvailable();
if (!sshd.ok) process.stderr.write(`SSH limit tests skipped: ${sshd.reason}\n`);
const describeSsh = sshd.ok ? describe : describe.skip;

/** Processes whose command lines are longer than `bytes` (sh waiting on a pipe in its read builtin: no child to leave behind), killed on cleanup. */
async function hugeArgv(count: number, bytes: number): Promise<number[]> {
  const piece = 100_000;
  const args = Array.from({ length: Math.ceil(bytes / piece) }, (_, i) => String(i % 10).repeat(piece));
  const pids: number[] = [];
  for (let i = 0; i < count; i++) {
    const child = spawn('/bin/sh', ['-c', 'read -r line\n:', 'x', ...args], { stdio: ['pipe', 'ignore', 'ignore'], env: {} });
    pids.push(trackPid(child.pid));
  }
  // Until each has exec'd sh with its whole argv.
  await waitFor(
    () =>
      pids.every((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`).length > bytes;
        } catch {
          return false;
        }
      }),
    'the huge command lines',
  );
  return pids;
}

describeSsh('SSH fallback limits, on a real OpenSSH server on 127.0.0.1', () => {
  let server: TestSshd;
  beforeAll(async () => {
    server = await startSshd();
  });
  afterAll(async () => {
    await cleanupAll();
    await server?.stop();
  });
  afterEach(cleanupAll);

  describe('what it reads from the node is capped', () => {
    it('a run that prints more than 32 MiB is stopped with an error naming the limit, and the connection is closed', async () => {
      expect(SSH_MAX_OUTPUT_BYTES).toBe(32 * 1024 * 1024);
      const s = await openSshSession(targetFor(server));
      if (s.status !== 'ok') throw new Error(s.message);
      try {
        const t0 = Date.now();
        // 48 MiB of zeros from a node: more than the fallback reads from one run.
        const r = await s.value.run('head -c 50331648 /dev/zero', ['flood']);
        expect(r).toMatchObject({ status: 'rejected', code: 'OUTPUT_TOO_LARGE' });
        expect((r as { message: string }).message).toBe(
          `the flood script on root@127.0.0.1:${server.port} printed more than 32 MiB (33554432 bytes), the most the SSH fallback reads from one script run: stopped reading and closed the connection; nothing it printed was used`,
        );
        expect(Date.now() - t0).toBeLessThan(20_000);
        // The connection is gone: the next run on it says why, and sshd's session for it ends.
        expect(await s.value.run('echo hi', ['again'])).toEqual(r);
        await waitFor(() => childrenOf(server.pid).length === 0, "sshd's session process to end");
      } finally {
        s.value.close();
      }
    });

    it('a snapshot whose run passes the limit fails as a whole: nothing partial is diagnosed', async () => {
      const r = await sshSnapshot(targetFor(server, { maxOutputBytes: 64 * 1024 }), { whole_node: true });
      expect(r).toMatchObject({ status: 'rejected', code: 'OUTPUT_TOO_LARGE' });
      expect((r as { message: string }).message).toMatch(
        /^the (scan|cmdlines) script on root@127\.0\.0\.1:\d+ printed more than 64 KiB \(65536 bytes\), the most the SSH fallback reads from one script run: stopped reading and closed the connection; nothing it printed was used$/,
      );
      expect('value' in r).toBe(false);
    });

    it('command lines are cut to 4 KiB on the node: 30 processes with 1.2 MB argvs (36 MB) cost a few KiB each, and read as the collector reads them', async () => {
      const pids = await hugeArgv(30, 1_200_000);
      const s = await openSshSession(targetFor(server));
      if (s.status !== 'ok') throw new Error(s.message);
      let printed: Buffer;
      try {
        const run = await s.value.run(remoteScript('collect'), ['cmdlines']);
        if (run.status !== 'ok') throw new Error(run.message);
        printed = run.value.stdout;
      } finally {
        s.value.close();
      }
      expect(printed.length).toBeLessThan(2 * 1024 * 1024);
      const files = guardedFiles(parseRecords(printed), 'cmdlines');
      for (const pid of pids) {
        const f = files.get(`${pid}/cmdline`);
        expect(f?.status).toBe('ok');
        expect(f?.status === 'ok' && Buffer.byteLength(f.raw, 'latin1')).toBe(4096);
        expect(f?.status === 'ok' && f.raw.startsWith('/bin/sh\0-c\0read -r line\n:\0x\x000000')).toBe(true);
      }
      // The whole snapshot, beside the in-process collector's: the same cut command lines.
      const local = createSnapshotter();
      try {
        const [mine, theirs] = await Promise.all([sshSnapshot(targetFor(server), { whole_node: true, skip_kmsg: true }), local.snapshot({ whole_node: true, skip_kmsg: true })]);
        if (mine.status !== 'ok') throw new Error(mine.message);
        const cmdlines = (snap: SnapshotResponse) => pids.map((pid) => (snap.tasks ?? []).find((t) => Number(t.tid) === pid)?.cmdline);
        expect(cmdlines(mine.value)).toEqual(cmdlines(theirs as SnapshotResponse));
        expect(cmdlines(mine.value).every((c) => c?.startsWith('/bin/sh -c read -r line'))).toBe(true);
      } finally {
        await local.close();
      }
    });
  });

  describe('it connects only to nodes the Kubernetes API knows or WHYSTUCK_SSH_HOSTS lists', () => {
    let kube: FakeKubeApi;
    beforeAll(async () => {
      kube = await startFakeKubeApi();
    });
    afterAll(async () => {
      await kube?.close();
    });

    /** The bot's fallback from its settings: the node name template "{node}" (a node named 127.0.0.1 is the test sshd), the fake API. */
    const fallback = (env: Env = {}): Extract<SshFallback, { enabled: true }> => {
      const ssh = sshFallbackFromConfig(
        loadConfig(
          {
            WHYSTUCK_SSH_KEY_FILE: server.clientKey,
            WHYSTUCK_SSH_KNOWN_HOSTS: server.knownHosts,
            WHYSTUCK_SSH_HOST: '{node}',
            WHYSTUCK_SSH_PORT: String(server.port),
            WHYSTUCK_SSH_HOSTS: `listed-node=127.0.0.1:${server.port}`,
            KUBECONFIG: kube.kubeconfig,
            ...env,
          },
          undefined,
        ),
      );
      if (!ssh.enabled) throw new Error('expected the fallback on');
      return ssh;
    };

    it('a name the API does not know is never turned into a host: refused before connecting, saying why', async () => {
      const silent = await silentServer();
      try {
        const ssh = fallback({ WHYSTUCK_SSH_PORT: String(silent.port) });
        const want =
          'not connecting to node 127.0.0.1 over SSH: node 127.0.0.1 is not listed in WHYSTUCK_SSH_HOSTS, and it does not exist in the Kubernetes API; ' +
          'the SSH fallback connects only to nodes the Kubernetes API knows or WHYSTUCK_SSH_HOSTS lists (WHYSTUCK_SSH_HOST={node} is filled in only for those)';
        expect(await ssh.targetFor('127.0.0.1')).toEqual({ ok: false, code: 'UNKNOWN_NODE', message: want });
        expect(kube.requests).toContain('GET /api/v1/nodes/127.0.0.1');
        // Through the transport the bot uses: nothing reaches the host.
        const transport = sshTransport(async (node) => {
          const t = await ssh.targetFor(node);
          return t.ok ? t : { ok: false, message: t.message };
        });
        expect(await transport.snapshot('127.0.0.1', { whole_node: true })).toEqual({ status: 'unreachable', message: want });
        for (const name of ['evil.example.com:2222', 'a;reboot', 'Node-7']) {
          expect(await ssh.targetFor(name)).toEqual({
            ok: false,
            code: 'UNKNOWN_NODE',
            message: `not connecting to ${JSON.stringify(name)} over SSH: it is not a node name, and not listed in WHYSTUCK_SSH_HOSTS`,
          });
        }
        expect(silent.connections()).toBe(0);
      } finally {
        await silent.close();
      }
    });

    it('a node the API knows is read over SSH; one listed in WHYSTUCK_SSH_HOSTS needs no API', async () => {
      const ssh = fallback();
      kube.addNode({ name: '127.0.0.1' });
      const known = await ssh.targetFor('127.0.0.1');
      if (!known.ok) throw new Error(known.message);
      expect(known.value.address).toEqual({ username: 'root', host: '127.0.0.1', port: server.port });
      expect((await sshSnapshot(known.value, { skip_kmsg: true, problems_only: true })).status).toBe('ok');
      const before = kube.requests.length;
      const listed = await ssh.targetFor('listed-node');
      if (!listed.ok) throw new Error(listed.message);
      expect((await sshSnapshot(listed.value, { skip_kmsg: true, problems_only: true })).status).toBe('ok');
      expect(kube.requests.slice(before)).toEqual([]);
    });

    it('an API that cannot answer is not taken for a yes', async () => {
      const ssh = fallback({ KUBECONFIG: join(server.dir, 'down.kubeconfig') });
      const port = await freePort();
      writeFileSync(
        join(server.dir, 'down.kubeconfig'),
        [
          'apiVersion: v1',
          'kind: Config',
          'current-context: down',
          `clusters: [{ name: down, cluster: { server: "http://127.0.0.1:${port}" } }]`,
          'users: [{ name: down, user: {} }]',
          'contexts: [{ name: down, context: { cluster: down, user: down } }]',
          '',
        ].join('\n'),
      );
      const r = await ssh.targetFor('127.0.0.1');
      expect(r).toMatchObject({ ok: false, code: 'UNKNOWN_NODE' });
      expect(!r.ok && r.message).toMatch(
        /^not connecting to node 127\.0\.0\.1 over SSH: node 127\.0\.0\.1 is not listed in WHYSTUCK_SSH_HOSTS, and the Kubernetes API could not say whether it exists: Kubernetes API http:\/\/127\.0\.0\.1:\d+ did not answer/,
      );
    });
  });

  describe('host-key pins are per host and never override a known_hosts entry', () => {
    const base = (): Env => ({ WHYSTUCK_SSH_KEY_FILE: server.clientKey, WHYSTUCK_SSH_HOSTS: `node-a=127.0.0.1:${server.port},node-b=127.0.0.1:${server.port}` });
    const read = async (env: Env, node: string, file?: string) => {
      const ssh = sshFallbackFromConfig(loadConfig(env, file));
      if (!ssh.enabled) throw new Error('expected the fallback on');
      const t = await ssh.targetFor(node);
      if (!t.ok) throw new Error(t.message);
      return sshSnapshot(t.value, { skip_kmsg: true, problems_only: true });
    };
    const otherKeyLine = (): string =>
      `[127.0.0.1]:${server.port} ${readFileSync(`${server.newKey(`old-${Math.random().toString(36).slice(2)}`)}.pub`, 'utf8')
        .split(' ')
        .slice(0, 2)
        .join(' ')}\n`;

    it("node=SHA256:… trusts that node's key only: the same key on another node is refused, with the pin to add", async () => {
      const env = { ...base(), WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS: `node-b=${server.hostFingerprint}` };
      expect((await read(env, 'node-b')).status).toBe('ok');
      const a = await read(env, 'node-a');
      expect(a).toMatchObject({ status: 'rejected', code: 'HOST_KEY_UNKNOWN', fingerprint: server.hostFingerprint });
      const msg = (a as { message: string }).message;
      expect(msg).toContain(`the host key of [127.0.0.1]:${server.port} is not pinned for 127.0.0.1 (WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS)`);
      expect(msg).toContain(`pin it with WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS=node-a=${server.hostFingerprint}`);
      // YAML: a mapping of node to fingerprint(s).
      const file = join(server.dir, 'pins.yaml');
      writeFileSync(file, `ssh:\n  keyFile: ${server.clientKey}\n  hosts:\n    node-a: 127.0.0.1:${server.port}\n  hostKeyFingerprints:\n    node-a: [${server.hostFingerprint}]\n`);
      expect(loadConfig({}, file).ssh?.hostFingerprints).toEqual(new Map([['node-a', [server.hostFingerprint]]]));
      expect((await read({}, 'node-a', file)).status).toBe('ok');
    });

    it('a known_hosts entry with another key wins over a pin of the presented key: refused as CHANGED', async () => {
      const kh = join(server.dir, 'known_hosts_other');
      writeFileSync(kh, otherKeyLine());
      for (const pins of [`node-b=${server.hostFingerprint}`, server.hostFingerprint]) {
        const r = await read({ ...base(), WHYSTUCK_SSH_KNOWN_HOSTS: kh, WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS: pins }, 'node-b');
        expect(r).toMatchObject({ status: 'rejected', code: 'HOST_KEY_CHANGED', fingerprint: server.hostFingerprint });
        expect((r as { message: string }).message).toContain('The key is pinned (WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS), but a pin never overrides a known_hosts entry that lists another key.');
      }
    });

    it('the old form without node names is trusted for every host, and config check and the log say so; mixing both forms is refused', async () => {
      const env = { ...base(), WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS: server.hostFingerprint };
      const c = loadConfig(env, undefined);
      expect(c.ssh).toMatchObject({ fingerprints: [server.hostFingerprint], hostFingerprints: new Map() });
      expect(c.warnings).toEqual([
        expect.stringMatching(
          /^WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS: 1 pinned fingerprint without a node name \(the old form\) is trusted for EVERY node the SSH fallback connects to, .*pin each node's own key instead: node-7=SHA256:…,node-8=SHA256:…/,
        ),
      ]);
      const ssh = sshFallbackFromConfig(c);
      expect(ssh.enabled && ssh.describe).toContain("host keys from 1 pinned fingerprint for EVERY host (the old form without node names: pin each node's own key as node=SHA256:… instead)");
      expect((await read(env, 'node-a')).status).toBe('ok');
      const mixed = { ...base(), WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS: `${server.hostFingerprint},node-b=${server.hostFingerprint}` };
      expect(() => loadConfig(mixed, undefined)).toThrow(ConfigError);
      expect(() => loadConfig(mixed, undefined)).toThrow(/WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS: mixes pins with and without a node name: give every pin as node=SHA256:…/);
      expect(() => loadConfig({ ...base(), WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS: 'node-b=MD5:aa:bb' }, undefined)).toThrow(
        /WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS: "node-b=MD5:aa:bb" is not a host key fingerprint/,
      );
    });
  });
});
