import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfigCheck } from '../../../bot/src/cli/run-bot';
import { checkConfigFiles, ConfigError, loadConfig, parseConfig, SETTING_TABLES } from '../../../bot/src/config';
import { watchShardsFrom } from '../../../bot/src/watch/watch-shards-config';

/** bot/src/config: one schema per section over the YAML file and the environment, one ConfigError, files as their own step. */

const sink = () => {
  const out: string[] = [];
  return { out, text: () => out.join(''), w: { write: (s: string) => out.push(s) } };
};
const GOOD = {
  SLACK_BOT_TOKEN: 'xoxb-1-secret-token',
  SLACK_SIGNING_SECRET: 'shh-signing',
  WHYSTUCK_ACTION_SECRET: 'aGDnE1I09T6yFhmZoy+KwExEg0bbJKnjBNLkMZrwX3N9JFkS3DHJ2cfnn2m7A7Qw',
  WHYSTUCK_COLLECTORS: 'n1=127.0.0.1:7443',
  WHYSTUCK_COLLECTOR_INSECURE: '1',
  WHYSTUCK_REMEDIATORS: 'U0ONCALL',
};

const configError = (env: Record<string, string>, file?: string): ConfigError => {
  try {
    loadConfig(env, file);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'whystuck-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('whystuck config check', () => {
  it('lists every setting of every section, shards and log level included, with where its value came from', async () => {
    const o = sink();
    expect(await runConfigCheck({ ...GOOD, WHYSTUCK_WATCH_SHARDS: '16', WHYSTUCK_LOG_LEVEL: 'debug' }, o.w, sink().w)).toBe(0);
    const text = o.text();
    const names = Object.values(SETTING_TABLES).flatMap((t) => Object.values(t));
    expect(names.length).toBeGreaterThan(60);
    for (const s of names) {
      expect(text).toMatch(new RegExp(`^  ${s.env}${s.file ? ` / ${s.file.replace('.', '\\.')}` : ''} = `, 'm'));
    }
    expect(text).toMatch(/^ {2}WHYSTUCK_WATCH_SHARDS = 16$/m);
    expect(text).toMatch(/^ {2}WHYSTUCK_WATCH_LEASE_SECONDS = 10 \(default\)$/m);
    expect(text).toMatch(/^ {2}WHYSTUCK_LOG_LEVEL \/ logLevel = debug$/m);
    expect(text).toMatch(/^ {2}WHYSTUCK_PASTE_MAX_BYTES \/ pasteMaxBytes = 2097152 \(default\)$/m);
    expect(text).toMatch(/^ {2}WHYSTUCK_PASTE_CONCURRENCY \/ pasteConcurrency = 2 \(default\)$/m);
    expect(text).toMatch(/^ {2}WHYSTUCK_PASTE_RATE_PER_MINUTE \/ pasteRatePerMinute = 6 \(default\)$/m);
    expect(text).toMatch(/^watch shards: leases auto .*16 shards, leases of 10 s/m);
    expect(text).toMatch(/^log level: debug$/m);
    expect(text).toMatch(/^ {2}WHYSTUCK_CONFIG = \(unset\)$/m);
    // Secrets: only whether they are set.
    expect(text).toMatch(/^ {2}SLACK_BOT_TOKEN = \(set, not shown\)$/m);
    expect(text).not.toMatch(/secret-token|shh-signing/);
  });

  it('names the YAML file as the source of a value it gave', async () => {
    const file = join(dir, 'check.yaml');
    writeFileSync(file, 'collectorPort: 9443\nlogLevel: warn\nssh:\n  port: 2222\n');
    const o = sink();
    // ssh.port without a key file is refused: the fallback needs its key.
    expect(await runConfigCheck({ ...GOOD, WHYSTUCK_CONFIG: file }, sink().w, o.w)).toBe(2);
    expect(o.text()).toMatch(/configuration error: WHYSTUCK_SSH_KEY_FILE: not set, but ssh\.port is/);
    writeFileSync(file, 'collectorPort: 9443\nlogLevel: warn\n');
    const ok = sink();
    await runConfigCheck({ ...GOOD, WHYSTUCK_CONFIG: file }, ok.w, sink().w);
    expect(ok.text()).toMatch(/^ {2}WHYSTUCK_COLLECTOR_PORT \/ collectorPort = 9443 \(file\)$/m);
    expect(ok.text()).toMatch(/^ {2}WHYSTUCK_LOG_LEVEL \/ logLevel = warn \(file\)$/m);
  });

  it('checks the collector certificates as a file step and says which one is wrong', async () => {
    const cert = join(dir, 'bot.crt');
    writeFileSync(cert, 'not a certificate\n');
    const o = sink();
    const env = {
      ...GOOD,
      WHYSTUCK_COLLECTOR_INSECURE: '0',
      WHYSTUCK_COLLECTORS: 'n1=10.0.0.1:7443',
      WHYSTUCK_COLLECTOR_TLS_CERT: cert,
      WHYSTUCK_COLLECTOR_TLS_KEY: join(dir, 'missing.key'),
      WHYSTUCK_COLLECTOR_TLS_CA: cert,
    };
    expect(await runConfigCheck(env, o.w, sink().w)).toBe(1);
    expect(o.text()).toMatch(/^problem: WHYSTUCK_COLLECTOR_TLS_CERT: .*bot\.crt is not a PEM certificate/m);
    // Parsing reads no file; the explicit step does.
    const c = parseConfig(env);
    expect(() => checkConfigFiles(c, { ssh: true })).not.toThrow();
    expect(() => checkConfigFiles(c)).toThrow(/WHYSTUCK_COLLECTOR_TLS_CERT: .* is not a PEM certificate/);
    expect(() => checkConfigFiles(parseConfig({ ...env, WHYSTUCK_COLLECTOR_TLS_CERT: join(dir, 'gone.crt') }))).toThrow(
      /WHYSTUCK_COLLECTOR_TLS_CERT: cannot read .*gone\.crt: ENOENT; mount the file there or fix the path/,
    );
  });

  it('checks the SSH key and known_hosts as a file step: parsing alone accepts a missing key, loading refuses it', () => {
    const env = { WHYSTUCK_SSH_KEY_FILE: join(dir, 'no-such-key'), WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS: `SHA256:${'A'.repeat(43)}` };
    expect(parseConfig(env).ssh?.keyFile).toBe(env.WHYSTUCK_SSH_KEY_FILE);
    expect(configError(env).message).toMatch(/^WHYSTUCK_SSH_KEY_FILE: cannot read the SSH key .*no-such-key/);
  });
});

