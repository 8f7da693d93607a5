import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { remoteScript, scriptsDir } from '../../../bot/src/nodes/ssh/remote-scripts';
import { sshRemediate } from '../../../bot/src/nodes/ssh/ssh-remediate';
import { openSshSession } from '../../../bot/src/nodes/ssh/ssh-session';
import { sshSnapshot } from '../../../bot/src/nodes/ssh/ssh-snapshot';
import { cleanupAll, trackPid } from '../../helpers/kernel/cleanup';
import { spawnStopped, stateOf, waitFor } from '../../helpers/kernel/processes';
import { startSshd, sshdAvailable, type TestSshd } from '../../helpers/ssh/sshd-server';
import { targetFor } from '../../helpers/ssh/ssh-target';

const sshd = sshdAvailable();
const haveUnshare = !spawnSync('unshare', ['--version']).error;
if (!sshd.ok) process.stderr.write(`SSH forced-command tests skipped: ${sshd.reason}\n`);
const describeSsh = sshd.ok ? describe : describe.skip;
const describeNonRoot = sshd.ok && haveUnshare ? describe : describe.skip;

/** The scripts installed on a "node" as bot/docs/ssh.md says: a root-owned directory, collect.sh, signal.sh and forced-command.sh. */
function installScripts(): string {
  const lib = mkdtempSync(join(tmpdir(), 'whystuck-lib-'));
  try {
    chmodSync(lib, 0o755);
    for (const f of ['collect.sh', 'signal.sh', 'forced-command.sh']) {
      copyFileSync(join(scriptsDir(), f), join(lib, f));
      chmodSync(join(lib, f), 0o755);
    }
  } catch (err) {
    rmSync(lib, { recursive: true, force: true });
    throw err;
  }
  return lib;
}

/** A root-owned sleeper outside any pod (SSH remediation allows host processes here). */
async function sleeper(): Promise<{ pid: number; comm: string; start: string }> {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  const pid = trackPid(child.pid);
  await waitFor(() => stateOf(pid) === 'S', 'the sleeper');
  const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return { pid, comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), start: s.slice(s.lastIndexOf(')') + 2).split(' ')[19] };
}

/** Runs `command` with the key as ssh would (no `sh -s`): what a stolen key could try. */
function rawExec(server: TestSshd, username: string, command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.on('error', reject);
    c.on('ready', () =>
      c.exec(command, (err, stream) => {
        if (err) {
          c.end();
          reject(err);
          return;
        }
        let stdout = '';
        let stderr = '';
        stream.on('data', (d: Buffer) => {
          stdout += d.toString();
        });
        stream.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        stream.on('close', (code: number | null) => {
          c.end();
          resolve({ code, stdout, stderr });
        });
        stream.end();
      }),
    );
    c.connect({ host: '127.0.0.1', port: server.port, username, privateKey: readFileSync(server.clientKey), hostVerifier: () => true });
  });
}

describeSsh('a forced command: the key runs the installed whystuck scripts and nothing else', () => {
  let server: TestSshd;
  let lib: string;
  beforeAll(async () => {
    lib = installScripts();
    server = await startSshd({ keyOptions: `restrict,command="${lib}/forced-command.sh sudo"` });
  });
  afterAll(async () => {
    await cleanupAll();
    await server?.stop();
    rmSync(lib, { recursive: true, force: true });
  });
  afterEach(cleanupAll);

  it('the fallback works through it unchanged: a snapshot, and a guarded signal (as root: sudo is not needed)', async () => {
    const stopped = await spawnStopped();
    const snap = await sshSnapshot(targetFor(server), { skip_kmsg: true });
    if (snap.status !== 'ok') throw new Error(snap.message);
    expect((snap.value.tasks ?? []).find((t) => Number(t.tid) === stopped)).toMatchObject({ state: 'T', stack_read: true });
    const s = await sleeper();
    const r = await sshRemediate(targetFor(server), { pid: s.pid, start_time_ticks: s.start, expected_comm: s.comm, signal: 'SIGTERM', requester: 'test' }, { allowHostProcesses: true });
    if (r.status !== 'ok') throw new Error(r.message);
    expect(r.value.status).toBe('SIGNALLED');
    await waitFor(() => stateOf(s.pid) === undefined || stateOf(s.pid) === 'Z', 'the sleeper to die');
  });

  it('refuses any other script, a changed copy of collect.sh, any other command line and an interactive login', async () => {
    const session = await openSshSession(targetFor(server));
    if (session.status !== 'ok') throw new Error(session.message);
    try {
      for (const script of ['id\n', `${remoteScript('collect')}\nid\n`]) {
        const r = await session.value.run(script, ['scan']);
        if (r.status !== 'ok') throw new Error(r.message);
        expect(r.value).toMatchObject({ code: 126, stdout: Buffer.alloc(0) });
        expect(r.value.stderr).toMatch(
          new RegExp(
            `^whystuck forced command: refused: the script the bot sent \\(SHA-256 [0-9a-f]{64}\\) is neither ${lib}/collect\\.sh nor ${lib}/signal\\.sh: install the scripts of the bot's version`,
          ),
        );
      }
    } finally {
      session.value.close();
    }
    for (const command of ['id', 'sh -s -- scan;id', 'sh -c id', '']) {
      const r = await rawExec(server, 'root', command);
      expect(r.code).toBe(126);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^whystuck forced command: refused: /);
    }
  });
});

