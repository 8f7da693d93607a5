import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { runCerts } from '../../../bot/src/cli/certs-command';
import { runCollectorHealth } from '../../../collector/src/cli/health-command';
import { createCollectorClient } from '../../../collector/src/grpc/client';
import { createCollectorServer } from '../../../collector/src/grpc/server';
import { serverCredentials } from '../../../collector/src/grpc/tls';
import { createRemediator } from '../../../collector/src/remediate/remediator';
import { createSnapshotter } from '../../../collector/src/snapshot/snapshotter';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

function capture(): { io: { stdout: { write(s: string): boolean }; stderr: { write(s: string): boolean } }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { stdout: { write: (s) => { out += s; return true; } }, stderr: { write: (s) => { err += s; return true; } } }, out: () => out, err: () => err };
}

describe('whystuck certs --out DIR', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'whystuck-certs-'));
    const c = capture();
    expect(runCerts(['--out', join(dir, 'pki'), '--days', '30', '--namespace', 'ops'], c.io)).toBe(0);
    expect(c.out()).toContain('--remediation-clients whystuck-bot');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string): string => join(dir, 'pki', name);
  const cert = (name: string): X509Certificate => new X509Certificate(readFileSync(file(name)));

  it('writes a CA and collector and bot certificates that chain to it, keys private (0600) and matching', () => {
    const ca = cert('ca.crt');
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain('CN=whystuck development CA');
    expect(ca.verify(ca.publicKey)).toBe(true);
    for (const name of ['collector', 'bot']) {
      const c = cert(`${name}.crt`);
      expect(c.ca).toBe(false);
      expect(c.checkIssued(ca)).toBe(true);
      expect(c.verify(ca.publicKey)).toBe(true);
      expect(c.checkPrivateKey(createPrivateKey(readFileSync(file(`${name}.key`))))).toBe(true);
      expect(statSync(file(`${name}.key`)).mode & 0o777).toBe(0o600);
      const days = (Date.parse(c.validTo) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29);
      expect(days).toBeLessThan(31);
    }
    expect(statSync(file('ca.key')).mode & 0o777).toBe(0o600);
    expect(ca.checkPrivateKey(createPrivateKey(readFileSync(file('ca.key'))))).toBe(true);
    expect(createPublicKey(readFileSync(file('bot.key'))).export({ format: 'pem', type: 'spki' })).toBe(cert('bot.crt').publicKey.export({ format: 'pem', type: 'spki' }));
  });

  it('the collector certificate carries DNS:whystuck-collector (the name the bot verifies) and serves and authenticates; the bot certificate only authenticates, as whystuck-bot', () => {
    const collector = cert('collector.crt');
    expect(collector.subject).toContain('CN=whystuck-collector');
    expect(collector.subjectAltName?.split(', ')).toEqual(expect.arrayContaining(['DNS:whystuck-collector', 'DNS:whystuck-collector.ops.svc', 'DNS:localhost', 'IP Address:127.0.0.1']));
    expect(collector.checkHost('whystuck-collector')).toBe('whystuck-collector');
    expect(collector.keyUsage).toEqual(expect.arrayContaining([SERVER_AUTH, CLIENT_AUTH]));
    const bot = cert('bot.crt');
    expect(bot.subject).toContain('CN=whystuck-bot');
    expect(bot.keyUsage).toEqual([CLIENT_AUTH]);
    expect(bot.checkHost('whystuck-collector')).toBeUndefined();
  });

  it('refuses to overwrite without --force, and rejects bad arguments', () => {
    const c = capture();
    expect(runCerts(['--out', join(dir, 'pki')], c.io)).toBe(1);
    expect(c.err()).toContain('already exist; use --force');
    expect(runCerts([], capture().io)).toBe(2);
    expect(runCerts(['--out', join(dir, 'x'), '--days', '0'], capture().io)).toBe(2);
    expect(runCerts(['--out', join(dir, 'x'), '--namespace', 'Bad_NS'], capture().io)).toBe(2);
  });

  it('works for real: a collector on 127.0.0.1 with these files answers the bot (name whystuck-collector) and collector-health; only whystuck-bot may remediate', async () => {
    const snapshotter = createSnapshotter();
    const server = createCollectorServer({ snapshotter, remediator: createRemediator(), remediationClients: ['whystuck-bot'], logger: pino({ level: 'silent' }) });
    const port = await server.listen('127.0.0.1:0', serverCredentials('127.0.0.1', { cert: file('collector.crt'), key: file('collector.key'), ca: file('ca.crt') }, false));
    const bot = createCollectorClient({ address: `127.0.0.1:${port}`, tls: { cert: file('bot.crt'), key: file('bot.key'), ca: file('ca.crt') }, serverName: 'whystuck-collector', retries: 0, deadlineMs: 10_000 });
    const probe = createCollectorClient({ address: `127.0.0.1:${port}`, tls: { cert: file('collector.crt'), key: file('collector.key'), ca: file('ca.crt') }, serverName: 'whystuck-collector', retries: 0, deadlineMs: 10_000 });
    try {
      const health = await bot.health();
      expect(health).toMatchObject({ status: 'ok', value: { status: 'SERVING' } });
      const c = capture();
      expect(await runCollectorHealth(['--address', `127.0.0.1:${port}`, '--tls-cert', file('collector.crt'), '--tls-key', file('collector.key'), '--tls-ca', file('ca.crt')], c.io)).toBe(0);
      expect(c.out()).toMatch(/^SERVING \S+ version /);
      // The collector's own certificate (used by its probe) is not a remediation client.
      const refused = await probe.remediate({ pid: 999_999, start_time_ticks: 1, expected_comm: 'x', signal: 'SIGTERM', requester: 'probe', reason: 'test' });
      expect(refused).toMatchObject({ status: 'ok', value: { status: 'NOT_AUTHORISED', message: expect.stringContaining('client whystuck-collector') } });
      const wrongName = capture();
      expect(await runCollectorHealth(['--address', `127.0.0.1:${port}`, '--tls-cert', file('bot.crt'), '--tls-key', file('bot.key'), '--tls-ca', file('ca.crt'), '--server-name', 'someone-else', '--timeout-ms', '2000'], wrongName.io)).toBe(3);
    } finally {
      bot.close();
      probe.close();
      await server.shutdown(1000);
      await snapshotter.close();
    }
  });
});
