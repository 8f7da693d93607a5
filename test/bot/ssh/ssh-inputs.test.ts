import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { parseSshAddress, knownHostsName } from '../../../bot/src/nodes/ssh/ssh-address';
import { loadPrivateKey, loadPrivateKeyFile } from '../../../bot/src/nodes/ssh/private-key';
import { entryNamesHost, parseKnownHosts, readKnownHostsFile } from '../../../bot/src/nodes/ssh/known-hosts';
import { createHostKeyPolicy } from '../../../bot/src/nodes/ssh/host-key-policy';
import { buildSshTarget } from '../../../bot/src/nodes/ssh-target';
import { fingerprintOf, keygen } from '../../helpers/ssh/sshd-server';

const haveKeygen = !spawnSync('ssh-keygen', ['-?']).error;

describe('SSH addresses', () => {
  it.each([
    ['root@node-7', { username: 'root', host: 'node-7', port: 22 }],
    ['core@10.0.3.17:2222', { username: 'core', host: '10.0.3.17', port: 2222 }],
    ['ops@[fd00::1]:22', { username: 'ops', host: 'fd00::1', port: 22 }],
    ['ec2-user@Node-7.Example.COM', { username: 'ec2-user', host: 'node-7.example.com', port: 22 }],
  ])('%s', (spec, value) => expect(parseSshAddress(spec)).toEqual({ ok: true, value }));

  it.each([
    ['node-7', /the user is missing/],
    ['root@node;reboot', /is not a host name or IP address/],
    ['$(id)@node', /is not a login name/],
    ['root@node:99999', /port "99999" is not a number from 1 to 65535/],
    ['root@node:22;id', /port "22;id"/],
    ['root@[::1', /is not a host name/],
  ])('rejects %s', (spec, why) => {
    const r = parseSshAddress(spec, '--jump');
    expect(r).toMatchObject({ ok: false, code: 'BAD_TARGET' });
    expect(!r.ok && r.message).toMatch(why);
    expect(!r.ok && r.message).toMatch(/^--jump must be USER@HOST\[:PORT\]/);
  });

  it('names hosts as known_hosts does', () => {
    expect(knownHostsName('node-7', 22)).toBe('node-7');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });
});

