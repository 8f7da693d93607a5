import { readFileSync } from 'node:fs';
import { sshRemediate } from '../../../bot/src/nodes/ssh/ssh-remediate';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnPython, stateOf, waitFor } from '../../helpers/kernel/processes';
import { startSshd, sshdAvailable, type TestSshd } from '../../helpers/ssh/sshd-server';
import { silentServer, targetFor } from '../../helpers/ssh/ssh-target';

const sshd = sshdAvailable();
const cg = cgroupV1Available();
if (!sshd.ok || !cg.ok) process.stderr.write(`SSH remediation tests skipped: ${!sshd.ok ? sshd.reason : ''} ${!cg.ok ? cg.reason : ''}\n`);

/** comm and start time as /proc/PID/stat shows them now (what a snapshot carries). */
function identity(pid: number): { comm: string; start: string } {
  const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return { comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), start: s.slice(s.lastIndexOf(')') + 2).split(' ')[19] };
}

(sshd.ok && cg.ok ? describe : describe.skip)('guarded signal over SSH (signal.sh re-checks on the node)', () => {
  let server: TestSshd;
  beforeAll(async () => {
    server = await startSshd();
  });
  afterAll(async () => {
    await cleanupAll();
    await server?.stop();
  });
  afterEach(cleanupAll);

  async function podProcess(): Promise<number> {
    const pod = createPodCgroup();
    const p = await spawnPython('import time\ntime.sleep(100000)', pod);
    // (python3 may be a shell shim that execs the interpreter: wait for the final comm.)
    await waitFor(() => stateOf(p.pid) === 'S' && identity(p.pid).comm === 'python3', 'the sleeper');
    return p.pid;
  }

  it('kills a real process in a pod: SIGNALLED, gone a moment later', async () => {
    const pid = await podProcess();
    const { comm, start } = identity(pid);
    const r = await sshRemediate(targetFor(server), { pid, start_time_ticks: start, expected_comm: comm, signal: 'SIGKILL', requester: 'test' });
    if (r.status !== 'ok') throw new Error(r.message);
    expect(r.value).toMatchObject({ status: 'SIGNALLED', used_pidfd: false });
    expect(r.value.message).toMatch(new RegExp(`^sent SIGKILL to pid ${pid} \\(python3\\) over SSH; (it is gone|about a second later it is still there in state Z)$`));
    await waitFor(() => stateOf(pid) === undefined || stateOf(pid) === 'Z', 'the killed process to die');
    expect(Math.abs(Number(r.value.signalled_at_unix_ms) - Date.now())).toBeLessThan(10000);
  });

  it('SIGCONT to a live process reports it still there, with its state and wait', async () => {
    const pid = await podProcess();
    const { comm, start } = identity(pid);
    const r = await sshRemediate(targetFor(server), { pid, start_time_ticks: start, expected_comm: comm, signal: 'SIGCONT' });
    expect(r).toMatchObject({ status: 'ok', value: { status: 'SIGNALLED', still_present: true, state_after: 'S' } });
    expect(r.status === 'ok' && r.value.message).toMatch(/still there in state S/);
  });

  it('refuses a PID-reuse mismatch (start time or comm differ) and signals nothing', async () => {
    const pid = await podProcess();
    const { comm, start } = identity(pid);
    const wrongStart = await sshRemediate(targetFor(server), { pid, start_time_ticks: String(Number(start) - 1), expected_comm: comm, signal: 'SIGKILL' });
    expect(wrongStart).toMatchObject({ status: 'ok', value: { status: 'PID_REUSED' } });
    expect(wrongStart.status === 'ok' && wrongStart.value.message).toBe(
      `pid ${pid} is now "python3" started at tick ${start}, not "python3" started at tick ${Number(start) - 1}: the process the snapshot saw is gone and its pid was reused; nothing was signalled`,
    );
    const wrongComm = await sshRemediate(targetFor(server), { pid, start_time_ticks: start, expected_comm: 'python3;reboot', signal: 'SIGKILL' });
    expect(wrongComm).toMatchObject({ status: 'ok', value: { status: 'PID_REUSED' } });
    expect(stateOf(pid)).toBe('S');
  });

  it('protects pid 1 (before connecting), kernel threads, host processes, and the SSH session itself', async () => {
    const silent = await silentServer();
    try {
      const one = await sshRemediate(targetFor(server, { port: silent.port }), { pid: 1, start_time_ticks: '1', expected_comm: 'systemd', signal: 'SIGKILL' });
      expect(one).toMatchObject({ status: 'ok', value: { status: 'PROTECTED', message: 'pid 1 of the host is never signalled' } });
      const stop = await sshRemediate(targetFor(server, { port: silent.port }), { pid: 1234, start_time_ticks: '1', expected_comm: 'x', signal: 'SIGSTOP' as never });
      expect(stop).toMatchObject({ status: 'ok', value: { status: 'SIGNAL_NOT_ALLOWED' } });
      const injected = await sshRemediate(targetFor(server, { port: silent.port }), { pid: '1;reboot' as never, start_time_ticks: '1', expected_comm: 'x', signal: 'SIGKILL' });
      expect(injected).toMatchObject({ status: 'rejected', code: 'BAD_REQUEST' });
      expect(silent.connections()).toBe(0);
    } finally {
      await silent.close();
    }
    const k = identity(2);
    const kthread = await sshRemediate(targetFor(server), { pid: 2, start_time_ticks: k.start, expected_comm: k.comm, signal: 'SIGKILL' }, { allowHostProcesses: true });
    expect(kthread).toMatchObject({ status: 'ok', value: { status: 'PROTECTED' } });
    expect(kthread.status === 'ok' && kthread.value.message).toMatch(/kernel thread/);
    const me = identity(process.pid);
    const host = await sshRemediate(targetFor(server), { pid: process.pid, start_time_ticks: me.start, expected_comm: me.comm, signal: 'SIGTERM' });
    expect(host).toMatchObject({ status: 'ok', value: { status: 'PROTECTED' } });
    expect(host.status === 'ok' && host.value.message).toMatch(/not in a Kubernetes pod cgroup/);
    // The sshd listener is an ancestor of the shell that runs the script.
    const d = identity(server.pid);
    const session = await sshRemediate(targetFor(server), { pid: server.pid, start_time_ticks: d.start, expected_comm: d.comm, signal: 'SIGKILL' }, { allowHostProcesses: true });
    expect(session).toMatchObject({ status: 'ok', value: { status: 'PROTECTED' } });
    expect(session.status === 'ok' && session.value.message).toMatch(/part of this SSH session/);
    expect(identity(server.pid).start).toBe(d.start);
  });

  it('a process that is gone: NOT_FOUND', async () => {
    const pid = await podProcess();
    const { comm, start } = identity(pid);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => stateOf(pid) === undefined, 'the process to be reaped');
    const r = await sshRemediate(targetFor(server), { pid, start_time_ticks: start, expected_comm: comm, signal: 'SIGTERM' });
    expect(r).toMatchObject({ status: 'ok', value: { status: 'NOT_FOUND', still_present: false } });
  });
});
