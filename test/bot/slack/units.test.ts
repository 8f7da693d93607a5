import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../bot/src/config';
import { parseCommand, parseWords } from '../../../bot/src/intents/parse-intent';
import { signAction, verifyAction } from '../../../bot/src/conversation/action-token';

describe('intents', () => {
  it.each([
    ['pod prometheus-0 -n monitoring', { kind: 'pod', name: 'prometheus-0', namespace: 'monitoring' }],
    ['pod monitoring/prometheus-0', { kind: 'pod', name: 'prometheus-0', namespace: 'monitoring' }],
    ['node host22055', { kind: 'node', node: 'host22055' }],
    ['pid node-7 8912', { kind: 'pid', node: 'node-7', pid: '8912' }],
    ['sweep', { kind: 'sweep' }],
    ['', { kind: 'help' }],
  ])('/whystuck %s', (text, intent) => expect(parseCommand(text)).toEqual(intent));

  it.each([
    ['<@UBOT> why is pod prometheus-0 terminating?', { kind: 'pod', name: 'prometheus-0', namespace: undefined }],
    ['<@UBOT> why is prometheus-0 stuck in monitoring', { kind: 'pod', name: 'prometheus-0', namespace: 'monitoring' }],
    ["<@UBOT> what's wrong with node host22055", { kind: 'node', node: 'host22055' }],
    ['<@UBOT> anything in D state on node-7?', { kind: 'node', node: 'node-7', focus: 'D' }],
    ['<@UBOT> zombies in pod web-0?', { kind: 'pod', name: 'web-0', focus: 'zombies' }],
    ['show the stack of 8912', { kind: 'stack', pid: '8912' }],
    ['dmesg', { kind: 'dmesg' }],
    ['process tree', { kind: 'tree' }],
    ['recheck', { kind: 'recheck' }],
    ['kill 112272', { kind: 'kill', pid: '112272', signal: 'SIGKILL' }],
    ['<@UBOT> analyze this', { kind: 'analyze' }],
    ['<@UBOT> make coffee', { kind: 'unknown', text: 'make coffee' }],
  ])('%s', (text, intent) => expect(parseWords(text)).toMatchObject(intent));
});

describe('action tokens', () => {
  const claims = { node: 'node-a', pid: 4242, startTime: 123456, comm: 'runc:[2:INIT]', signal: 'SIGKILL' as const, findingId: 'memcg-reclaim-loop' };
  it('round-trips and carries a unique id', () => {
    const a = signAction('k', claims, 60_000);
    const b = signAction('k', claims, 60_000);
    const va = verifyAction('k', a);
    expect(va.status === 'ok' && va.claims).toMatchObject(claims);
    const vb = verifyAction('k', b);
    expect(va.status === 'ok' && vb.status === 'ok' && va.claims.id !== vb.claims.id).toBe(true);
  });
  it('refuses forged, altered and expired tokens', () => {
    const t = signAction('k', claims, 1000, 1_000_000);
    expect(verifyAction('other', t, 1_000_001).status).toBe('forged');
    const [body, mac] = t.split('.');
    const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), pid: 1 })).toString('base64url');
    expect(verifyAction('k', `${altered}.${mac}`, 1_000_001).status).toBe('forged');
    expect(verifyAction('k', t, 1_002_000).status).toBe('expired');
    expect(verifyAction('k', 'garbage', 1_000_001).status).toBe('malformed');
  });
});

