import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfigCheck } from '../../../bot/src/cli/run-bot';
import { createSshFallback, sshFallbackFromConfig } from '../../../bot/src/nodes/ssh-fallback';
import { ConfigError, loadConfig } from '../../../bot/src/config';
import { fingerprintOf, keygen } from '../../helpers/ssh/sshd-server';

const hasKeygen = !spawnSync('ssh-keygen', ['-?']).error;
if (!hasKeygen) process.stderr.write('SSH fallback config tests skipped: ssh-keygen is missing\n');

const sink = () => {
  const out: string[] = [];
  return { out, w: { write: (s: string) => out.push(s) } };
};

(hasKeygen ? describe : describe.skip)('SSH fallback configuration (environment and YAML)', () => {
  let dir: string;
  let key: string;
  let encrypted: string;
  let knownHosts: string;
  let hostPub: string;
  let hostFp: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'whystuck-ssh-config-'));
    key = join(dir, 'id_ed25519');
    keygen(key);
    encrypted = join(dir, 'id_encrypted');
    keygen(encrypted, { passphrase: 'correct horse battery' });
    const host = join(dir, 'host');
    keygen(host);
    hostPub = readFileSync(`${host}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    hostFp = fingerprintOf(`${host}.pub`);
    knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `node-7.example.com ${hostPub}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is off unless a key file is given; defaults when it is', () => {
    expect(loadConfig({}, undefined).ssh).toBeUndefined();
    const c = loadConfig({ WHYSTUCK_SSH_KEY_FILE: key, WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts }, undefined);
    expect(c.ssh).toMatchObject({ user: 'root', keyFile: key, knownHostsFile: knownHosts, fingerprints: [], port: 22, host: '{node}', connectTimeoutMs: 10_000, commandTimeoutMs: 30_000 });
    expect(c.ssh?.hosts.size).toBe(0);
    expect(c.ssh?.jump).toBeUndefined();
  });

  it('reads every setting from the environment', () => {
    const c = loadConfig(
      {
        WHYSTUCK_SSH_KEY_FILE: key,
        WHYSTUCK_SSH_USER: 'core',
        WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS: `${hostFp}, ${hostFp}`,
        WHYSTUCK_SSH_JUMP: 'ops@bastion.example.com:2222',
        WHYSTUCK_SSH_PORT: '2200',
        WHYSTUCK_SSH_HOST: '{node}.nodes.example.com',
        WHYSTUCK_SSH_HOSTS: 'node-7=10.0.3.17,node-8=[fd00::8]:2222',
        WHYSTUCK_SSH_CONNECT_TIMEOUT_MS: '2500',
        WHYSTUCK_SSH_COMMAND_TIMEOUT_MS: '60000',
      },
      undefined,
    );
    expect(c.ssh).toMatchObject({
      user: 'core',
      fingerprints: [hostFp, hostFp],
      jump: 'ops@bastion.example.com:2222',
      port: 2200,
      host: '{node}.nodes.example.com',
      connectTimeoutMs: 2500,
      commandTimeoutMs: 60_000,
    });
    expect([...c.ssh!.hosts]).toEqual([
      ['node-7', '10.0.3.17'],
      ['node-8', '[fd00::8]:2222'],
    ]);
  });

  it('reads the ssh section of the YAML file; the environment wins', () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      ['ssh:', `  keyFile: ${key}`, `  knownHosts: ${knownHosts}`, '  user: admin', '  port: 2222', '  host: internal-ip', '  hosts:', '    node-9: 192.0.2.9', '  connectTimeoutMs: 3000', ''].join(
        '\n',
      ),
    );
    const y = loadConfig({}, file);
    expect(y.ssh).toMatchObject({ user: 'admin', port: 2222, host: 'internal-ip', keyFile: key, connectTimeoutMs: 3000, commandTimeoutMs: 30_000 });
    expect([...y.ssh!.hosts]).toEqual([['node-9', '192.0.2.9']]);
    expect(loadConfig({ WHYSTUCK_SSH_USER: 'core' }, file).ssh?.user).toBe('core');
    writeFileSync(file, 'ssh:\n  keyfile: /x\n');
    expect(() => loadConfig({}, file)).toThrow(new RegExp(`${file}: ssh`));
    writeFileSync(file, `ssh:\n  keyFile: ${key}\n  knownHosts: ${knownHosts}\n  hosts:\n    node-9: "192.0.2.9;reboot"\n`);
    expect(() => loadConfig({}, file)).toThrow(/ssh\.hosts: "node-9=192\.0\.2\.9;reboot" is not node=HOST\[:PORT\]/);
  });

  it.each([
    ['known_hosts without a key', () => ({ WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts }), /WHYSTUCK_SSH_KEY_FILE: not set, but WHYSTUCK_SSH_KNOWN_HOSTS is: the SSH fallback needs the private key/],
    ['a missing key file', () => ({ WHYSTUCK_SSH_KEY_FILE: join(dir, 'nope'), WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts }), /WHYSTUCK_SSH_KEY_FILE: cannot read the SSH key .*nope: no such file/],
    ['a public key', () => ({ WHYSTUCK_SSH_KEY_FILE: `${key}.pub`, WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts }), /WHYSTUCK_SSH_KEY_FILE: .*is a public key: give the private key/],
    [
      'an encrypted key without its passphrase',
      () => ({ WHYSTUCK_SSH_KEY_FILE: encrypted, WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts }),
      /WHYSTUCK_SSH_KEY_FILE: .*is encrypted: give its passphrase in WHYSTUCK_SSH_KEY_PASSPHRASE/,
    ],
    [
      'a wrong passphrase',
      () => ({ WHYSTUCK_SSH_KEY_FILE: encrypted, WHYSTUCK_SSH_KEY_PASSPHRASE: 'wrong', WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts }),
      /WHYSTUCK_SSH_KEY_FILE: .*could not be decrypted: the passphrase is wrong/,
    ],
    [
      'a key without host keys',
      () => ({ WHYSTUCK_SSH_KEY_FILE: key }),
      /WHYSTUCK_SSH_KNOWN_HOSTS: the SSH fallback always checks host keys: set WHYSTUCK_SSH_KNOWN_HOSTS .* or WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS/,
    ],
    ['a key file as known_hosts', () => ({ WHYSTUCK_SSH_KEY_FILE: key, WHYSTUCK_SSH_KNOWN_HOSTS: key }), /WHYSTUCK_SSH_KNOWN_HOSTS: .*line 1 is not a known_hosts line/],
    ['an MD5 fingerprint', () => ({ WHYSTUCK_SSH_KEY_FILE: key, WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS: 'MD5:aa:bb' }), /WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS: "MD5:aa:bb" is not a host key fingerprint/],
    [
      'a user with a shell metacharacter',
      () => ({ WHYSTUCK_SSH_KEY_FILE: key, WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts, WHYSTUCK_SSH_USER: 'root;id' }),
      /WHYSTUCK_SSH_USER: "root;id" is not a login name/,
    ],
    ['port 0', () => ({ WHYSTUCK_SSH_KEY_FILE: key, WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts, WHYSTUCK_SSH_PORT: '0' }), /WHYSTUCK_SSH_PORT: "0" is not a port number/],
    [
      'a jump host without a user',
      () => ({ WHYSTUCK_SSH_KEY_FILE: key, WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts, WHYSTUCK_SSH_JUMP: 'bastion' }),
      /WHYSTUCK_SSH_JUMP: must be USER@HOST\[:PORT\].*the user is missing/,
    ],
    [
      'a host without {node}',
      () => ({ WHYSTUCK_SSH_KEY_FILE: key, WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts, WHYSTUCK_SSH_HOST: 'bastion.example.com' }),
      /WHYSTUCK_SSH_HOST: "bastion.example.com" must be "internal-ip" .* or a host name with "\{node\}"/,
    ],
    ['a port in the host template', () => ({ WHYSTUCK_SSH_KEY_FILE: key, WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts, WHYSTUCK_SSH_HOST: '{node}:2222' }), /WHYSTUCK_SSH_HOST: "\{node\}:2222" must be/],
    [
      'a command in WHYSTUCK_SSH_HOSTS',
      () => ({ WHYSTUCK_SSH_KEY_FILE: key, WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts, WHYSTUCK_SSH_HOSTS: 'node-7=$(reboot)' }),
      /WHYSTUCK_SSH_HOSTS: "node-7=\$\(reboot\)" is not node=HOST\[:PORT\]/,
    ],
    [
      'a timeout with a unit',
      () => ({ WHYSTUCK_SSH_KEY_FILE: key, WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts, WHYSTUCK_SSH_CONNECT_TIMEOUT_MS: '10s' }),
      /WHYSTUCK_SSH_CONNECT_TIMEOUT_MS: "10s" must be an integer number of milliseconds from 100 to 600000/,
    ],
  ])('%s fails at start naming the key and the fix', (_label, env, msg) => {
    expect(() => loadConfig(env() as NodeJS.ProcessEnv, undefined)).toThrow(ConfigError);
    expect(() => loadConfig(env() as NodeJS.ProcessEnv, undefined)).toThrow(msg);
  });

  it('the passphrase never shows: not in errors, not in the serialised config, not in config check', async () => {
    const env = { WHYSTUCK_SSH_KEY_FILE: encrypted, WHYSTUCK_SSH_KEY_PASSPHRASE: 'correct horse battery', WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
    const c = loadConfig(env, undefined);
    expect(c.ssh?.keyPassphrase?.()).toBe('correct horse battery');
    expect(JSON.stringify(c)).not.toContain('correct horse');
    try {
      loadConfig({ ...env, WHYSTUCK_SSH_KEY_PASSPHRASE: 'wrong horse' }, undefined);
    } catch (e) {
      expect((e as Error).message).not.toContain('horse');
    }
    const o = sink();
    await runConfigCheck(env, o.w, sink().w);
    const text = o.out.join('');
    expect(text).toContain(
      `ssh fallback (nodes without a reachable collector): root@{node}:22, key ${encrypted} (with a passphrase), host keys from ${knownHosts}, deadlines 10000 ms to log in, 30000 ms per command`,
    );
    expect(text).not.toContain('horse');
    expect(text).not.toContain(readFileSync(encrypted, 'utf8').split('\n')[1]);
    const off = sink();
    await runConfigCheck({}, off.w, sink().w);
    expect(off.out.join('')).toContain('ssh fallback (nodes without a reachable collector): off (set WHYSTUCK_SSH_KEY_FILE and WHYSTUCK_SSH_KNOWN_HOSTS or WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS)');
  });

  it('maps node names to SSH targets: WHYSTUCK_SSH_HOSTS first, then the template or the InternalIP', async () => {
    const c = loadConfig(
      {
        WHYSTUCK_SSH_KEY_FILE: key,
        WHYSTUCK_SSH_KNOWN_HOSTS: knownHosts,
        WHYSTUCK_SSH_USER: 'core',
        WHYSTUCK_SSH_PORT: '2200',
        WHYSTUCK_SSH_HOST: '{node}.example.com',
        WHYSTUCK_SSH_HOSTS: 'node-8=[fd00::8]:2222,node-9=192.0.2.9',
        WHYSTUCK_SSH_JUMP: 'ops@bastion.example.com',
      },
      undefined,
    );
    // The template is filled in only for nodes the Kubernetes API knows (test/bot/ssh/ssh-limits.test.ts refuses the others).
    const ssh = sshFallbackFromConfig(c, { nodes: async (node) => (node === 'node-7' ? { status: 'found' } : { status: 'missing', message: `node ${node} does not exist in the Kubernetes API` }) });
    if (!ssh.enabled) throw new Error('expected the fallback on');
    const addr = async (node: string) => {
      const t = await ssh.targetFor(node);
      if (!t.ok) throw new Error(t.message);
      return t.value;
    };
    expect((await addr('node-7')).address).toEqual({ username: 'core', host: 'node-7.example.com', port: 2200 });
    expect((await addr('node-8')).address).toEqual({ username: 'core', host: 'fd00::8', port: 2222 });
    expect((await addr('node-9')).address).toEqual({ username: 'core', host: '192.0.2.9', port: 2200 });
    const t7 = await addr('node-7');
    expect(t7.jump?.address).toEqual({ username: 'ops', host: 'bastion.example.com', port: 22 });
    expect(t7.key.describe()).toMatch(/^ssh-ed25519 key SHA256:\S+ from /);
    expect(JSON.stringify(t7.key)).not.toContain(readFileSync(key, 'utf8').split('\n')[1]);

    const byIp = createSshFallback(
      { ...c.ssh!, host: 'internal-ip', hosts: new Map() },
      {
        nodeAddresses: async (node) => (node === 'node-7' ? { ok: true, host: '10.0.3.17' } : { ok: false, message: `node ${node} does not exist in the Kubernetes API` }),
      },
    );
    if (!byIp.enabled) throw new Error('expected the fallback on');
    const t = await byIp.targetFor('node-7');
    expect(t.ok && t.value.address).toEqual({ username: 'core', host: '10.0.3.17', port: 2200 });
    expect(await byIp.targetFor('node-x')).toEqual({ ok: false, code: 'NO_ADDRESS', message: 'no SSH address for node node-x: node node-x does not exist in the Kubernetes API' });
  });

  it('re-reads known_hosts when it changes: a key added after a refusal is trusted without a restart', async () => {
    const file = join(dir, 'known_hosts_live');
    writeFileSync(file, '# nodes\n');
    const ssh = createSshFallback({ ...loadConfig({ WHYSTUCK_SSH_KEY_FILE: key, WHYSTUCK_SSH_KNOWN_HOSTS: file }, undefined).ssh! }, { nodes: async () => ({ status: 'found' }) });
    if (!ssh.enabled) throw new Error('expected the fallback on');
    const blob = Buffer.from(hostPub.split(' ')[1], 'base64');
    const before = await ssh.targetFor('node-7.example.com');
    const refused = before.ok && before.value.hostKeys.verify('node-7.example.com', 22, blob);
    expect(refused).toMatchObject({ ok: false, code: 'HOST_KEY_UNKNOWN', fingerprint: hostFp });
    expect(refused && !refused.ok && refused.message).toContain(`or pin it with WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS=node-7.example.com=${hostFp}`);
    writeFileSync(file, `# nodes\nnode-7.example.com ${hostPub}\n`);
    const after = await ssh.targetFor('node-7.example.com');
    expect(after.ok && after.value.hostKeys.verify('node-7.example.com', 22, blob)).toEqual({ ok: true, how: `${file} line 2` });
  });
});
