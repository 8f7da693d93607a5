import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { openSqliteStore } from '../../../bot/src/store/sqlite-store';
import { cleanupAll, onCleanup } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnBlockedPidnsTeardown } from '../../helpers/kernel/blocked-pidns-teardown';
import { fuseAvailable } from '../../helpers/kernel/fuse-mount';
import { spawnZombies, stateOf, waitFor } from '../../helpers/kernel/processes';
import { startChat, terminalEnv } from '../../helpers/terminal/chat-process';

/**
 * `npm start` without Slack: the real CLI (dist/) as a child process, its
 * in-process collector on 127.0.0.1 with mutual TLS, a real zombie pod made
 * by the test, questions typed into its stdin, answers read from its stdout.
 */
const can = cgroupV1Available();
const describeKernel = can.ok ? describe : describe.skip;
if (!can.ok) process.stderr.write(`terminal chat tests skipped: ${can.reason}\n`);

function tempDir(mode?: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'whystuck-term-'));
  if (mode !== undefined) chmodSync(dir, mode);
  onCleanup(`temp dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describeKernel('npm start in the terminal, against a real zombie pod', () => {
  afterEach(cleanupAll);

  it('lists the pod from the cgroups, diagnoses it by UID prefix, and kills the parent through a numbered choice with confirmation, audited', async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(2, pod);
    const dir = tempDir();
    const chat = startChat(['start'], terminalEnv(dir));
    onCleanup('chat', () => chat.kill());

    await chat.waitFor(/a chat about test-node\. Collector on 127\.0\.0\.1:\d+ \(mutual TLS/);
    await chat.waitFor(/No Kubernetes API: pods by UID from this machine's cgroups/);

    let mark = chat.stdout().length;
    chat.send('pods');
    await chat.waitFor(new RegExp(`${pod.podUid}\\s+burstable\\s+3 tasks\\s+containers ${pod.containerId.slice(0, 12)}`), { from: mark });

    mark = chat.stdout().length;
    chat.send(`why is pod ${pod.podUid.slice(0, 8)} stuck?`);
    await chat.waitFor(new RegExp(`» Looking into local/${pod.podUid}…`), { from: mark });
    await chat.waitFor(new RegExp(`pod local/${pod.podUid} · uid ${pod.podUid} · node test-node`), { from: mark });
    const answer = chat.stdout().slice(mark);
    expect(answer).toContain(`[INFO] 2 zombies (parent-not-reaping) under python3 (pid ${parentPid})`);
    expect(answer.replace(/\s+/g, ' ')).toMatch(/A zombie is already dead: signals to it do nothing/); // (wrapped to the terminal's width)
    // The zombies themselves are not offered: SIGKILL cannot end a zombie.
    for (const z of zombiePids) expect(answer).not.toMatch(new RegExp(`\\[\\d+\\] SIG\\w+ ${z} `)); // no choice to signal a zombie
    const choice = await chat.waitFor(new RegExp(`\\[(\\d+)\\] SIGTERM ${parentPid} \\(python3\\)`), { from: mark });
    expect(answer).toMatch(/\[\d+\] Recheck {3}\[\d+\] Escalate/);

    mark = chat.stdout().length;
    chat.send(choice[1]);
    const confirm = await chat.waitFor(/Send SIGTERM to (\d+)\?\n {2}Node test-node\n {2}PID (\d+) \(python3\), start time (\d+) ticks\n {2}Signal SIGTERM\n {2}Expected .+\nSend SIGTERM\? \[y\/N\]/, {
      from: mark,
    });
    expect(Number(confirm[1])).toBe(parentPid);
    expect(stateOf(parentPid)).toBe('S'); // nothing sent before the confirmation

    mark = chat.stdout().length;
    chat.send('y');
    await chat.waitFor(new RegExp(`root is sending SIGTERM to ${parentPid} \\(python3\\) on test-node… \\(audit #1\\)`), { from: mark });
    await chat.waitFor(/✓ SIGNALLED: .*It is gone\. Rechecking…/, { from: mark });
    await waitFor(() => stateOf(parentPid) === undefined, 'the parent to be gone');
    // The recheck, in the same thread: the pod's processes are all gone.
    await chat.waitFor(new RegExp(`no process of pod ${pod.podUid} is left on test-node`), { from: mark });

    mark = chat.stdout().length;
    chat.send('audit');
    await chat.waitFor(new RegExp(`#1 \\S+ local:root SIGTERM ${parentPid} \\(python3\\) on test-node: SIGNALLED`), { from: mark });
    chat.send('quit');
    expect(await chat.exited()).toBe(0);

    const audit = openSqliteStore(join(dir, 'audit.db'));
    const rows = await audit.listAudit();
    await audit.close();
    expect(rows).toEqual([
      expect.objectContaining({ user: 'local:root', node: 'test-node', pid: parentPid, comm: 'python3', signal: 'SIGTERM', podUid: pod.podUid, findingId: 'zombie', outcome: 'SIGNALLED' }),
    ]);
    expect(rows[0].startTime).toBe(Number(confirm[3]));
  });

  it('--once answers one question about a pid and exits 0; a pid that is not there exits 1, words it does not understand 2', async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(2, pod);
    const dir = tempDir();
    const once = startChat(['start', '--once', `why is pid ${zombiePids[0]} stuck`], terminalEnv(dir));
    expect(await once.exited()).toBe(0);
    expect(once.stdout()).toContain(`» Looking into pid ${zombiePids[0]} on test-node…`);
    expect(once.stdout()).toContain(`[INFO] 2 zombies (parent-not-reaping) under python3 (pid ${parentPid})`);
    expect(once.stdout()).toContain(`Offered in the interactive chat (npm start): SIGTERM ${parentPid} (python3)`);
    expect(once.stdout()).not.toMatch(/Recheck|Escalate/);
    expect(once.stdout()).not.toMatch(/\[\d+\]/); // nothing to pick from in one shot

    const gone = startChat(['start', '--once', 'why is pid 3999999 stuck'], terminalEnv(dir));
    expect(await gone.exited()).toBe(1);
    expect(gone.stdout()).toContain('pid 3999999 is not on this machine');

    const words = startChat(['start', '--once', 'make me a sandwich'], terminalEnv(dir));
    expect(await words.exited()).toBe(2);
    expect(words.stdout()).toContain('I didn\'t understand "make me a sandwich"');
  });

  const setpriv = spawnSync('setpriv', ['--version']).status === 0;
  // nobody must be able to reach the checkout: a clone under /root or any 0700 parent is out of its reach.
  const reachable = checkoutReachableByOthers();
  if (setpriv && !reachable.ok) it.todo(`as nobody: skipped, ${reachable.why}`);
  (setpriv && reachable.ok ? it : it.skip)('without root (setpriv to nobody, no capabilities): still diagnoses the zombie, says what root would add, and the signal fails without harm', async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(1, pod);
    const dir = tempDir(0o777);
    const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'];
    const env = terminalEnv(dir, { WHYSTUCK_DB: join(dir, 'nobody.db') });
    const once = startChat(['start', '--once', `why is pid ${zombiePids[0]} stuck`], env, nobody);
    // The exit code with what was said: a failure shows why.
    expect({ code: await once.exited(), stdout: once.stdout(), stderr: once.stderr() }).toMatchObject({ code: 0 });
    expect(once.stdout()).toMatch(/zombie/i);
    expect(once.stdout()).toContain(String(parentPid));
    expect(once.stderr()).toContain('Running as nobody, not root: less evidence. With root (`sudo npm start`) the collector could also:');
    expect(once.stderr()).toMatch(/read other tasks' kernel stacks \(\/proc\/PID\/stack\) — CAP_SYS_ADMIN/);
    expect(once.stderr()).toContain('Remediation can signal only processes of your own user.');

    const chat = startChat(['start'], env, nobody);
    onCleanup('chat', () => chat.kill());
    await chat.waitFor(/Running as nobody, not root/);
    let mark = chat.stdout().length;
    chat.send(`why is pid ${zombiePids[0]} stuck`);
    const choice = await chat.waitFor(new RegExp(`\\[(\\d+)\\] SIGTERM ${parentPid} \\(python3\\)`), { from: mark });
    mark = chat.stdout().length;
    chat.send(choice[1]);
    await chat.waitFor(/Send SIGTERM\? \[y\/N\]/, { from: mark });
    chat.send('y');
    await chat.waitFor(new RegExp(`SIGTERM to ${parentPid} was not sent|FAILED`), { from: mark });
    chat.send('quit');
    expect(await chat.exited()).toBe(0);
    expect(stateOf(parentPid)).toBe('S');
  });
});

