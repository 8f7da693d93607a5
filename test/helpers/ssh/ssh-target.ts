import { createServer, type Server } from 'node:net';
import { createHostKeyPolicy } from '../../../bot/src/nodes/ssh/host-key-policy';
import { parseKnownHosts, readKnownHostsFile } from '../../../bot/src/nodes/ssh/known-hosts';
import { loadPrivateKeyFile } from '../../../bot/src/nodes/ssh/private-key';
import type { SshNodeTarget } from '../../../bot/src/nodes/ssh/ssh-session';
import type { TestSshd } from './sshd-server';

function must<T>(c: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!c.ok) throw new Error(c.message);
  return c.value;
}

/** A target for the test sshd: root (or `username`), the authorised client key, its known_hosts (or the given text / pins for 127.0.0.1). */
export function targetFor(sshd: TestSshd, o: { knownHostsText?: string; fingerprints?: string[]; keyFile?: string; port?: number; username?: string } & Partial<SshNodeTarget> = {}): SshNodeTarget {
  const knownHosts = o.knownHostsText !== undefined ? must(parseKnownHosts(o.knownHostsText, 'test known_hosts')) : o.fingerprints ? undefined : must(readKnownHostsFile(sshd.knownHosts));
  return {
    address: { username: o.username ?? 'root', host: '127.0.0.1', port: o.port ?? sshd.port },
    key: o.key ?? must(loadPrivateKeyFile(o.keyFile ?? sshd.clientKey)),
    hostKeys: o.hostKeys ?? must(createHostKeyPolicy({ knownHosts, pins: { byHost: new Map(o.fingerprints ? [['127.0.0.1', o.fingerprints]] : []) } })),
    jump: o.jump,
    connectTimeoutMs: o.connectTimeoutMs ?? 10000,
    commandTimeoutMs: o.commandTimeoutMs ?? 30000,
    ...(o.maxOutputBytes !== undefined ? { maxOutputBytes: o.maxOutputBytes } : {}),
  };
}

/** A TCP server on 127.0.0.1 that accepts and never speaks, counting connections (proves "rejected before connecting"). */
export async function silentServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((s) => {
    count++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