describe('config', () => {
  it('reads collectors and remediators from the environment', () => {
    const c = loadConfig({ WHYSTUCK_COLLECTORS: 'host22055=10.0.3.17:7443,node-7=[::1]:7443', WHYSTUCK_REMEDIATORS: 'U0ONCALL, S0SRE' }, undefined);
    expect([...c.collectors]).toEqual([
      ['host22055', '10.0.3.17:7443'],
      ['node-7', '[::1]:7443'],
    ]);
    expect(c.remediators).toEqual(['U0ONCALL', 'S0SRE']);
  });
  it.each([
    [{ WHYSTUCK_COLLECTORS: 'host22055' }, /WHYSTUCK_COLLECTORS: "host22055" is not node=host:port/],
    [{ WHYSTUCK_COLLECTORS: 'a=10.0.0.1:7443', WHYSTUCK_COLLECTOR_INSECURE: '1' }, /only allowed to loopback collectors/],
    [{ WHYSTUCK_REMEDIATORS: 'alice' }, /"alice" is not a Slack user id/],
    [{ SLACK_BOT_TOKEN: 'secret-value-here' }, /SLACK_BOT_TOKEN: must be a bot token starting with xoxb- \(value not shown\)/],
    [{ PORT: 'http' }, /PORT: "http" is not a port number/],
    [{ WHYSTUCK_COLLECTOR_TLS_CERT: '/x.crt' }, /set all three/],
    [{ WHYSTUCK_ONCALL_GROUPS: 'C0INCIDENT=oncall' }, /WHYSTUCK_ONCALL_GROUPS: "C0INCIDENT=oncall" is not CHANNEL=USERGROUP with a Slack channel id \(C…\/G…\) and a user-group id \(S…\)/],
    [{ WHYSTUCK_ONCALL_GROUPS: '#incidents=S0ONCALL' }, /WHYSTUCK_ONCALL_GROUPS: "#incidents=S0ONCALL" is not CHANNEL=USERGROUP/],
    [{ WHYSTUCK_AUTO_ESCALATE_MINUTES: '0' }, /WHYSTUCK_AUTO_ESCALATE_MINUTES: "0" must be a number of minutes above 0 and at most 1440/],
    [{ WHYSTUCK_AUTO_ESCALATE_MINUTES: 'soon' }, /WHYSTUCK_AUTO_ESCALATE_MINUTES: "soon" must be a number of minutes/],
    [{ WHYSTUCK_COLLECTOR_NAMESPACE: 'Whystuck_NS' }, /WHYSTUCK_COLLECTOR_NAMESPACE: "Whystuck_NS" is not a Kubernetes namespace name/],
    [{ WHYSTUCK_COLLECTOR_SELECTOR: 'app in (a,b)' }, /WHYSTUCK_COLLECTOR_SELECTOR: "app in \(a" is not a label selector term: use key=value/],
    [{ WHYSTUCK_COLLECTOR_PORT: '70000' }, /WHYSTUCK_COLLECTOR_PORT: "70000" is not a port number/],
    [{ WHYSTUCK_COLLECTOR_SERVER_NAME: '10.0.0.1:7443' }, /WHYSTUCK_COLLECTOR_SERVER_NAME: "10.0.0.1:7443" is not a DNS name/],
    [{ WHYSTUCK_PASTE_MAX_BYTES: '1e3' }, /WHYSTUCK_PASTE_MAX_BYTES: "1e3" must be an integer number of bytes >= 1024/],
  ])('%j fails naming the key and the fix', (env, msg) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv, undefined)).toThrow(ConfigError);
    expect(() => loadConfig(env as NodeJS.ProcessEnv, undefined)).toThrow(msg);
  });
  it('on-call groups, auto-escalation, collector discovery and the paste cap: defaults, environment and YAML', () => {
    const d = loadConfig({}, undefined);
    expect(d.oncallGroups.size).toBe(0);
    expect(d.autoEscalateMinutes).toBeUndefined();
    expect(d.collectorDiscovery).toEqual({ namespace: 'whystuck', selector: 'app.kubernetes.io/name=whystuck-collector', port: 7443, serverName: 'whystuck-collector' });
    // 2 MiB by default (issue 17); two analyses at a time, six pastes per user per minute.
    expect(d.pasteMaxBytes).toBe(2 * 1024 * 1024);
    expect(d.pasteConcurrency).toBe(2);
    expect(d.pasteRatePerMinute).toBe(6);
    const e = loadConfig(
      {
        WHYSTUCK_ONCALL_GROUPS: 'C0INCIDENT=S0ONCALL, G0PRIVATE=S0SRE',
        WHYSTUCK_AUTO_ESCALATE_MINUTES: '0.5',
        WHYSTUCK_COLLECTOR_NAMESPACE: 'ops',
        WHYSTUCK_COLLECTOR_SELECTOR: 'app=collector,tier!=canary',
        WHYSTUCK_COLLECTOR_PORT: '9443',
        WHYSTUCK_COLLECTOR_SERVER_NAME: '{node}.collectors.whystuck',
        WHYSTUCK_PASTE_MAX_BYTES: '4096',
        WHYSTUCK_PASTE_CONCURRENCY: '4',
        WHYSTUCK_PASTE_RATE_PER_MINUTE: '30',
      },
      undefined,
    );
    expect([...e.oncallGroups]).toEqual([
      ['C0INCIDENT', 'S0ONCALL'],
      ['G0PRIVATE', 'S0SRE'],
    ]);
    expect(e.autoEscalateMinutes).toBe(0.5);
    expect(e.collectorDiscovery).toEqual({ namespace: 'ops', selector: 'app=collector,tier!=canary', port: 9443, serverName: '{node}.collectors.whystuck' });
    expect(e.pasteMaxBytes).toBe(4096);
    expect(e.pasteConcurrency).toBe(4);
    expect(e.pasteRatePerMinute).toBe(30);

    const dir = mkdtempSync(join(tmpdir(), 'whystuck-config-'));
    try {
      const file = join(dir, 'config.yaml');
      writeFileSync(file, 'oncallGroups:\n  C0INCIDENT: S0ONCALL\nautoEscalateMinutes: 5\ncollectorNamespace: monitoring\ncollectorPort: 7444\n');
      const y = loadConfig({}, file);
      expect([...y.oncallGroups]).toEqual([['C0INCIDENT', 'S0ONCALL']]);
      expect(y.autoEscalateMinutes).toBe(5);
      expect(y.collectorDiscovery).toMatchObject({ namespace: 'monitoring', port: 7444 });
      // The environment wins over the file.
      expect(loadConfig({ WHYSTUCK_AUTO_ESCALATE_MINUTES: '2' }, file).autoEscalateMinutes).toBe(2);
      writeFileSync(file, 'oncallGroups:\n  incidents: S0ONCALL\n');
      expect(() => loadConfig({}, file)).toThrow(/oncallGroups: "incidents=S0ONCALL" is not CHANNEL=USERGROUP/);
      writeFileSync(file, 'autoEscalateMinutes: -1\n');
      expect(() => loadConfig({}, file)).toThrow(new RegExp(`${file}: autoEscalateMinutes`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('never puts a secret value in an error', () => {
    try {
      loadConfig({ SLACK_BOT_TOKEN: 'hunter2-secret' }, undefined);
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});
