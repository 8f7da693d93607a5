import { readFileSync } from 'node:fs';
import { signAction } from '../../../bot/src/conversation/action-token';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { ACTION_SECRET, startTestBot, type TestBot } from '../../helpers/bot/test-bot';
import { blockActionBody } from '../../helpers/bot/signed-request';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnZombies, stateOf, waitFor } from '../../helpers/kernel/processes';

const can = cgroupV1Available();

/** The start time (clock ticks since boot) the collector's PID-reuse guard checks: field 22 of /proc/PID/stat. */
const startTimeOf = (pid: number): number =>
  Number(
    readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .split(' ')[19],
  );

/**
 * A click sends its signal before anything that can wait on Slack: Slack's
 * Web API retries for minutes, so a message posted first could hold the
 * signal that long. And the token's expiry is checked again right before
 * sending, after the user-group lookup and the audit write.
 */
(can.ok ? describe : describe.skip)('a remediation click: the signal does not wait on Slack', () => {
  let harness: Harness;
  let t: TestBot;

  beforeAll(async () => {
    harness = await startHarness({ remediator: { allowHostProcesses: false } });
    const tls = harness.clientTls('whystuck-bot');
    t = await startTestBot({
      env: {
        WHYSTUCK_COLLECTORS: `node-a=${harness.address}`,
        WHYSTUCK_COLLECTOR_TLS_CERT: tls.cert,
        WHYSTUCK_COLLECTOR_TLS_KEY: tls.key,
        WHYSTUCK_COLLECTOR_TLS_CA: tls.ca,
        WHYSTUCK_REMEDIATORS: 'U0ONCALL,S0SRE',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await harness?.close();
  });
  afterEach(cleanupAll);

  const click = (user: string, value: string): Promise<{ status: number }> =>
    t.send(blockActionBody({ user, channel: 'C0INCIDENT', messageTs: '1.1', threadTs: '1.0', actionId: 'remediate_0', value }));

  it('signals while chat.postMessage gets no answer, then posts in order once Slack answers', async () => {
    const pod = createPodCgroup();
    const { parentPid } = await spawnZombies(1, pod);
    const token = signAction(ACTION_SECRET, { node: 'node-a', pid: parentPid, startTime: startTimeOf(parentPid), comm: 'python3', signal: 'SIGTERM', podUid: pod.podUid, findingId: 'zombie' }, 60_000);
    const release = t.slack.hold('chat.postMessage');
    try {
      expect((await click('U0ONCALL', token)).status).toBe(200);
      // The parent is gone while the thread's first message still waits on Slack.
      await waitFor(() => stateOf(parentPid) === undefined, 'the parent to exit while Slack holds every post');
      expect(t.slack.calls.some((c) => c.method === 'chat.postMessage (held)')).toBe(true);
      expect(t.slack.calls.some((c) => c.method === 'chat.postMessage')).toBe(false);
    } finally {
      release();
    }
    const result = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && /SIGNALLED/.test(String(c.args.text)));
    const announced = t.slack.calls.find((c) => c.method === 'chat.postMessage' && /is sending SIGTERM/.test(String(c.args.text)))!;
    expect(announced).toBeDefined();
    // The thread reads in order: the announcement, then the result.
    expect(t.slack.calls.indexOf(announced)).toBeLessThan(t.slack.calls.indexOf(result));
    expect((await t.store.listAudit()).find((e) => e.pid === parentPid)).toMatchObject({ outcome: 'SIGNALLED', user: 'U0ONCALL' });
  });

  it('a token that expires while the user group is read from a slow Slack is refused right before sending, audited, nothing sent', async () => {
    const pod = createPodCgroup();
    const { parentPid } = await spawnZombies(1, pod);
    t.slack.setGroup('S0SRE', ['U0SRE']);
    const token = signAction(ACTION_SECRET, { node: 'node-a', pid: parentPid, startTime: startTimeOf(parentPid), comm: 'python3', signal: 'SIGTERM', podUid: pod.podUid, findingId: 'zombie' }, 1500);
    const release = t.slack.hold('usergroups.users.list');
    try {
      expect((await click('U0SRE', token)).status).toBe(200);
      await t.slack.waitFor((c) => c.method === 'usergroups.users.list (held)');
      // Valid when clicked; Slack answers the group lookup only after the token's expiry.
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      release();
    }
    await t.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.args.user === 'U0SRE' && /expired before the signal could be sent/.test(String(c.args.text)));
    expect(stateOf(parentPid)).toBe('S');
    expect((await t.store.listAudit()).filter((e) => e.pid === parentPid)).toEqual([expect.objectContaining({ user: 'U0SRE', outcome: 'REFUSED_EXPIRED', signal: 'SIGTERM' })]);
  });
});