(haveKeygen ? describe : describe.skip)('keys and known_hosts made by OpenSSH tools', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'whystuck-sshkeys-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const key = (name: string, opts: { passphrase?: string; type?: string } = {}): string => {
    keygen(join(dir, name), opts);
    return join(dir, name);
  };
  const pub = (file: string): string => readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');

  it('loads a key from a file or from Secret bytes; the object never shows the key', () => {
    const file = key('plain');
    const fromFile = loadPrivateKeyFile(file);
    const fromSecret = loadPrivateKey(readFileSync(file), { source: 'Secret whystuck/ssh-key' });
    expect(fromFile).toMatchObject({ ok: true, value: { type: 'ssh-ed25519', fingerprint: fingerprintOf(file) } });
    expect(fromSecret).toMatchObject({ ok: true, value: { source: 'Secret whystuck/ssh-key' } });
    const secretLine = readFileSync(file, 'utf8').split('\n')[1];
    if (!fromFile.ok) throw new Error();
    for (const shown of [JSON.stringify({ key: fromFile.value }), inspect(fromFile.value), String(fromFile.value.toJSON())]) {
      expect(shown).not.toContain(secretLine);
      expect(shown).toContain(fingerprintOf(file));
    }
  });

  it('an encrypted key needs its passphrase; a wrong one, a public key, garbage and a missing file are named', () => {
    const file = key('locked', { passphrase: 'correct horse' });
    expect(loadPrivateKeyFile(file)).toMatchObject({ ok: false, code: 'BAD_KEY', message: expect.stringMatching(/is encrypted: give its passphrase in WHYSTUCK_SSH_KEY_PASSPHRASE/) });
    expect(loadPrivateKeyFile(file, { passphrase: 'wrong' })).toMatchObject({ ok: false, message: expect.stringMatching(/could not be decrypted: the passphrase is wrong/) });
    expect(loadPrivateKeyFile(file, { passphrase: 'correct horse' })).toMatchObject({ ok: true });
    expect(loadPrivateKeyFile(`${file}.pub`)).toMatchObject({ ok: false, message: expect.stringMatching(/is a public key: give the private key/) });
    writeFileSync(join(dir, 'junk'), 'not a key');
    expect(loadPrivateKeyFile(join(dir, 'junk'))).toMatchObject({ ok: false, message: expect.stringMatching(/is not an SSH private key/) });
    expect(loadPrivateKeyFile(join(dir, 'nope'))).toEqual({ ok: false, code: 'BAD_KEY', message: `cannot read the SSH key ${join(dir, 'nope')}: no such file` });
    expect(loadPrivateKey('', { source: 'the Secret' })).toMatchObject({ ok: false, message: expect.stringMatching(/^the Secret is empty/) });
  });

  it('matches plain, wildcard, negated, [host]:port and ssh-keygen -H hashed entries', () => {
    const k = pub(key('host'));
    const file = join(dir, 'known_hosts');
    writeFileSync(file, ['# comment', '', `node-7,10.0.0.7 ${k}`, `*.prod.example.com,!db.prod.example.com ${k}`, `[127.0.0.1]:2222 ${k}`, `hashed-node ${k}`].join('\n'));
    expect(spawnSync('ssh-keygen', ['-H', '-f', file]).status).toBe(0);
    const kh = readKnownHostsFile(file);
    if (!kh.ok) throw new Error(kh.message);
    const names = (name: string) => kh.value.entries.filter((e) => entryNamesHost(e, name)).length > 0;
    expect(kh.value.entries.every((e) => e.hosts.startsWith('|1|') || e.hosts.includes('*'))).toBe(true); // ssh-keygen -H hashed the plain names
    expect(names('node-7')).toBe(true);
    expect(names('10.0.0.7')).toBe(true);
    expect(names('hashed-node')).toBe(true);
    expect(names('[127.0.0.1]:2222')).toBe(true);
    expect(names('127.0.0.1')).toBe(false);
    expect(names('web.prod.example.com')).toBe(true);
    expect(names('db.prod.example.com')).toBe(false);
    expect(names('node-8')).toBe(false);
  });

  it('refuses a damaged known_hosts file, naming the line', () => {
    expect(parseKnownHosts('good.example.com ssh-ed25519\n', 'kh')).toMatchObject({ ok: false, code: 'BAD_KNOWN_HOSTS', message: expect.stringMatching(/^kh line 1 is not a known_hosts line/) });
    const k = pub(key('mismatch'));
    expect(parseKnownHosts(`a ssh-rsa ${k.split(' ')[1]}\n`, 'kh')).toMatchObject({ ok: false, message: expect.stringMatching(/line 1/) });
    expect(parseKnownHosts(`@trusted a ${k}\n`, 'kh')).toMatchObject({ ok: false, message: expect.stringMatching(/unknown marker @trusted/) });
    expect(readKnownHostsFile(join(dir, 'missing'))).toMatchObject({ ok: false, message: expect.stringMatching(/no such file/) });
  });

  it('policy: a host needs known_hosts or pins; pins are checked for form; known key types are offered first; CA lines do not trust', () => {
    expect(createHostKeyPolicy({})).toMatchObject({ ok: false, message: expect.stringMatching(/host keys are always checked/) });
    expect(createHostKeyPolicy({ pins: { everyHost: ['MD5:aa:bb'] } })).toMatchObject({ ok: false, code: 'BAD_FINGERPRINT' });
    expect(createHostKeyPolicy({ pins: { byHost: new Map([['node-7', ['MD5:aa:bb']]]) } })).toMatchObject({ ok: false, code: 'BAD_FINGERPRINT' });
    const ecdsa = key('ecdsa', { type: 'ecdsa' });
    const kh = parseKnownHosts(`[10.0.0.1]:2222 ${pub(ecdsa)}\n@cert-authority * ${pub(key('ca'))}\n`, 'kh');
    if (!kh.ok) throw new Error(kh.message);
    const policy = createHostKeyPolicy({ knownHosts: kh.value });
    if (!policy.ok) throw new Error(policy.message);
    expect(policy.value.algorithms('10.0.0.1', 2222)[0]).toBe('ecdsa-sha2-nistp256');
    expect(policy.value.algorithms('10.0.0.2', 22)[0]).toBe('ssh-ed25519');
    const caKey = Buffer.from(pub(join(dir, 'ca')).split(' ')[1], 'base64');
    expect(policy.value.verify('10.0.0.9', 22, caKey)).toMatchObject({ ok: false, code: 'HOST_KEY_UNKNOWN' });
    const ecdsaKey = Buffer.from(pub(ecdsa).split(' ')[1], 'base64');
    expect(policy.value.verify('10.0.0.1', 2222, ecdsaKey)).toEqual({ ok: true, how: 'kh line 1' });
    expect(policy.value.verify('10.0.0.1', 22, ecdsaKey)).toMatchObject({ ok: false, code: 'HOST_KEY_UNKNOWN', fingerprint: fingerprintOf(ecdsa) });
  });

  it('pins are per host: "SHA256:…" pins the node\'s host, "HOST=SHA256:…" another (the jump host); a pin never overrides a known_hosts entry', () => {
    const a = key('pin-a');
    const b = key('pin-b');
    const blob = (f: string) => Buffer.from(pub(f).split(' ')[1], 'base64');
    const built = buildSshTarget({
      address: { spec: 'root@node-7.example.com', setting: '--ssh' },
      jump: { spec: 'ops@bastion.example.com', setting: '--jump' },
      key: () => loadPrivateKeyFile(a),
      fingerprints: [fingerprintOf(a), `Bastion.Example.com=${fingerprintOf(b)}`],
      connectTimeoutMs: 1000,
      commandTimeoutMs: 1000,
    });
    if (!built.ok) throw new Error(built.message);
    const hk = built.value.hostKeys;
    expect(hk.verify('node-7.example.com', 22, blob(a))).toEqual({ ok: true, how: `pinned fingerprint ${fingerprintOf(a)} for node-7.example.com` });
    expect(hk.verify('bastion.example.com', 22, blob(b))).toEqual({ ok: true, how: `pinned fingerprint ${fingerprintOf(b)} for bastion.example.com` });
    // Each pin trusts its own host only.
    const crossed = hk.verify('bastion.example.com', 22, blob(a));
    expect(crossed).toMatchObject({ ok: false, code: 'HOST_KEY_UNKNOWN' });
    expect(!crossed.ok && crossed.message).toContain(`not pinned for bastion.example.com (--host-key-fingerprint)`);
    expect(!crossed.ok && crossed.message).toContain(`pin it with --host-key-fingerprint bastion.example.com=${fingerprintOf(a)}`);
    const other = hk.verify('node-8.example.com', 22, blob(a));
    expect(!other.ok && other.message).toContain(`pin it with --host-key-fingerprint node-8.example.com=${fingerprintOf(a)}`);
    const mine = hk.verify('node-7.example.com', 22, blob(b));
    expect(!mine.ok && mine.message).toContain(`pin it with --host-key-fingerprint ${fingerprintOf(b)}`);
    // known_hosts lists another key for node-7: its pinned key is refused as CHANGED.
    const kh = parseKnownHosts(`node-7.example.com ${pub(b)}\n`, 'kh');
    if (!kh.ok) throw new Error(kh.message);
    const strict = createHostKeyPolicy({ knownHosts: kh.value, pins: { byHost: new Map([['node-7.example.com', [fingerprintOf(a)]]]), everyHost: [fingerprintOf(a)] } });
    if (!strict.ok) throw new Error(strict.message);
    const changed = strict.value.verify('node-7.example.com', 22, blob(a));
    expect(changed).toMatchObject({ ok: false, code: 'HOST_KEY_CHANGED', fingerprint: fingerprintOf(a) });
    expect(!changed.ok && changed.message).toContain('a pin never overrides a known_hosts entry that lists another key');
    // A host known_hosts does not list: the pin (for every host, the old form) trusts it, and says so.
    expect(strict.value.verify('node-9.example.com', 22, blob(a))).toEqual({ ok: true, how: `pinned fingerprint ${fingerprintOf(a)} (pinned for every host)` });
    expect(
      buildSshTarget({ address: { spec: 'root@n', setting: '--ssh' }, key: () => loadPrivateKeyFile(a), fingerprints: ['n;reboot=' + fingerprintOf(a)], connectTimeoutMs: 1, commandTimeoutMs: 1 }),
    ).toMatchObject({ ok: false, code: 'BAD_FINGERPRINT', message: expect.stringMatching(/^--host-key-fingerprint: "n;reboot=SHA256:\S+" is not a host key fingerprint/) });
  });
});