describe('a bad value in each section: the key, the value, what is allowed and the fix', () => {
  it.each([
    ['slack', { PORT: '80a' }, 'PORT', '80a', /is not a port number \(0-65535\)/],
    ['slack', { SLACK_API_URL: 'https://slack.com/api' }, 'SLACK_API_URL', 'https://slack.com/api', /must be a URL ending in "\/"/],
    ['collectors', { WHYSTUCK_COLLECTOR_DEADLINE_MS: '5s' }, 'WHYSTUCK_COLLECTOR_DEADLINE_MS', '5s', /must be an integer number of milliseconds >= 100/],
    ['remediation', { WHYSTUCK_PROTECTED_NAMESPACES: 'kube-system,Prod' }, 'WHYSTUCK_PROTECTED_NAMESPACES', 'Prod', /is not a namespace name/],
    ['remediation', { WHYSTUCK_UNFINISHED_INTENT_GRACE_SECONDS: '0' }, 'WHYSTUCK_UNFINISHED_INTENT_GRACE_SECONDS', '0', /from 1 to 86400/],
    ['escalation', { PAGERDUTY_EVENTS_URL: 'events.pagerduty.com' }, 'PAGERDUTY_EVENTS_URL', 'events.pagerduty.com', /must be an http\(s\) URL .*e\.g\. https:\/\/events\.pagerduty\.com/],
    ['pastes', { WHYSTUCK_PASTE_TIME_BUDGET_MS: '50' }, 'WHYSTUCK_PASTE_TIME_BUDGET_MS', '50', /from 100 to 600000/],
    ['pastes', { WHYSTUCK_PASTE_CONCURRENCY: '9' }, 'WHYSTUCK_PASTE_CONCURRENCY', '9', /must be an integer from 1 to 8 \(paste analyses run at once/],
    ['pastes', { WHYSTUCK_PASTE_CONCURRENCY: '1.5' }, 'WHYSTUCK_PASTE_CONCURRENCY', '1.5', /must be an integer from 1 to 8/],
    ['pastes', { WHYSTUCK_PASTE_RATE_PER_MINUTE: '0' }, 'WHYSTUCK_PASTE_RATE_PER_MINUTE', '0', /must be an integer from 1 to 600 \(pastes one Slack user may send per minute/],
    [
      'ssh fallback',
      { WHYSTUCK_SSH_KEY_FILE: '/k', WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS: `SHA256:${'A'.repeat(43)}`, WHYSTUCK_SSH_COMMAND_TIMEOUT_MS: '1e9' },
      'WHYSTUCK_SSH_COMMAND_TIMEOUT_MS',
      '1e9',
      /from 100 to 600000/,
    ],
    ['watch mode', { WHYSTUCK_ALERT_CHANNEL: 'C0A', WHYSTUCK_ALERT_RESOLVE_AFTER_MINUTES: 'never' }, 'WHYSTUCK_ALERT_RESOLVE_AFTER_MINUTES', 'never', /above 0 and at most 10080/],
    ['watch mode', { WHYSTUCK_ALERT_CHANNEL: '#incidents' }, 'WHYSTUCK_ALERT_CHANNEL', '#incidents', /is not a Slack channel id: use the id/],
    ['metrics', { WHYSTUCK_METRICS_LISTEN: 'localhost' }, 'WHYSTUCK_METRICS_LISTEN', 'localhost', /must be HOST:PORT, e\.g\. 0\.0\.0\.0:9465/],
    ['watch shards', { WHYSTUCK_WATCH_SHARDS: '0' }, 'WHYSTUCK_WATCH_SHARDS', '0', /must be a number from 1 to 1024/],
    ['watch shards', { WHYSTUCK_WATCH_LEASES: 'yes' }, 'WHYSTUCK_WATCH_LEASES', 'yes', /must be auto, on or off/],
    ['watch shards', { WHYSTUCK_WATCH_LEASE_SECONDS: '600' }, 'WHYSTUCK_WATCH_LEASE_SECONDS', '600', /from 1 to 300/],
    ['logging', { WHYSTUCK_LOG_LEVEL: 'verbose' }, 'WHYSTUCK_LOG_LEVEL', 'verbose', /is not a log level: use one of trace, debug, info, warn, error, fatal, silent/],
    ['logging', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'loud', /is not a log level/],
    ['terminal', { WHYSTUCK_NODE_NAME: 'Node_1' }, 'WHYSTUCK_NODE_NAME', 'Node_1', /is not a node name .*; set WHYSTUCK_NODE_NAME/],
    ['terminal', { WHYSTUCK_LOCAL_REMEDIATORS: 'alice,bob smith' }, 'WHYSTUCK_LOCAL_REMEDIATORS', 'bob smith', /is not a local user name/],
  ])('%s: %j', (_section, env, key, value, allowed) => {
    const e = configError(env);
    expect(e.key).toBe(key);
    expect(e.value).toBe(value);
    expect(e.detail).toMatch(allowed);
    expect(e.message).toBe(`${key}: "${value}" ${e.detail}`);
  });

  it("a secret's value is never shown; its problem and fix are", () => {
    const e = configError({ WHYSTUCK_DATABASE_URL: 'mysql://u:hunter2@db/x' });
    expect(e.key).toBe('WHYSTUCK_DATABASE_URL');
    expect(e.value).toBeUndefined();
    expect(e.message).toMatch(/^WHYSTUCK_DATABASE_URL: has scheme "mysql": .* \(value not shown\); unset it for the embedded SQLite store/);
    expect(e.message).not.toContain('hunter2');
  });

  it('a bad value from the YAML file is named by the file and its key', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'pasteMaxBytes: 100\n');
    expect(configError({}, file).message).toBe(`${file}: pasteMaxBytes: "100" must be an integer number of bytes >= 1024`);
    writeFileSync(file, 'pasteConcurrency: 0\n');
    expect(configError({}, file).message).toMatch(new RegExp(`^${file}: pasteConcurrency: "0" must be an integer from 1 to 8`));
    writeFileSync(file, 'logLevel: chatty\n');
    expect(configError({}, file).message).toMatch(new RegExp(`^${file}: logLevel: "chatty" is not a log level`));
    writeFileSync(file, 'remediators: [U0OK, alice]\n');
    expect(configError({}, file).message).toBe(`${file}: remediators: "alice" is not a Slack user id (U…/W…) or user-group id (S…)`);
    writeFileSync(file, 'logLevels: info\n');
    expect(configError({}, file).message).toMatch(new RegExp(`^${file}: \\(top level\\): Unrecognized key: "logLevels"`));
  });
});

