import { runBot, runConfigCheck } from '../../../bot/src/cli/run-bot';

const sink = () => {
  const out: string[] = [];
  return { out, w: { write: (s: string) => out.push(s) } };
};

describe('whystuck config check', () => {
  it('summarises a good configuration without printing secrets', async () => {
    const o = sink();
    const e = sink();
    const code = await runConfigCheck(
      {
        SLACK_BOT_TOKEN: 'xoxb-1-secret-token',
        SLACK_SIGNING_SECRET: 'shh-signing',
        WHYSTUCK_COLLECTORS: 'n1=127.0.0.1:7443',
        WHYSTUCK_COLLECTOR_INSECURE: '1',
        WHYSTUCK_REMEDIATORS: 'U0ONCALL',
        PAGERDUTY_ROUTING_KEY: 'pd-key-secret',
        WHYSTUCK_ACTION_SECRET: 'gR3r8lTbsgzUiMwV7n5VjX8tx4e/nQECSrweVgNCSP0hZ1NspMa7aUrZJba07WCi',
      },
      o.w,
      e.w,
    );
    expect(code).toBe(0);
    const text = o.out.join('');
    expect(text).toMatch(/mode: HTTP on port 3000/);
    expect(text).toMatch(/collectors: n1=127.0.0.1:7443 \(plaintext, loopback only\)/);
    expect(text).not.toMatch(/secret|shh|pd-key/);
    expect(text).toMatch(/store: SQLite whystuck\.db \(one replica; set WHYSTUCK_DATABASE_URL for PostgreSQL shared by several\), (writable|will be created)/);
  });

  it('names the PostgreSQL store, says when it cannot connect, never shows the password; a bad URL exits 2', async () => {
    const o = sink();
    const code = await runConfigCheck(
      {
        SLACK_BOT_TOKEN: 'xoxb-1-secret-token',
        SLACK_SIGNING_SECRET: 'shh-signing',
        WHYSTUCK_COLLECTORS: 'n1=127.0.0.1:7443',
        WHYSTUCK_COLLECTOR_INSECURE: '1',
        WHYSTUCK_REMEDIATORS: 'U0ONCALL',
        WHYSTUCK_DATABASE_URL: 'postgres://bot:pw-do-not-print@127.0.0.1:9/whystuck',
      },
      o.w,
      sink().w,
    );
    expect(code).toBe(1);
    const text = o.out.join('');
    expect(text).toMatch(/store: PostgreSQL bot@127\.0\.0\.1:9\/whystuck \(shared by every replica\)/);
    expect(text).toMatch(/problem: cannot connect to PostgreSQL bot@127\.0\.0\.1:9\/whystuck: .*check WHYSTUCK_DATABASE_URL/);
    expect(text).not.toContain('pw-do-not-print');
    const e = sink();
    expect(await runConfigCheck({ WHYSTUCK_DATABASE_URL: 'mysql://u:pw-do-not-print@db/x' }, sink().w, e.w)).toBe(2);
    expect(e.out.join('')).toMatch(/configuration error: WHYSTUCK_DATABASE_URL: has scheme "mysql": use postgres:\/\/USER:PASSWORD@HOST:5432\/DATABASE/);
    expect(e.out.join('')).not.toContain('pw-do-not-print');
  });

  it('lists what is missing and exits 1; a bad value exits 2 naming the key', async () => {
    const o = sink();
    expect(await runConfigCheck({}, o.w, sink().w)).toBe(1);
    expect(o.out.join('')).toMatch(/problem: SLACK_BOT_TOKEN is not set/);
    const e = sink();
    expect(await runConfigCheck({ WHYSTUCK_COLLECTORS: 'x' }, sink().w, e.w)).toBe(2);
    expect(e.out.join('')).toMatch(/configuration error: WHYSTUCK_COLLECTORS/);
  });
});

describe('whystuck bot', () => {
  it('refuses to start without Slack credentials, pointing to the terminal mode', async () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await runBot({})).toBe(2);
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(/set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET/);
    } finally {
      write.mockRestore();
    }
  });
});
