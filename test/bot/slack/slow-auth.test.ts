import { slashCommandBody } from '../../helpers/bot/signed-request';
import { startTestBot, type TestBot } from '../../helpers/bot/test-bot';

/**
 * Bolt asks Slack who the bot is (auth.test) before it handles the first
 * request. Asked with the Web API's retries, a slow Slack held every request
 * behind that question for minutes, past Slack's 3 s deadline: they were
 * lost. Asked once, without retries and with a short timeout, the request
 * fails fast (Slack redelivers it) and the next one is answered.
 */
describe('a slow auth.test does not hold requests', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers while auth.test hangs, without retrying it; answers normally once Slack does', async () => {
    t = await startTestBot();
    const release = t.slack.hold('auth.test');
    let answered = false;
    try {
      const first = await t.send(slashCommandBody('make it faster please'));
      answered = true;
      // Answered (an error: Slack will redeliver) while Slack still has not answered auth.test.
      expect(first.status).toBeGreaterThanOrEqual(400);
      expect(t.slack.calls.filter((c) => c.method === 'auth.test (held)')).toHaveLength(1);
    } finally {
      release();
    }
    expect(answered).toBe(true);
    const second = await t.send(slashCommandBody('make it faster please'));
    expect(second.status).toBe(200);
    await t.slack.waitFor((c) => c.method === 'chat.postEphemeral' && String(c.args.text).includes("didn't understand"));
  });

  it('a rate-limited auth.test is not waited out: the next request asks again at once and is answered', async () => {
    t = await startTestBot();
    // Slack says "retry in 60 s": with the Web API's retries every request would wait behind that minute.
    t.slack.rateLimitNext('auth.test', 60);
    const first = await t.send(slashCommandBody('make it faster please'));
    expect(first.status).toBeGreaterThanOrEqual(400);
    const second = await t.send(slashCommandBody('make it faster please'));
    expect(second.status).toBe(200);
    await t.slack.waitFor((c) => c.method === 'chat.postEphemeral' && String(c.args.text).includes("didn't understand"), 5000);
    expect(t.slack.calls.map((c) => c.method).filter((m) => m.startsWith('auth.test'))).toEqual(['auth.test (429)', 'auth.test']);
  });
});
