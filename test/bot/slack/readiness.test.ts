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
    expect(await ok.json()).toMatchObject({ ready: true, store: 'sqlite', status: 'ok', slack: { status: 'ok' } });

    await t.slack.close(); // Slack's Web API gone (network partition, outage)
    const down = await fetch(readyz);
    expect(down.status).toBe(503);
    const body = await down.json() as { ready: boolean; slack: { status: string; message: string } };
    expect(body).toMatchObject({ ready: false, status: 'ok', slack: { status: 'unavailable' } });
    expect(body.slack.message).toMatch(/Slack's Web API \(auth\.test\)/);
    expect(JSON.stringify(body)).not.toContain('xoxb-');
  });

  it('asks Slack at most once per interval, however often it is probed', async () => {
    t = await startTestBot({ slackProbeTtlMs: 60_000 });
    const readyz = t.url.replace('/slack/events', '/readyz');
    for (let i = 0; i < 5; i++) expect((await fetch(readyz)).status).toBe(200);
    expect(t.slack.calls.filter((c) => c.method === 'auth.test')).toHaveLength(1);
  });
});
