import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { parseStat } from '../../../collector/src/procfs/parse-stat';
import { createCollectorClient, type CollectorClient } from '../../../collector/src/grpc/client';
import type { TlsFiles } from '../../../collector/src/grpc/tls';
import { checkIdentity, parseSubjectAltName } from '../../../collector/src/tls/identity';
import { startHarness, testCa, type Harness } from '../../helpers/collector-harness';

/**
 * Issue 17, "who may read and act", on real collectors over loopback mutual
 * TLS, all certificates from one CA: each node's collector has its own
 * identity (spiffe://whystuck/node/NAME), the bot verifies it, and only the
 * bot's identity (one exact URI SAN) may read or act.
 */
describe('who may read and act: identities between the bot and the collectors', () => {
  let a: Harness;
  let b: Harness;
  const children: ChildProcess[] = [];
  const clients: CollectorClient[] = [];

  beforeAll(async () => {
    [a, b] = await Promise.all([startHarness({ nodeName: 'node-a', reloadIntervalMs: 200 }), startHarness({ nodeName: 'node-b' })]);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const c of children)
      if (c.pid)
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
    await Promise.all([a?.close(), b?.close()]);
  });

  /** Files of a client certificate issued by the test CA with exactly these names. */
  function files(name: string, issued: { commonName: string; uris?: string[]; dnsNames?: string[] }): TlsFiles {
    const c = testCa().issue({ ...issued, server: false });
    const f = { cert: join(a.dir, `${name}.crt`), key: join(a.dir, `${name}.key`), ca: join(a.dir, `${name}-ca.crt`) };
    writeFileSync(f.cert, c.cert);
    writeFileSync(f.key, c.key, { mode: 0o600 });
    writeFileSync(f.ca, testCa().cert);
    return f;
  }
  const clientOf = (h: Harness, tls: TlsFiles, expectedIdentity?: string): CollectorClient => {
    const c = createCollectorClient({ address: h.address, tls, expectedIdentity, deadlineMs: 5000, retries: 0 });
    clients.push(c);
    return c;
  };
  const sleeper = async (): Promise<{ pid: number; start: number }> => {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    children.push(child);
    await new Promise((r) => setTimeout(r, 100));
    const stat = parseStat(readFileSync(`/proc/${child.pid}/stat`, 'latin1'));
    return { pid: child.pid as number, start: stat?.startTime as number };
  };
  const alive = (pid: number): boolean => parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1'))?.state === 'S';

  it("the bot reaches node-a's collector as node-a; another node's collector (same CA) is refused as node-a", async () => {
    const bot = a.clientTls('whystuck-bot');
    const right = await clientOf(a, bot, 'spiffe://whystuck/node/node-a').health();
    expect(right).toMatchObject({ status: 'ok', value: { node_name: 'node-a' } });
    // node-b's collector answering where node-a's is expected (an address reused, a pod IP spoofed, root on node-b posing).
    const wrong = await clientOf(b, bot, 'spiffe://whystuck/node/node-a').snapshot({ pids: { pids: [process.pid] } });
    expect(wrong.status).toBe('unreachable');
    expect(wrong.status === 'unreachable' && wrong.message).toMatch(/spiffe:\/\/whystuck\/node\/node-b, not spiffe:\/\/whystuck\/node\/node-a/);
  });

  it('Snapshot, Watch and Remediate are refused to every identity but the bot\'s: a collector\'s certificate, a CN "whystuck-bot", a DNS name, two URI SANs', async () => {
    const { pid, start } = await sleeper();
    const impostors: Record<string, TlsFiles> = {
      "a collector (node-a's own identity)": files('collector-a', { commonName: 'whystuck-collector', uris: ['spiffe://whystuck/node/node-a'] }),
      'CN whystuck-bot without a URI SAN': files('cn-bot', { commonName: 'whystuck-bot' }),
      'DNS name whystuck-bot': files('dns-bot', { commonName: 'x', dnsNames: ['whystuck-bot', 'spiffe'] }),
      'the bot URI plus another': files('two-uris', { commonName: 'x', uris: ['spiffe://whystuck/bot', 'spiffe://whystuck/node/node-a'] }),
      'a look-alike URI': files('lookalike', { commonName: 'x', uris: ['spiffe://whystuck/bot/'] }),
    };
    for (const [what, tls] of Object.entries(impostors)) {
      const c = clientOf(a, tls);
      const snap = await c.snapshot({ pids: { pids: [pid] } });
      expect([what, snap.status, snap.status === 'rejected' && snap.code]).toEqual([what, 'rejected', 7]); // PERMISSION_DENIED
      expect(snap.status === 'rejected' && snap.message).toMatch(/only spiffe:\/\/whystuck\/bot or spiffe:\/\/whystuck\/reader may call Snapshot/);
      const rem = await c.remediate({ pid, start_time_ticks: start, expected_comm: 'sleep', signal: 'SIGKILL', requester: 'test', reason: 'test', node: 'node-a' });
      expect([what, rem.status === 'ok' && rem.value.status]).toEqual([what, 'NOT_AUTHORISED']);
      const stream = c.watch({});
      await expect(
        (async () => {
          for await (const _ of stream.events) return 'event';
          return 'ended';
        })(),
      ).rejects.toMatchObject({ code: 7 });
      stream.close();
      // Health stays open to any certificate from the CA (the kubelet probe uses the collector's own).
      expect((await c.health()).status).toBe('ok');
    }
    expect(alive(pid)).toBe(true);
    // The bot may read.
    const snap = await clientOf(a, a.clientTls('whystuck-bot'), 'spiffe://whystuck/node/node-a').snapshot({ pids: { pids: [pid] } });
    expect(snap.status === 'ok' && snap.value.tasks.map((t) => t.pid)).toEqual([pid]);
  });

  it("the read-only reader identity (spiffe://whystuck/reader, the kubectl plugin's) may Snapshot; Remediate refuses it and nothing is signalled; Watch refuses it", async () => {
    const { pid, start } = await sleeper();
    const reader = clientOf(a, a.clientTls('spiffe://whystuck/reader'), 'spiffe://whystuck/node/node-a');
    const snap = await reader.snapshot({ pids: { pids: [pid] } });
    expect(snap.status === 'ok' && snap.value.tasks.map((t) => [t.pid, t.comm])).toEqual([[pid, 'sleep']]);
    // A well-formed request for this node and this very process, as the bot would send it: refused for who asks.
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      const rem = await reader.remediate({ pid, start_time_ticks: start, expected_comm: 'sleep', signal, requester: 'kubectl:alice', reason: 'test', node: 'node-a' });
      expect(rem).toMatchObject({
        status: 'ok',
        value: { status: 'NOT_AUTHORISED', message: expect.stringContaining('only spiffe://whystuck/bot may call Remediate: its certificate is spiffe://whystuck/reader, not spiffe://whystuck/bot') },
      });
    }
    await new Promise((r) => setTimeout(r, 400)); // longer than the remediator's settle time
    expect(alive(pid)).toBe(true);
    const stream = reader.watch({});
    await expect(
      (async () => {
        for await (const _ of stream.events) return 'event';
        return 'ended';
      })(),
    ).rejects.toMatchObject({ code: 7, details: expect.stringMatching(/only spiffe:\/\/whystuck\/bot may call Watch: its certificate is spiffe:\/\/whystuck\/reader/) });
    stream.close();
    // The bot passes the same check (this collector has no watch journal: UNIMPLEMENTED, not PERMISSION_DENIED).
    const botStream = clientOf(a, a.clientTls('whystuck-bot'), 'spiffe://whystuck/node/node-a').watch({});
    await expect(
      (async () => {
        for await (const _ of botStream.events) return 'event';
        return 'ended';
      })(),
    ).rejects.toMatchObject({ code: 12 });
    botStream.close();
    expect(alive(pid)).toBe(true);
  });

  it("a collector with the reader disabled (--reader-identity=) refuses the reader's Snapshot too; the bot still reads", async () => {
    const closed = await startHarness({ nodeName: 'node-c', readerIdentity: '' });
    try {
      const reader = clientOf(closed, closed.clientTls('spiffe://whystuck/reader'), 'spiffe://whystuck/node/node-c');
      const snap = await reader.snapshot({ pids: { pids: [process.pid] } });
      expect(snap).toMatchObject({
        status: 'rejected',
        code: 7,
        message: expect.stringMatching(/only spiffe:\/\/whystuck\/bot may call Snapshot: its certificate is spiffe:\/\/whystuck\/reader, not spiffe:\/\/whystuck\/bot/),
      });
      const bot = await clientOf(closed, closed.clientTls('whystuck-bot'), 'spiffe://whystuck/node/node-c').snapshot({ pids: { pids: [process.pid] } });
      expect(bot.status).toBe('ok');
    } finally {
      await closed.close();
    }
  });

  it('Remediate for another node is refused (WRONG_NODE) and nothing is signalled; a request without a node is invalid', async () => {
    const { pid, start } = await sleeper();
    const bot = clientOf(a, a.clientTls('whystuck-bot'), 'spiffe://whystuck/node/node-a');
    const res = await bot.remediate({ pid, start_time_ticks: start, expected_comm: 'sleep', signal: 'SIGKILL', requester: 'slack:U1', reason: 'test', node: 'node-b' });
    expect(res).toMatchObject({ status: 'ok', value: { status: 'WRONG_NODE', message: expect.stringMatching(/serves node node-a, not node-b: nothing was signalled/) } });
    const none = await bot.remediate({ pid, start_time_ticks: start, expected_comm: 'sleep', signal: 'SIGKILL', requester: 'slack:U1', reason: 'test' });
    expect(none).toMatchObject({ status: 'rejected', code: 3, message: expect.stringMatching(/node is required/) });
    expect(alive(pid)).toBe(true);
  });

  it('reloads its certificate when the files change; a half-written set keeps the working one', async () => {
    const serial = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const port = Number(a.address.split(':').pop());
        const bot = a.clientTls('whystuck-bot');
        const s = connect(
          { host: '127.0.0.1', port, ca: readFileSync(bot.ca), cert: readFileSync(bot.cert), key: readFileSync(bot.key), ALPNProtocols: ['h2'], checkServerIdentity: () => undefined },
          () => {
            const sn = s.getPeerCertificate().serialNumber;
            s.destroy();
            resolve(sn);
          },
        );
        s.on('error', reject);
      });
    const before = await serial();
    const renewed = testCa().issue({ commonName: 'collector', uris: ['spiffe://whystuck/node/node-a'], ipAddresses: ['127.0.0.1'] });
    writeFileSync(`${a.serverTls.cert}.new`, renewed.cert);
    writeFileSync(`${a.serverTls.key}.new`, renewed.key);
    renameSync(`${a.serverTls.key}.new`, a.serverTls.key);
    renameSync(`${a.serverTls.cert}.new`, a.serverTls.cert);
    const deadline = Date.now() + 5000;
    let after = before;
    while (after === before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      after = await serial();
    }
    expect(after).not.toBe(before);
    expect(after.toLowerCase()).toBe(new (require('node:crypto').X509Certificate)(renewed.cert).serialNumber.toLowerCase());
    // Now a certificate without its key (a renewal caught half-way): the renewed one stays in use.
    const next = testCa().issue({ commonName: 'collector', uris: ['spiffe://whystuck/node/node-a'] });
    writeFileSync(a.serverTls.cert, next.cert);
    await new Promise((r) => setTimeout(r, 600));
    expect(await serial()).toBe(after);
    // The bot still works on new connections.
    expect((await clientOf(a, a.clientTls('whystuck-bot'), 'spiffe://whystuck/node/node-a').health()).status).toBe('ok');
    writeFileSync(a.serverTls.cert, renewed.cert);
  });

  it('reads a subjectaltname the way Node quotes it: a comma inside a quoted URI is not a second name', () => {
    expect(parseSubjectAltName('DNS:a, URI:spiffe://whystuck/bot, IP Address:127.0.0.1')).toEqual([
      { type: 'DNS', value: 'a' },
      { type: 'URI', value: 'spiffe://whystuck/bot' },
      { type: 'IP Address', value: '127.0.0.1' },
    ]);
    const sneaky = 'URI:"spiffe://x, URI:spiffe://whystuck/bot"';
    expect(parseSubjectAltName(sneaky)).toEqual([{ type: 'URI', value: 'spiffe://x, URI:spiffe://whystuck/bot' }]);
    expect(checkIdentity({ subjectaltname: sneaky }, 'spiffe://whystuck/bot').ok).toBe(false);
    expect(checkIdentity({ subjectaltname: 'URI:"unterminated' }, 'spiffe://whystuck/bot')).toMatchObject({ ok: false, reason: expect.stringMatching(/could not be read/) });
  });

  it('a certificate whose URI SAN carries a comma is refused for real (Node quotes it)', async () => {
    const tls = files('sneaky', { commonName: 'x', uris: ['spiffe://x, URI:spiffe://whystuck/bot'] });
    const snap = await clientOf(a, tls).snapshot({ pids: { pids: [process.pid] } });
    expect(snap).toMatchObject({ status: 'rejected', code: 7 });
  });
});