describe('log level', () => {
  it('is WHYSTUCK_LOG_LEVEL; LOG_LEVEL still works as a deprecated alias, with a warning', async () => {
    expect(loadConfig({}).logLevel).toBeUndefined();
    expect(loadConfig({}).warnings).toEqual([]);
    const c = loadConfig({ WHYSTUCK_LOG_LEVEL: 'Debug' });
    expect(c.logLevel).toBe('debug');
    expect(c.warnings).toEqual([]);
    const legacy = loadConfig({ LOG_LEVEL: 'warn' });
    expect(legacy.logLevel).toBe('warn');
    expect(legacy.warnings).toEqual([expect.stringMatching(/^LOG_LEVEL is deprecated: rename it to WHYSTUCK_LOG_LEVEL/)]);
    const both = loadConfig({ LOG_LEVEL: 'warn', WHYSTUCK_LOG_LEVEL: 'error' });
    expect(both.logLevel).toBe('error');
    expect(both.warnings).toEqual([expect.stringMatching(/^LOG_LEVEL is deprecated and ignored here: WHYSTUCK_LOG_LEVEL .* wins/)]);
    const o = sink();
    await runConfigCheck({ ...GOOD, LOG_LEVEL: 'warn' }, o.w, sink().w);
    expect(o.text()).toMatch(/^warning: LOG_LEVEL is deprecated: rename it to WHYSTUCK_LOG_LEVEL/m);
    expect(o.text()).toMatch(/^log level: warn$/m);
  });
});