const fuse = fuseAvailable();
(can.ok && fuse.ok ? describe : describe.skip)('seed 000 in the terminal (the README example)', () => {
  afterEach(cleanupAll);

  it('a pod whose PID-namespace teardown waits on a task in D behind FUSE: named as such, nothing offered that cannot work', async () => {
    const pod = createPodCgroup();
    const { initPid, mnt } = await spawnBlockedPidnsTeardown(pod);
    const ns = { initPid };
    const dir = tempDir();
    const chat = startChat(['start'], terminalEnv(dir, { WHYSTUCK_NODE_NAME: 'node-7' }));
    onCleanup('chat', () => chat.kill());
    await chat.waitFor(/quit` to leave/);
    let mark = chat.stdout().length;
    chat.send(`why is pod ${pod.podUid.slice(0, 8)} stuck terminating?`);
    await chat.waitFor(/\[\d+\] Recheck/, { from: mark });
    const answer = chat.stdout().slice(mark);
    expect(answer).toContain(`[CRITICAL] PID-namespace teardown blocked: sleep (pid ${ns.initPid}) waits in zap_pid_ns_processes for stat (pid `);
    expect(answer).toContain(`${ns.initPid}`);
    expect(answer).toMatch(/stat \(pid \d+\)/);
    expect(answer).not.toMatch(/\[\d+\] SIG(KILL|TERM) /); // no signal would end it: none is a choice
    const stat = /stat \(pid (\d+)\)/.exec(answer)![1];
    mark = chat.stdout().length;
    chat.send(`show the stack of ${ns.initPid}`);
    await chat.waitFor(/zap_pid_ns_processes/, { from: mark });
    mark = chat.stdout().length;
    chat.send(`kill ${stat}`);
    await chat.waitFor(new RegExp(`SIGKILL cannot end pid ${stat}|no finding that SIGKILL to ${stat}`), { from: mark });
    chat.send('quit');
    expect(await chat.exited()).toBe(0);
    if (process.env.WHYSTUCK_TRANSCRIPT) writeFileSync(process.env.WHYSTUCK_TRANSCRIPT, chat.stdout());
    mnt.abort();
  });
});

describe('npm start with Slack credentials', () => {
  afterEach(cleanupAll);

  it('runs the Slack bot instead of the terminal chat', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whystuck-term-'));
    onCleanup('temp dir', () => rmSync(dir, { recursive: true, force: true }));
    const bot = startChat(
      ['start'],
      terminalEnv(dir, {
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: 'secret',
        WHYSTUCK_ACTION_SECRET: '3fb6de0af80513e80ff6b6df4d47a321e1f178a989639c0251003d235dfb9f9e',
        PORT: '0',
        WHYSTUCK_COLLECTORS: 'test-node=127.0.0.1:1',
        WHYSTUCK_COLLECTOR_INSECURE: '1',
      }),
    );
    onCleanup('bot', () => bot.kill());
    await waitFor(() => /whystuck bot started/.test(bot.stderr()), 'the bot to start', 20_000);
    expect(bot.stdout()).not.toContain('a chat about');
    bot.child.kill('SIGTERM');
    expect(await bot.exited()).toBe(0);
  });
});

/** Can a user with no groups (nobody) reach and read this checkout? Every parent directory needs o+x, the files o+r. */
function checkoutReachableByOthers(): { ok: true } | { ok: false; why: string } {
  let dir = resolve(__dirname, '../../..');
  const file = join(dir, 'bin', 'whystuck.js');
  if ((statSync(file).mode & 0o004) === 0) return { ok: false, why: `${file} is not readable by others` };
  for (;;) {
    if ((statSync(dir).mode & 0o001) === 0) return { ok: false, why: `${dir} is not searchable by others (mode ${(statSync(dir).mode & 0o777).toString(8)})` };
    const up = dirname(dir);
    if (up === dir) return { ok: true };
    dir = up;
  }
}
