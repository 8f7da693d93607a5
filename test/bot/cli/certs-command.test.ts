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
  return {
    io: {
      stdout: {
        write: (s) => {
          out += s;
          return true;
        },
      },
      stderr: {
        write: (s) => {
          err += s;
          return true;
        },
      },
    },
    out: () => out,
    err: () => err,
  };
}

describe('whystuck certs --out DIR', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'whystuck-certs-'));
    const c = capture();
    expect(runCerts(['--out', join(dir, 'pki'), '--days', '30', '--namespace', 'ops', '--nodes', 'node-a,node-b'], c.io)).toBe(0);
    expect(c.out()).toContain('--node-name node-a --tls-cert');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string): string => join(dir, 'pki', name);
  const cert = (name: string): X509Certificate => new X509Certificate(readFileSync(file(name)));

  it('writes a CA and collector and bot certificates that chain to it, keys private (0600) and matching', () => {
    const ca = cert('ca.crt');
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain('CN=whystuck development CA');
    expect(ca.verify(ca.publicKey)).toBe(true);
    for (const name of ['collector-node-a', 'collector-node-b', 'bot', 'reader']) {
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

  it('each node gets its own collector certificate, URI SAN spiffe://whystuck/node/NAME (one URI SAN), serving and authenticating; the bot certificate only authenticates, as spiffe://whystuck/bot', () => {
    for (const node of ['node-a', 'node-b']) {
      const collector = cert(`collector-${node}.crt`);
      const sans = collector.subjectAltName?.split(', ') ?? [];
      expect(sans).toEqual(expect.arrayContaining([`URI:spiffe://whystuck/node/${node}`, 'DNS:whystuck-collector', 'DNS:whystuck-collector.ops.svc', 'DNS:localhost', 'IP Address:127.0.0.1']));
      expect(sans.filter((x) => x.startsWith('URI:'))).toEqual([`URI:spiffe://whystuck/node/${node}`]);
      expect(collector.keyUsage).toEqual(expect.arrayContaining([SERVER_AUTH, CLIENT_AUTH]));
    }
    expect(cert('collector-node-a.crt').publicKey.export({ format: 'der', type: 'spki' })).not.toEqual(cert('collector-node-b.crt').publicKey.export({ format: 'der', type: 'spki' }));
    const bot = cert('bot.crt');
    expect(bot.subjectAltName).toBe('URI:spiffe://whystuck/bot');
    expect(bot.keyUsage).toEqual([CLIENT_AUTH]);
    // The read-only identity (the kubectl plugin's; collectors answer it Snapshot only): client only, its own key.
    const reader = cert('reader.crt');
    expect(reader.subjectAltName).toBe('URI:spiffe://whystuck/reader');
    expect(reader.subject).toContain('CN=whystuck-reader');
    expect(reader.keyUsage).toEqual([CLIENT_AUTH]);
    expect(reader.publicKey.export({ format: 'der', type: 'spki' })).not.toEqual(bot.publicKey.export({ format: 'der', type: 'spki' }));
  });

  it('--add-nodes issues more node certificates from the CA already there, and nothing else', () => {
    const before = readFileSync(file('ca.crt'), 'utf8');
    const c = capture();
    expect(runCerts(['--out', join(dir, 'pki'), '--add-nodes', 'node-c'], c.io)).toBe(0);
    expect(readFileSync(file('ca.crt'), 'utf8')).toBe(before);
    const added = cert('collector-node-c.crt');
    expect(added.checkIssued(cert('ca.crt'))).toBe(true);
    expect(added.verify(cert('ca.crt').publicKey)).toBe(true);
    expect(added.subjectAltName).toContain('URI:spiffe://whystuck/node/node-c');
    expect(c.out().split('\n')[0]).not.toContain('bot.crt'); // only the new node's files were written
    expect(c.out().split('\n')[0]).not.toContain('reader.crt');
  });

  it('refuses to overwrite without --force, and rejects bad arguments', () => {
    const c = capture();
    expect(runCerts(['--out', join(dir, 'pki')], c.io)).toBe(1);
    expect(c.err()).toContain('already exist; use --force');
    expect(runCerts([], capture().io)).toBe(2);
    expect(runCerts(['--out', join(dir, 'x'), '--days', '0'], capture().io)).toBe(2);
    expect(runCerts(['--out', join(dir, 'x'), '--namespace', 'Bad_NS'], capture().io)).toBe(2);
    expect(runCerts(['--out', join(dir, 'x'), '--nodes', 'Node_A'], capture().io)).toBe(2);
    expect(runCerts(['--out', join(dir, 'x'), '--add-nodes', 'node-z'], capture().io)).toBe(2); // no CA there
  });

  it("works for real: a collector on 127.0.0.1 with node-a's files answers the bot (verifying node-a) and collector-health; its own certificate may not read or remediate", async () => {
    const snapshotter = createSnapshotter();
    const server = createCollectorServer({ snapshotter, remediator: createRemediator(), nodeName: 'node-a', logger: pino({ level: 'silent' }) });
    const port = await server.listen('127.0.0.1:0', serverCredentials('127.0.0.1', { cert: file('collector-node-a.crt'), key: file('collector-node-a.key'), ca: file('ca.crt') }, false));
    const bot = createCollectorClient({
      address: `127.0.0.1:${port}`,
      tls: { cert: file('bot.crt'), key: file('bot.key'), ca: file('ca.crt') },
      expectedIdentity: 'spiffe://whystuck/node/node-a',
      retries: 0,
      deadlineMs: 10_000,
    });
    const probe = createCollectorClient({
      address: `127.0.0.1:${port}`,
      tls: { cert: file('collector-node-a.crt'), key: file('collector-node-a.key'), ca: file('ca.crt') },
      serverName: 'whystuck-collector',
      retries: 0,
      deadlineMs: 10_000,
    });
    try {
      const health = await bot.health();
      expect(health).toMatchObject({ status: 'ok', value: { status: 'SERVING', node_name: 'node-a' } });
      const c = capture();
      expect(
        await runCollectorHealth(['--address', `127.0.0.1:${port}`, '--tls-cert', file('collector-node-a.crt'), '--tls-key', file('collector-node-a.key'), '--tls-ca', file('ca.crt')], c.io),
      ).toBe(0);
      expect(c.out()).toMatch(/^SERVING \S+ version /);
      // The collector's own certificate (used by its probe) reads Health only.
      const refused = await probe.remediate({ pid: 999_999, start_time_ticks: 1, expected_comm: 'x', signal: 'SIGTERM', requester: 'probe', reason: 'test', node: 'node-a' });
      expect(refused).toMatchObject({
        status: 'ok',
        value: { status: 'NOT_AUTHORISED', message: expect.stringContaining('its certificate is spiffe://whystuck/node/node-a, not spiffe://whystuck/bot') },
      });
      expect(await probe.snapshot({ pids: { pids: [process.pid] } })).toMatchObject({ status: 'rejected', code: 7 });
      const wrongName = capture();
      expect(
        await runCollectorHealth(
          ['--address', `127.0.0.1:${port}`, '--tls-cert', file('bot.crt'), '--tls-key', file('bot.key'), '--tls-ca', file('ca.crt'), '--server-name', 'someone-else', '--timeout-ms', '2000'],
          wrongName.io,
        ),
      ).toBe(3);
    } finally {
      bot.close();
      probe.close();
      await server.shutdown(1000);
      await snapshotter.close();
    }
  });
});
