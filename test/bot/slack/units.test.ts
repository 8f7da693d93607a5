import { ConfigError, loadConfig } from '../../../bot/src/config';
import { parseCommand, parseWords } from '../../../bot/src/intents/parse-intent';
import { signAction, verifyAction } from '../../../bot/src/slack/action-token';

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
    expect([...c.collectors]).toEqual([['host22055', '10.0.3.17:7443'], ['node-7', '[::1]:7443']]);
    expect(c.remediators).toEqual(['U0ONCALL', 'S0SRE']);
  });
  it.each([
    [{ WHYSTUCK_COLLECTORS: 'host22055' }, /WHYSTUCK_COLLECTORS: "host22055" is not node=host:port/],
    [{ WHYSTUCK_COLLECTORS: 'a=10.0.0.1:7443', WHYSTUCK_COLLECTOR_INSECURE: '1' }, /only allowed to loopback collectors/],
    [{ WHYSTUCK_REMEDIATORS: 'alice' }, /"alice" is not a Slack user id/],
    [{ SLACK_BOT_TOKEN: 'secret-value-here' }, /SLACK_BOT_TOKEN: must be a bot token starting with xoxb- \(value not shown\)/],
    [{ PORT: 'http' }, /PORT: "http" is not a port number/],
    [{ WHYSTUCK_COLLECTOR_TLS_CERT: '/x.crt' }, /set all three/],
  ])('%j fails naming the key and the fix', (env, msg) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv, undefined)).toThrow(ConfigError);
    expect(() => loadConfig(env as NodeJS.ProcessEnv, undefined)).toThrow(msg);
  });
  it('never puts a secret value in an error', () => {
    try { loadConfig({ SLACK_BOT_TOKEN: 'hunter2-secret' }, undefined); } catch (e) { expect((e as Error).message).not.toContain('hunter2'); }
  });
});
