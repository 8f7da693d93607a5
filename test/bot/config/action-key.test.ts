import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { runBot, runConfigCheck } from '../../../bot/src/cli/run-bot';
import { actionKeyBytes, ConfigError, loadConfig, requireActionKey } from '../../../bot/src/config';
import { repoPath } from '../../helpers/deploy/render-kustomize';

/**
 * The action key (WHYSTUCK_ACTION_SECRET) signs remediation buttons: the Slack
 * bot requires it, at least 32 random bytes of its own; a bad one is a
 * ConfigError naming the key, what is wrong and the fix, never the value.
 */
const SIGNING = randomBytes(16).toString('hex'); // Slack's signing secrets are 32 hex digits
const SLACK = { SLACK_BOT_TOKEN: `xoxb-1-${randomBytes(12).toString('hex')}`, SLACK_SIGNING_SECRET: SIGNING };
const GOOD_KEY = randomBytes(48).toString('base64');
const sink = () => {
  const out: string[] = [];
  return { text: () => out.join(''), w: { write: (s: string) => out.push(s) } };
};

/** The ConfigError loadConfig throws for this action key (with the Slack secrets and `extra`). */
function refusal(key: string, extra: Record<string, string> = {}): ConfigError {
  try {
    loadConfig({ ...SLACK, ...extra, WHYSTUCK_ACTION_SECRET: key }, undefined);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    expect(e.key).toBe('WHYSTUCK_ACTION_SECRET');
    if (key.trim()) expect(e.message).not.toContain(key.trim());
    expect(e.message).toMatch(/\(value not shown\); make one with `openssl rand -base64 48`/);
    return e;
  }
  throw new Error('the action key was accepted');
}