describeNonRoot('a user other than root (forced command, no sudo): what the fallback reads, and what it cannot do', () => {
  const user = { name: 'whystuck-nonroot', uid: 64000 + (process.pid % 1000) };
  let server: TestSshd;
  let lib: string;
  beforeAll(async () => {
    lib = installScripts();
    server = await startSshd({ keyOptions: `restrict,command="${lib}/forced-command.sh"`, user });
  });
  afterAll(async () => {
    await cleanupAll();
    await server?.stop();
    rmSync(lib, { recursive: true, force: true });
  });
  afterEach(cleanupAll);

  it("a snapshot: every task, its state and pod; no kernel stacks of other users' tasks, and the problems say what is missing", async () => {
    const stopped = await spawnStopped();
    const r = await sshSnapshot(targetFor(server, { username: user.name }), { whole_node: true });
    if (r.status !== 'ok') throw new Error(r.message);
    const tasks = r.value.tasks ?? [];
    expect(tasks.find((t) => Number(t.tid) === stopped)).toMatchObject({ state: 'T', uid: 0, stack_read: false });
    // It really ran as that user: the script's own shell is one of its tasks.
    expect(tasks.some((t) => Number(t.uid) === user.uid)).toBe(true);
    const stackProblem = (r.value.read_problems ?? []).find((p) => p.path === `/proc/${stopped}/task/${stopped}/stack`);
    expect(stackProblem).toMatchObject({ reason: 'permission', needs_capability: 'CAP_SYS_ADMIN' });
    expect(stackProblem?.detail).toBe('EACCES: the SSH user needs CAP_SYS_ADMIN: log in as root, or run the scripts as root through sudo (bot/docs/ssh.md, A user other than root)');
    if (readFileSync('/proc/sys/kernel/dmesg_restrict', 'utf8').trim() === '1') {
      expect((r.value.read_problems ?? []).find((p) => p.path === '/dev/kmsg')).toMatchObject({
        reason: 'permission',
        detail: expect.stringMatching(/the SSH user needs CAP_SYSLOG: log in as root, or run the scripts as root through sudo/),
      });
    }
  });

  it("a signal to another user's process is refused by the kernel and said so; the process lives on", async () => {
    const s = await sleeper();
    const r = await sshRemediate(
      targetFor(server, { username: user.name }),
      { pid: s.pid, start_time_ticks: s.start, expected_comm: s.comm, signal: 'SIGKILL', requester: 'test' },
      { allowHostProcesses: true },
    );
    if (r.status !== 'ok') throw new Error(r.message);
    expect(r.value).toMatchObject({ status: 'FAILED', still_present: true });
    expect(r.value.message).toBe(
      `kill -s KILL ${s.pid} was refused: not permitted for the SSH user (uid ${user.uid}); signals to other users' processes need root: log in as root, or run signal.sh through sudo (bot/docs/ssh.md, A user other than root)`,
    );
    expect(stateOf(s.pid)).toBe('S');
  });
});
