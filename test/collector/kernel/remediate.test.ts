import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseStat } from '../../../collector/src/procfs/parse-stat';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { cleanupAll, trackPid } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { stateOf, waitFor } from '../../helpers/kernel/processes';

const can = cgroupV1Available();
const describeKernel = can.ok ? describe : describe.skip;
if (!can.ok) process.stderr.write(`remediation tests skipped: ${can.reason}\n`);

const identity = (pid: number): { start: number; comm: string } => {
  const s = parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  if (!s) throw new Error(`no stat for ${pid}`);
  return { start: s.startTime, comm: s.comm };
};

describeKernel('Remediate: guarded signals', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  afterEach(cleanupAll);

  async function podSleeper(): Promise<number> {
    const pod = createPodCgroup();
    const child = spawn('sh', ['-c', 'read go; exec sleep 100000'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const pid = trackPid(child.pid);
    pod.addPid(pid);
    child.stdin?.end('go\n');
    await waitFor(() => identity(pid).comm === 'sleep', 'sleep to start');
    return pid;
  }

  const remediate = async (pid: number, start: number, comm: string, signal: 'SIGKILL' | 'SIGTERM' | 'SIGCONT' | 'SIGNAL_UNSPECIFIED' = 'SIGKILL') => {
    const res = await h.client('whystuck-bot').remediate({ pid, start_time_ticks: start, expected_comm: comm, signal, requester: 'slack:U123', reason: 'test', node: h.nodeName });
    if (res.status !== 'ok') throw new Error(`remediate failed: ${JSON.stringify(res)}`);
    return res.value;
  };

  it('kills a pod process through a pidfd and reports it gone', async () => {
    const pid = await podSleeper();
    const { start, comm } = identity(pid);
    const res = await remediate(pid, start, comm);
    expect(res).toMatchObject({ status: 'SIGNALLED', used_pidfd: true, still_present: false });
    expect(res.message).toMatch(/it is gone/);
    expect(stateOf(pid)).toBeUndefined();
  });

  it('refuses when the start time differs (PID reuse) and signals nothing', async () => {
    const pid = await podSleeper();
    const { start, comm } = identity(pid);
    const res = await remediate(pid, start - 1, comm);
    expect(res.status).toBe('PID_REUSED');
    expect(res.message).toMatch(/nothing was signalled/);
    expect(stateOf(pid)).toBe('S');
  });

  it('refuses when the comm differs', async () => {
    const pid = await podSleeper();
    const { start } = identity(pid);
    expect((await remediate(pid, start, 'prometheus')).status).toBe('PID_REUSED');
    expect(stateOf(pid)).toBe('S');
  });

  it('reports a process that is gone already', async () => {
    const pid = await podSleeper();
    const { start, comm } = identity(pid);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => stateOf(pid) === undefined, 'the sleeper to be reaped');
    expect((await remediate(pid, start, comm)).status).toBe('NOT_FOUND');
  });

  it.each([
    ['host PID 1', () => 1],
    ['a kernel thread (kthreadd)', () => 2],
    ['the collector itself', () => process.pid],
  ])('protects %s', async (_name, pidOf) => {
    const pid = pidOf();
    const { start, comm } = identity(pid);
    const res = await remediate(pid, start, comm);
    expect(res.status).toBe('PROTECTED');
  });

  it('protects host processes outside pod cgroups unless allowed', async () => {
    const child = spawn('sleep', ['100000'], { stdio: 'ignore' });
    const pid = trackPid(child.pid);
    await waitFor(() => identity(pid).comm === 'sleep', 'sleep to start');
    const { start, comm } = identity(pid);
    const res = await remediate(pid, start, comm);
    expect(res.status).toBe('PROTECTED');
    expect(res.message).toMatch(/--allow-host-processes/);
    expect(stateOf(pid)).toBe('S');
  });

  it('allows only SIGTERM, SIGKILL and SIGCONT', async () => {
    const pid = await podSleeper();
    const { start, comm } = identity(pid);
    expect((await remediate(pid, start, comm, 'SIGNAL_UNSPECIFIED')).status).toBe('SIGNAL_NOT_ALLOWED');
    expect(stateOf(pid)).toBe('S');
  });

  it('answers INVALID_ARGUMENT for requests without the snapshot identity', async () => {
    const res = await h.client('whystuck-bot').remediate({ pid: -5, start_time_ticks: 1, expected_comm: 'x', signal: 'SIGKILL', requester: 'r', node: h.nodeName });
    expect(res).toMatchObject({ status: 'rejected', code: 3 });
    const res2 = await h.client('whystuck-bot').remediate({ pid: 100, start_time_ticks: 0, expected_comm: 'x', signal: 'SIGKILL', requester: 'r', node: h.nodeName });
    expect(res2.status === 'rejected' && res2.message).toMatch(/start_time_ticks is required/);
  });
});
