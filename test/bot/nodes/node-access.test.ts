import { createCollectorPool, type CollectorPool } from '../../../bot/src/nodes/collector-pool';
import { remediateNode, snapshotNode } from '../../../bot/src/nodes/node-access';
import type { SshFallback } from '../../../bot/src/nodes/ssh-fallback';
import { startHarness, type Harness } from '../../helpers/collector-harness';

/**
 * The fallback policy, in its one place (bot/src/nodes/node-access.ts), on a
 * real collector over mutual TLS: which transport is tried, which failure
 * lets SSH be tried, and which never does. The SSH side here is the
 * configuration object only (a node with no SSH address), which is enough to
 * see whether it was asked; the real sshd paths are in test/bot/ssh/.
 */
describe('reaching a node: one fallback policy over the collector and SSH transports', () => {
  let h: Harness;
  let pool: CollectorPool;
  const asked: string[] = [];
  const ssh: SshFallback = {
    enabled: true,
    describe: 'test',
    async targetFor(node) {
      asked.push(node);
      return { ok: false, code: 'NO_ADDRESS', message: `no SSH address for node ${node}: not in WHYSTUCK_SSH_HOSTS` };
    },
  };
  const off: SshFallback = { enabled: false, hint: 'To read such nodes over SSH instead, set WHYSTUCK_SSH_KEY_FILE.' };

  beforeAll(async () => {
    h = await startHarness({ nodeName: 'node-a' });
    // node-a is the real collector; node-gone points at a port nothing listens on.
    pool = createCollectorPool({
      addresses: new Map([
        ['node-a', h.address],
        ['node-gone', '127.0.0.1:9'],
      ]),
      tls: h.clientTls('spiffe://whystuck/bot'),
      insecure: false,
      deadlineMs: 3000,
    });
  });
  afterAll(async () => {
    pool?.close();
    await h?.close();
  });
  beforeEach(() => {
    asked.length = 0;
  });

  it('a collector that answers is used, and SSH is not asked', async () => {
    const res = await snapshotNode({ collectors: pool, ssh }, 'node-a', { pids: { pids: [process.pid] } });
    expect(res).toMatchObject({ status: 'ok', source: { path: 'collector', where: h.address } });
    expect(asked).toEqual([]);
  });

  it('a collector that refuses is not bypassed over SSH', async () => {
    const res = await snapshotNode({ collectors: pool, ssh }, 'node-a', { scope: 'pod_uid', pod_uid: 'not-a-uid' } as never);
    expect(res.status).toBe('failed');
    if (res.status !== 'failed') return;
    expect(res.message).toMatch(new RegExp(`^the collector on node-a \\(${h.address.replace(/\./g, '\\.')}\\) refused the snapshot: pod_uid "not-a-uid" is not a pod UID`));
    expect(asked).toEqual([]);
  });

  it('an unreachable collector falls back to SSH, and both failures are named', async () => {
    const res = await snapshotNode({ collectors: pool, ssh }, 'node-gone', { whole_node: true });
    expect(asked).toEqual(['node-gone']);
    expect(res.status).toBe('failed');
    if (res.status !== 'failed') return;
    expect(res.message).toMatch(
      /^I could not read node node-gone through its collector nor over SSH\.\n• Collector: the collector on node-gone \(127\.0\.0\.1:9\) is unreachable: .+\.\n• SSH fallback: no SSH address for node node-gone: not in WHYSTUCK_SSH_HOSTS$/,
    );
  });

  it('a node no collector is configured for goes to SSH too; with SSH off the failure says how to turn it on', async () => {
    const on = await snapshotNode({ collectors: pool, ssh }, 'node-x', { whole_node: true });
    expect(asked).toEqual(['node-x']);
    expect(on).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/^I could not read node node-x through its collector nor over SSH\.\n• Collector: no collector is configured for node node-x/),
    });
    const disabled = await snapshotNode({ collectors: pool, ssh: off }, 'node-x', { whole_node: true });
    expect(disabled).toEqual({
      status: 'failed',
      message: expect.stringMatching(/^no collector is configured for node node-x \(WHYSTUCK_COLLECTORS knows: node-a, node-gone\)$/),
      hint: off.enabled ? undefined : off.hint,
    });
    const absent = await snapshotNode({ collectors: pool }, 'node-x', { whole_node: true });
    expect(absent).toEqual({ status: 'failed', message: expect.stringMatching(/^no collector is configured for node node-x/) });
    expect(absent.status === 'failed' && absent.hint).toBeFalsy();
  });

  it('`via: ssh` goes straight to SSH (the recheck after a signal sent that way); with SSH off it stays with the collector', async () => {
    const straight = await snapshotNode({ collectors: pool, ssh }, 'node-a', { whole_node: true }, { via: 'ssh' });
    expect(asked).toEqual(['node-a']);
    expect(straight).toMatchObject({ status: 'failed', message: 'I could not read node node-a over SSH: no SSH address for node node-a: not in WHYSTUCK_SSH_HOSTS' });
    const stays = await snapshotNode({ collectors: pool, ssh: off }, 'node-a', { pids: { pids: [process.pid] } }, { via: 'ssh' });
    expect(stays).toMatchObject({ status: 'ok', source: { path: 'collector' } });
  });

  it('a remediation goes only the way its diagnosis came, and says whether the request may have left', async () => {
    const req = { pid: process.pid, start_time_ticks: '1', expected_comm: 'node', signal: 'SIGTERM', requester: 'test', reason: 'test', node: 'node-gone' };
    // Never connected: nothing was sent, and SSH is not tried instead.
    const gone = await remediateNode({ collectors: pool, ssh }, 'node-gone', req as never, 'collector');
    expect(gone).toMatchObject({ status: 'failed', message: expect.stringMatching(/^the collector on node-gone is unreachable: /) });
    expect(asked).toEqual([]);
    // Read over SSH, and SSH is off now: refused before anything is sent.
    const sshOff = await remediateNode({ collectors: pool, ssh: off }, 'node-a', req as never, 'ssh');
    expect(sshOff).toEqual({ status: 'failed', message: 'this diagnosis was read over SSH, and the SSH fallback is not configured any more (WHYSTUCK_SSH_KEY_FILE)' });
    // Over SSH with no address: failed, nothing sent.
    const noAddress = await remediateNode({ collectors: pool, ssh }, 'node-a', req as never, 'ssh');
    expect(noAddress).toEqual({ status: 'failed', message: 'no SSH address for node node-a: not in WHYSTUCK_SSH_HOSTS' });
  });

  it('a Remediate the collector refuses before acting (INVALID_ARGUMENT) is failed, not unknown; a refusal in the answer (a read-only identity, another node) comes back as the answer', async () => {
    const req = { pid: process.pid, start_time_ticks: '1', expected_comm: 'node', signal: 'SIGTERM', requester: 'test', reason: 'test', node: 'node-a' };
    const invalid = await remediateNode({ collectors: pool }, 'node-a', { ...req, requester: '' } as never, 'collector');
    expect(invalid).toMatchObject({ status: 'failed', message: expect.stringMatching(/^the collector refused: /) });
    const reader = createCollectorPool({ addresses: new Map([['node-a', h.address]]), tls: h.clientTls('spiffe://whystuck/reader'), insecure: false, deadlineMs: 3000 });
    try {
      const refused = await remediateNode({ collectors: reader }, 'node-a', req as never, 'collector');
      expect(refused).toMatchObject({ status: 'ok', value: { status: 'NOT_AUTHORISED', still_present: true } });
    } finally {
      reader.close();
    }
    const wrong = await remediateNode({ collectors: pool }, 'node-a', { ...req, node: 'node-b' } as never, 'collector');
    expect(wrong).toMatchObject({ status: 'ok', value: { status: 'WRONG_NODE' } });
  });
});
