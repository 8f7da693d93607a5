import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfigCheck } from '../../../bot/src/cli/run-bot';
import { ConfigError, loadConfig } from '../../../bot/src/config';

/** Who may ask (issue 17): WHYSTUCK_SLACK_TEAM_ID, WHYSTUCK_CHANNELS, WHYSTUCK_READERS — parsed, checked and said by `config check`. */

const GOOD = {
  SLACK_BOT_TOKEN: 'xoxb-1-secret-token',
  SLACK_SIGNING_SECRET: 'shh-signing',
  WHYSTUCK_ACTION_SECRET: 'aGDnE1I09T6yFhmZoy+KwExEg0bbJKnjBNLkMZrwX3N9JFkS3DHJ2cfnn2m7A7Qw',
  WHYSTUCK_COLLECTORS: 'n1=127.0.0.1:7443',
  WHYSTUCK_COLLECTOR_INSECURE: '1',
  WHYSTUCK_REMEDIATORS: 'U0ONCALL',
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'whystuck-read-access-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function check(env: Record<string, string>): Promise<string> {
  const out: string[] = [];
  await runConfigCheck({ ...GOOD, WHYSTUCK_DB: join(dir, 'check.db'), ...env }, { write: (s: string) => out.push(s) }, { write: () => true });
  return out.join('');
}

const configError = (env: Record<string, string>, file?: string): ConfigError => {
  try {
    loadConfig(env, file);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
};

describe('who may ask: settings', () => {
  it("unset: every channel, everyone in them, the token's own workspace — and config check says so", async () => {
    const c = loadConfig(GOOD, undefined);
    expect(c.slack).toMatchObject({ teams: undefined, channels: undefined, readers: undefined });
    const text = await check({});
    expect(text).toMatch(/^workspace: the bot token's own, from auth\.test at the first request \(WHYSTUCK_SLACK_TEAM_ID unset\); requests from another are refused$/m);
    expect(text).toMatch(/^answers in: every channel the bot is in or is asked from \(WHYSTUCK_CHANNELS unset\)$/m);
    expect(text).toMatch(/^readers: everyone in the allowed channels \(WHYSTUCK_READERS unset\)$/m);
    expect(text).toMatch(/^ {2}WHYSTUCK_CHANNELS \/ channels = \(unset\)$/m);
    // Blank is unset, not "no channel".
    expect(loadConfig({ ...GOOD, WHYSTUCK_CHANNELS: '', WHYSTUCK_READERS: '' }, undefined).slack.channels).toBeUndefined();
  });

  it('set: the lists and the team, with the watch-mode alert channel always answered', async () => {
    const env = { WHYSTUCK_CHANNELS: 'C0INCIDENT, G0SRE', WHYSTUCK_READERS: 'U0READER,S0READERS', WHYSTUCK_SLACK_TEAM_ID: 'T0ACME', WHYSTUCK_ALERT_CHANNEL: 'C0ALERTS' };
    expect(loadConfig({ ...GOOD, ...env }, undefined).slack).toMatchObject({ channels: ['C0INCIDENT', 'G0SRE'], readers: ['U0READER', 'S0READERS'], teams: ['T0ACME'] });
    const text = await check(env);
    expect(text).toMatch(/^workspace: T0ACME \(WHYSTUCK_SLACK_TEAM_ID\); requests from another are refused$/m);
    expect(text).toMatch(/^answers in: C0INCIDENT, G0SRE, C0ALERTS only \(WHYSTUCK_CHANNELS, and the alert channel\); requests from any other channel are refused$/m);
    expect(text).toMatch(/^readers: U0READER, S0READERS and the remediators \(WHYSTUCK_READERS\)$/m);
    expect(await check({ WHYSTUCK_SLACK_TEAM_ID: 'T0ACME,T0ACMEEU' })).toMatch(/^workspaces: T0ACME, T0ACMEEU \(WHYSTUCK_SLACK_TEAM_ID\); requests from another are refused$/m);
  });

  it('from the YAML file', () => {
    const file = join(dir, 'read.yaml');
    writeFileSync(file, 'channels: [C0INCIDENT]\nreaders: [S0READERS]\nslackTeamId: T0ACME\n');
    expect(loadConfig(GOOD, file).slack).toMatchObject({ channels: ['C0INCIDENT'], readers: ['S0READERS'], teams: ['T0ACME'] });
    // An Enterprise Grid organisation's workspaces: a YAML list, or one comma-separated string.
    writeFileSync(file, 'slackTeamId: [T0ACME, T0ACMEEU]\n');
    expect(loadConfig(GOOD, file).slack.teams).toEqual(['T0ACME', 'T0ACMEEU']);
    writeFileSync(file, 'slackTeamId: "T0ACME, T0ACMEEU"\n');
    expect(loadConfig(GOOD, file).slack.teams).toEqual(['T0ACME', 'T0ACMEEU']);
    writeFileSync(file, 'channels: []\n');
    expect(configError(GOOD, file).message).toBe(`${file}: channels: "" is empty: list at least one id, or unset it (unset = every channel)`);
  });

  it.each([
    [{ WHYSTUCK_CHANNELS: 'C0INCIDENT,#incidents' }, 'WHYSTUCK_CHANNELS', '#incidents', /is not a Slack channel id: use the id/],
    [{ WHYSTUCK_READERS: 'U0READER,alice' }, 'WHYSTUCK_READERS', 'alice', /is not a Slack user id \(U…\/W…\) or user-group id \(S…\)/],
    [{ WHYSTUCK_SLACK_TEAM_ID: 'acme' }, 'WHYSTUCK_SLACK_TEAM_ID', 'acme', /is not a Slack workspace \(team\) id: T…/],
    [{ WHYSTUCK_SLACK_TEAM_ID: 'T0ACME,E0ACMEORG' }, 'WHYSTUCK_SLACK_TEAM_ID', 'E0ACMEORG', /an Enterprise Grid organisation \(E…\) is named by its workspaces' ids/],
    [{ WHYSTUCK_CHANNELS: ',' }, 'WHYSTUCK_CHANNELS', '', /is empty: list at least one id, or unset it/],
  ])('a bad value: %j', (env, key, value, allowed) => {
    const e = configError({ ...GOOD, ...env });
    expect(e.key).toBe(key);
    expect(e.value).toBe(value);
    expect(e.detail).toMatch(allowed);
  });
});
