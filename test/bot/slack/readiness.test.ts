import { startTestBot, type TestBot } from '../../helpers/bot/test-bot';

describe('readiness (GET /readyz in HTTP mode)', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.close().catch(() => undefined);
    t = undefined;
  });

  it('is ready while the store and Slack answer; a replica that cannot reach Slack is taken out of the Service', async () => {
    t = await startTestBot({ slackProbeTtlMs: 0 });
    const readyz = t.url.replace('/slack/events', '/readyz');
    const ok = await fetch(readyz);
    expect(ok.status).toBe(200);
    // Ready or not, nothing more: anyone who reaches the port may ask.
    expect(await ok.json()).toEqual({ ready: true });

    await t.slack.close(); // Slack's Web API gone (network partition, outage)
    const down = await fetch(readyz);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ready: false });
    // Why goes to the log, once per change, without the token.
    const why = t.logLines.filter((l) => l.includes('"msg":"not ready"'));
    expect(why).toHaveLength(1);
    expect(why[0]).toMatch(/Slack's Web API \(auth\.test\)/);
    expect(why[0]).toMatch(/"store":\{"kind":"sqlite","status":"ok"/);
    expect(t.logLines.join('\n')).not.toContain('xoxb-');
    await fetch(readyz);
    expect(t.logLines.filter((l) => l.includes('"msg":"not ready"'))).toHaveLength(1);
  });

  it('asks Slack at most once per interval, however often it is probed', async () => {
    t = await startTestBot({ slackProbeTtlMs: 60_000 });
    const readyz = t.url.replace('/slack/events', '/readyz');
    for (let i = 0; i < 5; i++) expect((await fetch(readyz)).status).toBe(200);
    expect(t.slack.calls.filter((c) => c.method === 'auth.test')).toHaveLength(1);
  });
});