describe('the action key (WHYSTUCK_ACTION_SECRET)', () => {
  it('accepts 32+ random bytes, as hex, base64 (either alphabet) or text', () => {
    for (const key of [
      randomBytes(32).toString('hex'),
      GOOD_KEY,
      randomBytes(32).toString('base64'),
      randomBytes(32).toString('base64url'),
      randomBytes(40).toString('base64url').replace(/[-_]/g, '~'),
    ]) {
      expect(loadConfig({ ...SLACK, WHYSTUCK_ACTION_SECRET: key }, undefined).actionSecret).toBe(key);
    }
  });

  it('counts the bytes a hex or base64 value decodes to, else its UTF-8 bytes', () => {
    expect(actionKeyBytes('ab'.repeat(32))).toMatchObject({ encoding: 'hex', bytes: expect.objectContaining({ length: 32 }) });
    expect(actionKeyBytes(randomBytes(48).toString('base64'))).toMatchObject({ encoding: 'base64', bytes: expect.objectContaining({ length: 48 }) });
    expect(actionKeyBytes(randomBytes(33).toString('base64url'))).toMatchObject({ encoding: 'base64', bytes: expect.objectContaining({ length: 33 }) });
    expect(actionKeyBytes('zß!'.repeat(4))).toMatchObject({ encoding: 'text', bytes: expect.objectContaining({ length: 16 }) });
  });

  it('refuses a key shorter than 32 bytes, counted after decoding', () => {
    expect(refusal(randomBytes(16).toString('hex')).message).toMatch(
      /^WHYSTUCK_ACTION_SECRET: is 16 bytes \(read as hex\): it must be at least 32 random bytes \(value not shown\); make one with `openssl rand -base64 48`/,
    );
    // 40 hex digits are 20 bytes, not 40; 32 base64 characters are 24 bytes.
    expect(refusal(randomBytes(20).toString('hex')).message).toMatch(/is 20 bytes \(read as hex\)/);
    expect(refusal(randomBytes(24).toString('base64')).message).toMatch(/is 24 bytes \(read as base64\)/);
    expect(refusal('short!').message).toMatch(/is 6 bytes \(as UTF-8 text\)/);
    expect(refusal('').message).toMatch(/is empty/);
  });

  it('refuses one character or a short pattern repeated', () => {
    expect(refusal('a'.repeat(64)).message).toMatch(/is one character repeated: it must be random bytes/);
    expect(refusal('0'.repeat(64)).message).toMatch(/is one character repeated/);
    expect(refusal('abc123'.repeat(11)).message).toMatch(/is a pattern of 6 characters repeated/);
    expect(refusal('deadbeef'.repeat(8)).message).toMatch(/is a pattern of 8 characters repeated/);
    const unit = randomBytes(16).toString('hex');
    expect(refusal(`${unit}${unit}${unit.slice(0, 10)}`).message).toMatch(/is a pattern of 32 characters repeated/); // cut short
    expect(refusal(`${'a'.repeat(60)}b!`).message).toMatch(/too alike to be random/);
  });

  it("refuses a placeholder, such as the dev overlay's example", () => {
    const example = /^WHYSTUCK_ACTION_SECRET=(.*)$/m.exec(readFileSync(repoPath('deploy/kustomize/overlays/dev/slack.env.example'), 'utf8'))![1];
    expect(() => loadConfig({ ...SLACK, WHYSTUCK_ACTION_SECRET: example }, undefined)).toThrow(/^WHYSTUCK_ACTION_SECRET: /);
    expect(refusal('replace-with-the-output-of-openssl-rand-base64-48!!').message).toMatch(/placeholder/);
  });

  it('refuses the Slack signing secret, the bot token or any other configured secret, and keys derived from them', () => {
    const long = randomBytes(32).toString('hex');
    expect(refusal(long, { SLACK_SIGNING_SECRET: long }).message).toMatch(/^WHYSTUCK_ACTION_SECRET: is the same as SLACK_SIGNING_SECRET: it must be a key of its own/);
    // The same as a short signing secret is named as such, not only as too short.
    expect(refusal(SIGNING).message).toMatch(/is the same as SLACK_SIGNING_SECRET/);
    const token = `xoxb-1-${randomBytes(40).toString('hex')}`;
    expect(refusal(token, { SLACK_BOT_TOKEN: token }).message).toMatch(/is the same as SLACK_BOT_TOKEN/);
    expect(refusal(`${SIGNING}${randomBytes(32).toString('hex')}`).message).toMatch(/contains SLACK_SIGNING_SECRET: .*not derived from another secret/);
    expect(refusal(Buffer.from(long).toString('base64'), { PAGERDUTY_ROUTING_KEY: long }).message).toMatch(/encodes PAGERDUTY_ROUTING_KEY/);
    const url = `postgres://whystuck:${randomBytes(32).toString('hex')}@db:5432/whystuck`;
    expect(refusal(url.slice(18, 82), { WHYSTUCK_DATABASE_URL: url }).message).toMatch(/is part of WHYSTUCK_DATABASE_URL/);
    expect(refusal(long, { WHYSTUCK_SSH_KEY_PASSPHRASE: long }).message).toMatch(/is the same as WHYSTUCK_SSH_KEY_PASSPHRASE/);
    // The key whystuck used to derive from the signing secret when none was set.
    const derived = createHash('sha256').update(`whystuck-actions:${SIGNING}`).digest('hex');
    expect(refusal(derived).message).toMatch(/is the key whystuck used to derive from SLACK_SIGNING_SECRET/);
  });

  it('is required by the Slack bot: missing, `whystuck bot` stops with a ConfigError; the terminal makes its own', async () => {
    expect(() => requireActionKey(loadConfig(SLACK, undefined))).toThrow(
      /^WHYSTUCK_ACTION_SECRET: is not set: the Slack bot signs its remediation buttons with it; it must be at least 32 random bytes of its own \(never derived from SLACK_SIGNING_SECRET or another secret\); make one with `openssl rand -base64 48`/,
    );
    expect(requireActionKey(loadConfig({ ...SLACK, WHYSTUCK_ACTION_SECRET: GOOD_KEY }, undefined))).toBe(GOOD_KEY);
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await runBot(SLACK)).toBe(2);
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(/^whystuck bot: configuration error: WHYSTUCK_ACTION_SECRET: is not set/);
    } finally {
      write.mockRestore();
    }
    // The terminal chat (`npm start` without Slack) signs its choices with a key made per run, randomBytes(32) as hex: one this check accepts.
    expect(loadConfig({ ...SLACK, WHYSTUCK_ACTION_SECRET: randomBytes(32).toString('hex') }, undefined).actionSecret).toBeDefined();
  });

  it('`whystuck config check` says whether it is set and how long, never the key; missing is a problem, bad a configuration error', async () => {
    const base = { ...SLACK, WHYSTUCK_COLLECTORS: 'n1=127.0.0.1:7443', WHYSTUCK_COLLECTOR_INSECURE: '1', WHYSTUCK_REMEDIATORS: 'U0ONCALL' };
    const ok = sink();
    expect(await runConfigCheck({ ...base, WHYSTUCK_ACTION_SECRET: GOOD_KEY }, ok.w, sink().w)).toBe(0);
    expect(ok.text()).toMatch(
      /^action key: WHYSTUCK_ACTION_SECRET set \(value not shown\), 48 bytes read as base64; at least 32, not a repeated pattern or placeholder, equal to none of the other credentials$/m,
    );
    expect(ok.text()).toMatch(/^ {2}WHYSTUCK_ACTION_SECRET = \(set, not shown\)$/m);
    expect(ok.text()).not.toContain(GOOD_KEY);
    expect(ok.text()).not.toContain(GOOD_KEY.slice(0, 12));

    const missing = sink();
    expect(await runConfigCheck(base, missing.w, sink().w)).toBe(1);
    expect(missing.text()).toMatch(/^action key: WHYSTUCK_ACTION_SECRET not set \(the Slack bot refuses to start without it\)$/m);
    expect(missing.text()).toMatch(/^problem: WHYSTUCK_ACTION_SECRET: is not set: .*openssl rand -base64 48/m);

    const weak = randomBytes(16).toString('hex');
    const err = sink();
    expect(await runConfigCheck({ ...base, WHYSTUCK_ACTION_SECRET: weak }, sink().w, err.w)).toBe(2);
    expect(err.text()).toMatch(/^whystuck: configuration error: WHYSTUCK_ACTION_SECRET: is 16 bytes \(read as hex\): it must be at least 32 random bytes \(value not shown\); make one with/);
    expect(err.text()).not.toContain(weak);
  });
});
