import { WebClient } from '@slack/web-api';
import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { neutraliseMentions, slackBoundaryFetch } from '../../../bot/src/slack/slack-boundary';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { startFakeSlackApi, type FakeSlackApi } from '../../helpers/bot/fake-slack-api';
import { startTestBot, type TestBot } from '../../helpers/bot/test-bot';
import { slashCommandBody } from '../../helpers/bot/signed-request';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { childrenOf, spawnPython, stateOf, waitFor } from '../../helpers/kernel/processes';

/** Every place a text can hide in what was posted: text, blocks, attachments, as the fake received them. */
const posted = (slack: FakeSlackApi): string => JSON.stringify(slack.calls.filter((c) => /^chat\./.test(c.method)).map((c) => c.args));

describe('the Slack boundary: no tenant text notifies a channel or a group', () => {
  const groups = new Set(['S0ONCALL']);

  it('escapes @here, @channel, @everyone and user groups that are not on-call groups; keeps on-call groups, dates and users', () => {
    expect(neutraliseMentions('comm <!here> in D', groups)).toBe('comm &lt;!here&gt; in D');
    expect(neutraliseMentions('<!channel|channel> <!everyone> <!HERE>', groups)).toBe('&lt;!channel|channel&gt; &lt;!everyone&gt; &lt;!HERE&gt;');
    expect(neutraliseMentions('<!subteam^S0EVIL|@admins> and <!subteam^S0ONCALL>', groups)).toBe('&lt;!subteam^S0EVIL|@admins&gt; and <!subteam^S0ONCALL>');
    expect(neutraliseMentions('<!date^1700000000^{time}|10:00> by <@U0ONCALL>', groups)).toBe('<!date^1700000000^{time}|10:00> by <@U0ONCALL>');
    expect(neutraliseMentions('no markup at all', groups)).toBe('no markup at all');
  });

  it('applies to every request of a real Web API client, form-encoded and JSON, text and blocks', async () => {
    const slack = await startFakeSlackApi();
    try {
      const client = new WebClient('xoxb-test', { slackApiUrl: slack.url, fetch: slackBoundaryFetch(() => groups), retryConfig: { retries: 0 } });
      await client.chat.postMessage({ channel: 'C1', text: 'pid 7 (<!here>) is stuck', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*<!channel>* <!subteam^S0ONCALL> paged' } }] });
      await client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'kernel says <!everyone|everyone>' });
      await client.apiCall('chat.update', { channel: 'C1', ts: '1.1', text: '<!subteam^S0OTHER>' });
      const text = posted(slack);
      expect(text).not.toMatch(/<!(?:here|channel|everyone|subteam\^S0OTHER)/i);
      expect(text).toContain('&lt;!here&gt;');
      expect(text).toContain('<!subteam^S0ONCALL>');
    } finally {
      await slack.close();
    }
  });
});

(cgroupV1Available().ok ? describe : describe.skip)('the Slack boundary in the bot: a process named <!here>', () => {
  let harness: Harness;
  let kube: FakeKubeApi;
  let t: TestBot;
  beforeAll(async () => {
    harness = await startHarness({ remediator: { allowHostProcesses: false } });
    kube = await startFakeKubeApi();
    const tls = harness.clientTls('whystuck-bot');
    t = await startTestBot({
      env: {
        WHYSTUCK_COLLECTORS: `node-a=${harness.address}`,
        WHYSTUCK_COLLECTOR_TLS_CERT: tls.cert,
        WHYSTUCK_COLLECTOR_TLS_KEY: tls.key,
        WHYSTUCK_COLLECTOR_TLS_CA: tls.ca,
        WHYSTUCK_REMEDIATORS: 'U0ONCALL',
      },
      kube: createKubeLookup({ kubeconfig: kube.kubeconfig }),
    });
  });
  afterAll(async () => {
    await t?.close();
    await kube?.close();
    await harness?.close();
  });
  afterEach(cleanupAll);

  it('is named in the answer without notifying anyone', async () => {
    const pod = createPodCgroup();
    // A parent that names itself "<!here>" (prctl PR_SET_NAME) and never reaps its children.
    const parent = await spawnPython(
      `import ctypes, os, time
ctypes.CDLL(None).prctl(15, b"<!here>", 0, 0, 0)
for _ in range(2):
    if os.fork() == 0:
        os._exit(0)
time.sleep(100000)`,
      pod,
    );
    await waitFor(() => childrenOf(parent.pid).filter((p) => stateOf(p) === 'Z').length === 2, 'two zombies');
    kube.addPod({ namespace: 'shop', name: 'here-0', uid: pod.podUid, nodeName: 'node-a' });
    await t.send(slashCommandBody('pod here-0 -n shop'));
    await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts !== undefined && JSON.stringify(c.args.blocks ?? '').includes(String(parent.pid)));
    const text = posted(t.slack);
    expect(text).toContain('&lt;!here&gt;');
    expect(text).not.toMatch(/<!here/);
  });
});