describe('watch shards', () => {
  it('defaults, and leases only where asked or with PostgreSQL and a Kubernetes API', () => {
    const d = loadConfig({});
    expect(d.shards).toEqual({ leases: 'auto', shards: 8, leaseDurationMs: 10_000 });
    expect(watchShardsFrom(d, { storeKind: 'postgres' })).toBeUndefined(); // no Kubernetes API
    expect(watchShardsFrom(loadConfig({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }), { storeKind: 'sqlite' })).toBeUndefined();
    expect(watchShardsFrom(loadConfig({ WHYSTUCK_WATCH_LEASES: 'OFF', KUBERNETES_SERVICE_HOST: '10.0.0.1' }), { storeKind: 'postgres' })).toBeUndefined();
    expect(loadConfig({ WHYSTUCK_WATCH_SHARDS: '', WHYSTUCK_WATCH_LEASE_SECONDS: '2.5' }).shards).toEqual({ leases: 'auto', shards: 8, leaseDurationMs: 2500 });
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
        '',
      ].join('\n'),
    );
    const on = watchShardsFrom(loadConfig({ WHYSTUCK_WATCH_LEASES: 'on', KUBECONFIG: kubeconfig, POD_NAME: 'bot-7', POD_NAMESPACE: 'ops', WHYSTUCK_WATCH_SHARDS: '4' }), { storeKind: 'sqlite' });
    expect(on).toMatchObject({ identity: 'bot-7', shards: 4, leaseDurationMs: 10_000, prefix: 'whystuck-watch' });
  });
});
