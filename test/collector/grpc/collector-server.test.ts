import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createCertAuthority } from '../../../collector/src/tls/dev-certs';
import { parseStat } from '../../../collector/src/procfs/parse-stat';
import { startHarness, type Harness } from '../../helpers/collector-harness';

describe('collector gRPC server over mutual TLS', () => {
  let h: Harness;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    for (const c of children)
      if (c.pid)
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
    await h.close();
  });

  it("answers a whole-node Snapshot with this machine's tasks, node facts and kernel log", async () => {
    const res = await h.client('whystuck-bot').snapshot({ whole_node: true });
    if (res.status !== 'ok') throw new Error(JSON.stringify(res));
    const snap = res.value;
    const me = snap.tasks.find((t) => t.tid === process.pid);
    expect(me).toBeDefined();
    expect(me?.comm).toBe(parseStat(readFileSync(`/proc/${process.pid}/stat`, 'latin1'))?.comm);
    expect(me?.ppid).toBe(process.ppid);
    expect(me?.start_time_ticks).toBe(parseStat(readFileSync(`/proc/${process.pid}/stat`, 'latin1'))?.startTime);
    // Every thread, not only processes.
    const myThreads = snap.tasks.filter((t) => t.tgid === process.pid);
    expect(myThreads.length).toBe(Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${process.pid}/status`, 'latin1'))?.[1]));
    const kthreadd = snap.tasks.find((t) => t.tid === 2);
    expect(kthreadd?.is_kernel_thread).toBe(true);
    expect((kthreadd?.flags ?? 0) & 0x200000).toBe(0x200000);
    expect(snap.node?.kernel_release).toBe(require('node:os').release());
    expect(snap.node?.loadavg?.total).toBeGreaterThan(0);
    expect(snap.node?.cpu?.interval_ms).toBeGreaterThanOrEqual(100);
    expect(String(snap.node?.boot_time_unix)).toMatch(/^\d{10}$/);
    expect(snap.kmsg.length).toBeGreaterThan(0);
    expect(snap.kmsg_next_seq).toBe(snap.kmsg[snap.kmsg.length - 1].seq + 1);
  });

  it('reads the kernel log from a sequence number on', async () => {
    const c = h.client('whystuck-bot');
    const first = await c.snapshot({ whole_node: true, kmsg_since_seq: '0' });
    if (first.status !== 'ok') throw new Error('snapshot failed');
    const last = first.value.kmsg[first.value.kmsg.length - 1];
    const again = await c.snapshot({ pids: { pids: [process.pid] }, kmsg_since_seq: last.seq });
    if (again.status !== 'ok') throw new Error('snapshot failed');
    expect(again.value.kmsg[0]?.seq).toBe(last.seq);
  });

  it('scopes a snapshot to a list of pids and reads their stacks when asked', async () => {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    children.push(child);
    await new Promise((r) => setTimeout(r, 100));
    const res = await h.client('whystuck-bot').snapshot({ pids: { pids: [child.pid as number] }, stack_states: ['S'] });
    if (res.status !== 'ok') throw new Error('snapshot failed');
    expect(res.value.tasks.map((t) => t.pid)).toEqual([child.pid]);
    const t = res.value.tasks[0];
    expect(t.comm).toBe('sleep');
    expect(t.cmdline).toBe('sleep 300');
    expect(t.detail).toBe('DETAIL_FULL');
    expect(t.wchan).toMatch(/nanosleep|schedule/);
    expect(t.stack_read).toBe(true);
    expect(t.stack.map((f) => f.function).join(' ')).toMatch(/nanosleep/);
  });

  it.each([
    [{ pod_uid: 'not-a-uid' }, /pod_uid "not-a-uid" is not a pod UID/],
    [{ pids: { pids: [0] } }, /pid 0 is invalid: pids are integers from 1/],
    [{ pids: { pids: [] } }, /pids is empty/],
    [{ whole_node: true, stack_states: ['Q'] }, /stack state "Q" is invalid/],
    [{ whole_node: true, kmsg_since_seq: '999999999999' }, /kmsg_since_seq 999999999999 is beyond the kernel log/],
  ])('refuses %j with INVALID_ARGUMENT and says what is allowed', async (req, message) => {
    const res = await h.client('whystuck-bot').snapshot(req);
    expect(res.status).toBe('rejected');
    if (res.status === 'rejected') {
      expect(res.code).toBe(3);
      expect(res.message).toMatch(message);
    }
  });

  it('reports health, capabilities and pidfd support', async () => {
    const res = await h.client('whystuck-bot').health();
    if (res.status !== 'ok') throw new Error('health failed');
    expect(res.value.status).toBe('SERVING');
    expect(res.value.capabilities).toContain('CAP_SYS_ADMIN');
    expect(res.value.pidfd_supported).toBe(true);
  });

  it('rejects a client whose certificate another CA signed', async () => {
    const foreign = createCertAuthority('not our CA');
    const res = await h.client('whystuck-bot', { foreignCa: foreign, deadlineMs: 3000 }).health();
    expect(res.status).toBe('unreachable');
  });

  it("refuses Remediate to a client certificate without the bot's URI SAN", async () => {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    children.push(child);
    await new Promise((r) => setTimeout(r, 100));
    const stat = parseStat(readFileSync(`/proc/${child.pid}/stat`, 'latin1'));
    const res = await h
      .client('intruder')
      .remediate({ pid: child.pid, start_time_ticks: stat?.startTime, expected_comm: 'sleep', signal: 'SIGKILL', requester: 'test', reason: 'test', node: h.nodeName });
    if (res.status !== 'ok') throw new Error('remediate call failed');
    expect(res.value.status).toBe('NOT_AUTHORISED');
    expect(res.value.message).toMatch(/only spiffe:\/\/whystuck\/bot may call Remediate: its certificate has no URI SAN/);
    expect(parseStat(readFileSync(`/proc/${child.pid}/stat`, 'latin1'))?.state).toBe('S');
  });
});
