import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { runDiagnose } from '../../../bot/src/cli/diagnose-command';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnZombies } from '../../helpers/kernel/processes';
import { startSshd, sshdAvailable, type TestSshd } from '../../helpers/ssh/sshd-server';
import { silentServer } from '../../helpers/ssh/ssh-target';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdin: Readable.from([]), stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } }, out, err };
}

describe('whystuck diagnose --ssh: bad input is refused before connecting', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeAll(async () => {
    silent = await silentServer();
  });
  afterAll(async () => {
    expect(silent.connections()).toBe(0);
    await silent.close();
  });
  const ssh = () => ['--ssh', `root@127.0.0.1:${silent.port}`, '--ssh-key', '/nonexistent/key', '--known-hosts', '/nonexistent/kh'];

  it.each([
    [['--pid', '1;reboot'], 'whystuck diagnose: --pid must be a process id between 1 and 4194304, not "1;reboot"\n'],
    [['--pod-uid', 'abc$(reboot)'], 'whystuck diagnose: --pod-uid must be a pod UID or its prefix (hex digits and dashes), not "abc$(reboot)"\n'],
    [['--pid', '`id`'], 'whystuck diagnose: --pid must be a process id between 1 and 4194304, not "`id`"\n'],
  ])('%j', async (extra, message) => {
    const t = io();
    expect(await runDiagnose([...ssh(), ...extra], t.io)).toBe(2);
    expect(t.err.join('')).toBe(message);
  });

  it('a bad target, a missing key or known_hosts, bad deadlines, --local with --ssh', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--ssh', 'root@127.0.0.1;reboot', '--ssh-key', 'k', '--known-hosts', 'kh'], /--ssh must be USER@HOST\[:PORT\].*is not a host name/],
      [['--ssh', `root@127.0.0.1:${silent.port}`, '--known-hosts', 'kh'], /--ssh needs --ssh-key FILE/],
      [['--ssh', `root@127.0.0.1:${silent.port}`, '--ssh-key', 'k'], /--ssh needs --known-hosts FILE or --host-key-fingerprint/],
      [[...ssh(), '--connect-timeout', '0'], /--connect-timeout is in seconds/],
      [[...ssh(), '--jump', 'x'], /--jump must be USER@HOST/],
      [['--ssh', `root@127.0.0.1:${silent.port}`, '--ssh-key', 'k', '--host-key-fingerprint', 'abc'], /"abc" is not a host key fingerprint/],
      [ssh(), /cannot read the known_hosts file \/nonexistent\/kh: no such file/],
      [['--local', ...ssh()], /say where: --local \(this machine\) or --ssh/],
    ];
    for (const [args, why] of cases) {
      const t = io();
      expect(await runDiagnose(args, t.io)).toBe(2);
      expect(t.err.join('')).toMatch(why);
    }
  });
});

const can = sshdAvailable();
const cg = cgroupV1Available();
(can.ok && cg.ok ? describe : describe.skip)('whystuck diagnose --ssh against a real sshd', () => {
  let server: TestSshd;
  beforeAll(async () => {
    server = await startSshd();
  });
  afterAll(async () => {
    await cleanupAll();
    await server?.stop();
  });
  afterEach(cleanupAll);

  it('prints the same JSON diagnosis of a zombie pod as --local', async () => {
    const pod = createPodCgroup();
    const { parentPid } = await spawnZombies(2, pod);
    const viaSsh = io();
    const local = io();
    const [code, localCode] = await Promise.all([
      runDiagnose(['--ssh', `root@127.0.0.1:${server.port}`, '--ssh-key', server.clientKey, '--known-hosts', server.knownHosts, '--pod-uid', pod.podUid.slice(0, 13), '--json'], viaSsh.io),
      runDiagnose(['--local', '--pod-uid', pod.podUid.slice(0, 13), '--json'], local.io),
    ]);
    expect([code, localCode, viaSsh.err.join(''), local.err.join('')]).toEqual([0, 0, '', '']);
    const doc = JSON.parse(viaSsh.out.join(''));
    const localDoc = JSON.parse(local.out.join(''));
    const shape = (d: { summary: string; findings: Array<{ id: string; kind: string; tasks: Array<{ pid: number; role: string }> }> }) => ({
      summary: d.summary,
      findings: d.findings.map((f) => ({ id: f.id, kind: f.kind, tasks: f.tasks.map((t) => `${t.pid} ${t.role}`).sort() })),
    });
    expect(shape(doc)).toEqual(shape(localDoc));
    expect(doc.findings.map((f: { id: string }) => f.id)).toContain('zombie');
    expect(JSON.stringify(doc.findings)).toContain(`"pid":${parentPid}`);
  });

  it('text output, through a jump host, with a pinned fingerprint', async () => {
    const t = io();
    expect(
      await runDiagnose(
        [
          '--ssh',
          `root@127.0.0.1:${server.port}`,
          '--jump',
          `root@127.0.0.1:${server.port}`,
          '--ssh-key',
          server.clientKey,
          '--host-key-fingerprint',
          server.hostFingerprint,
          '--pid',
          '1',
          '--command-timeout',
          '20',
        ],
        t.io,
      ),
    ).toBe(0);
    expect(t.out.join('')).toMatch(/\(pid 1\)/);
  });

  it('a changed host key: exit 3, the fingerprint and the fix on stderr, nothing on stdout', async () => {
    const other = server.newKey('other-host');
    const kh = `${server.dir}/changed_known_hosts`;
    writeFileSync(kh, `[127.0.0.1]:${server.port} ${readFileSync(`${other}.pub`, 'utf8')}`);
    const t = io();
    expect(await runDiagnose(['--ssh', `root@127.0.0.1:${server.port}`, '--ssh-key', server.clientKey, '--known-hosts', kh], t.io)).toBe(3);
    expect(t.out).toEqual([]);
    expect(t.err.join('')).toMatch(
      new RegExp(
        `^whystuck diagnose: SSH to root@127\\.0\\.0\\.1:${server.port} failed: refused the node: the host key of \\[127\\.0\\.0\\.1\\]:${server.port} has CHANGED: it presents ssh-ed25519 ${server.hostFingerprint.replace(/[+/]/g, '\\$&')}`,
      ),
    );
    expect(t.err.join('')).toContain(`ssh-keygen -R '[127.0.0.1]:${server.port}' -f ${kh}`);
  });

  it('an encrypted key with its passphrase from WHYSTUCK_SSH_KEY_PASSPHRASE', async () => {
    const locked = server.newKey('locked', { passphrase: 'pass phrase' });
    appendFileSync(`${server.dir}/authorized_keys`, readFileSync(`${locked}.pub`));
    const args = ['--ssh', `root@127.0.0.1:${server.port}`, '--ssh-key', locked, '--known-hosts', server.knownHosts, '--pid', '1'];
    const without = io();
    expect(await runDiagnose(args, without.io, { env: {} })).toBe(2);
    expect(without.err.join('')).toMatch(/is encrypted: give its passphrase in WHYSTUCK_SSH_KEY_PASSPHRASE/);
    const withPass = io();
    expect(await runDiagnose(args, withPass.io, { env: { WHYSTUCK_SSH_KEY_PASSPHRASE: 'pass phrase' } })).toBe(0);
    expect(withPass.err.join('')).not.toContain('pass phrase');
  });
});
