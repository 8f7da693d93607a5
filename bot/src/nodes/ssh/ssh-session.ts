import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { Readable } from 'node:stream';
import { formatSshAddress, type SshAddress } from './ssh-address';
import type { HostKeyPolicy, HostKeyVerdict } from './host-key-policy';
import type { SshPrivateKey } from './private-key';
import { UnsafeScriptArgumentError, type SshFailure, type SshResult } from './errors';

/** A node reached over SSH: where, with which key, which host keys to trust, and the deadlines. */
export interface SshNodeTarget {
  address: SshAddress;
  key: SshPrivateKey;
  hostKeys: HostKeyPolicy;
  /** Optional jump host (ProxyJump); its key defaults to `key`, its host key is checked by `hostKeys` too. */
  jump?: { address: SshAddress; key?: SshPrivateKey };
  /** Deadline for TCP connect, handshake and authentication, all hops together (default 10 s). */
  connectTimeoutMs?: number;
  /** Deadline for each remote script run (default 30 s). */
  commandTimeoutMs?: number;
  /** Most bytes one script run may print, standard output and error together (default SSH_MAX_OUTPUT_BYTES, 32 MiB). */
  maxOutputBytes?: number;
}

export interface ScriptOutput {
  stdout: Buffer;
  stderr: string;
  /** Exit status of the remote shell; null when it ended by a signal. */
  code: number | null;
}

export interface SshSession {
  /** "user@host:port" (via the jump host when there is one), for messages. */
  readonly where: string;
  /**
   * Runs a fixed script with `sh -s -- WORD...`: the script goes on standard
   * input, the command line carries only fixed lowercase words and integers.
   */
  run(script: string, words: Array<string | number>, opts?: { deadlineMs?: number; maxBytes?: number }): Promise<SshResult<ScriptOutput>>;
  /** Closes the connection (every hop); runs still going end with what closed it. */
  close(): void;
}

const SAFE_WORD = /^(?:[a-z]{1,16}|\d{1,20})$/;
const DEFAULT_CONNECT_MS = 10_000;
const DEFAULT_COMMAND_MS = 30_000;
/**
 * What one script run may print (standard output and error together): a
 * whole-node scan of 10,000 threads prints 3.5 MB (10 processes of 1,000
 * threads) to 5.5 MB (1,000 processes of 10 threads), and cmdlines are cut to
 * 4 KiB each on the node. A run that prints more is
 * stopped, the connection is closed, and nothing it printed is used.
 */
export const SSH_MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
/** Of standard error, only this much is kept (for messages and error lines); it still counts toward the limit. */
const MAX_STDERR = 1024 * 1024;

/** "32 MiB (33554432 bytes)". */
export function describeBytes(n: number): string {
  const unit = n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : '';
  return unit ? `${unit} (${n} bytes)` : `${n} bytes`;
}

/** Opens an authenticated session (through the jump host when given); host keys are checked on every hop. */
export async function openSshSession(target: SshNodeTarget): Promise<SshResult<SshSession>> {
  const where = formatSshAddress(target.address) + (target.jump ? ` via ${formatSshAddress(target.jump.address)}` : '');
  const deadline = Date.now() + (target.connectTimeoutMs ?? DEFAULT_CONNECT_MS);
  const clients: Client[] = [];
  const closeAll = (): void => {
    for (const c of clients.reverse()) c.end();
  };
  let sock: Readable | undefined;
  if (target.jump) {
    const jump = await connectHop({ address: target.jump.address, key: target.jump.key ?? target.key, hostKeys: target.hostKeys, deadline, role: 'jump host' });
    if (jump.status !== 'ok') return jump;
    clients.push(jump.value);
    const tunnel = await forward(jump.value, target.address, deadline, formatSshAddress(target.jump.address));
    if (tunnel.status !== 'ok') {
      closeAll();
      return tunnel;
    }
    sock = tunnel.value;
  }
  const hop = await connectHop({ address: target.address, key: target.key, hostKeys: target.hostKeys, deadline, sock, role: 'node' });
  if (hop.status !== 'ok') {
    closeAll();
    return hop;
  }
  clients.push(hop.value);
  const client = hop.value;
  // Once a run broke the connection (too much output), every run on it ends with that failure, never with partial output.
  const conn: Connection = {
    client,
    where,
    broken: undefined,
    abort: (failure) => {
      conn.broken ??= failure;
      closeAll();
    },
  };
  return {
    status: 'ok',
    value: {
      where,
      run: (script, words, opts = {}) =>
        runScript(conn, script, words, opts.deadlineMs ?? target.commandTimeoutMs ?? DEFAULT_COMMAND_MS, opts.maxBytes ?? target.maxOutputBytes ?? SSH_MAX_OUTPUT_BYTES),
      close: closeAll,
    },
  };
}

interface Connection {
  client: Client;
  where: string;
  /** Why the connection was closed under the runs, if it was. */
  broken: SshFailure | undefined;
  /** Closes the connection for good, for `failure`. */
  abort(failure: SshFailure): void;
}

interface Hop {
  address: SshAddress;
  key: SshPrivateKey;
  hostKeys: HostKeyPolicy;
  deadline: number;
  sock?: Readable;
  role: 'node' | 'jump host';
}

function connectHop(hop: Hop): Promise<SshResult<Client>> {
  const { host, port, username } = hop.address;
  const address = formatSshAddress(hop.address);
  return new Promise((resolve) => {
    const client = new Client();
    let verdict: HostKeyVerdict | undefined;
    let settled = false;
    const settle = (r: SshResult<Client>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (r.status !== 'ok') client.end();
      resolve(r);
    };
    const readyTimeout = Math.max(1, hop.deadline - Date.now());
    const timer = setTimeout(
      () =>
        settle({
          status: 'unreachable',
          code: 'CONNECT_TIMEOUT',
          address,
          message: `no SSH session with the ${hop.role} ${address} within the connect deadline (is sshd listening, and the port open from here?)`,
        }),
      readyTimeout + 100,
    );
    client.on('ready', () => settle({ status: 'ok', value: client }));
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (verdict && !verdict.ok) {
        settle({ status: 'rejected', code: verdict.code, address, message: `refused the ${hop.role}: ${verdict.message}`, fingerprint: verdict.fingerprint });
      } else if (err.level === 'client-authentication') {
        settle({
          status: 'rejected',
          code: 'AUTH_FAILED',
          address,
          message: `${address} did not accept the ${hop.key.describe()}: add its public key (ssh-keygen -y -f KEY) to ~${username}/.ssh/authorized_keys on the ${hop.role}`,
        });
      } else if (err.level === 'client-timeout') {
        settle({ status: 'unreachable', code: 'CONNECT_TIMEOUT', address, message: `the SSH handshake with the ${hop.role} ${address} did not finish within the connect deadline` });
      } else if (err.level === 'client-socket') {
        const why =
          err.code === 'ECONNREFUSED'
            ? 'connection refused (is sshd running on that port?)'
            : err.code === 'ENOTFOUND'
              ? 'no such host'
              : err.code === 'EHOSTUNREACH'
                ? 'no route to host'
                : err.message;
        settle({ status: 'unreachable', code: 'UNREACHABLE', address, message: `cannot reach the ${hop.role} ${address}: ${why}` });
      } else {
        settle({ status: 'unreachable', code: 'UNREACHABLE', address, message: `SSH with the ${hop.role} ${address} failed: ${err.message}` });
      }
    });
    client.on('close', () => settle({ status: 'unreachable', code: 'UNREACHABLE', address, message: `the ${hop.role} ${address} closed the connection during the handshake` }));
    const config: ConnectConfig = {
      host,
      port,
      username,
      ...hop.key.material(),
      sock: hop.sock,
      readyTimeout,
      tryKeyboard: false,
      hostVerifier: (key: Buffer): boolean => {
        verdict = hop.hostKeys.verify(host, port, key);
        return verdict.ok;
      },
      algorithms: { serverHostKey: hop.hostKeys.algorithms(host, port) as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
    };
    client.connect(config);
  });
}

function forward(jump: Client, to: SshAddress, deadline: number, jumpName: string): Promise<SshResult<ClientChannel>> {
  const address = formatSshAddress(to);
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => resolve({ status: 'unreachable', code: 'CONNECT_TIMEOUT', address, message: `the jump host ${jumpName} did not open a tunnel to ${to.host}:${to.port} within the connect deadline` }),
      Math.max(1, deadline - Date.now()),
    );
    jump.forwardOut('127.0.0.1', 0, to.host, to.port, (err, stream) => {
      clearTimeout(timer);
      if (err)
        resolve({
          status: 'unreachable',
          code: 'UNREACHABLE',
          address,
          message: `the jump host ${jumpName} could not reach ${to.host}:${to.port}: ${err.message} (AllowTcpForwarding on the jump host?)`,
        });
      else resolve({ status: 'ok', value: stream });
    });
  });
}

function runScript(conn: Connection, script: string, words: Array<string | number>, deadlineMs: number, maxBytes: number): Promise<SshResult<ScriptOutput>> {
  for (const w of words) if (!SAFE_WORD.test(String(w))) throw new UnsafeScriptArgumentError(String(w));
  const { client, where } = conn;
  const command = ['sh', '-s', '--', ...words].join(' ');
  const what = `the ${String(words[0] ?? '')} script on ${where}`.replace('the  script', 'the script');
  if (conn.broken) return Promise.resolve(conn.broken);
  return new Promise((resolve) => {
    let channel: ClientChannel | undefined;
    let settled = false;
    const fail = (r: SshFailure): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      channel?.close();
      resolve(r);
    };
    const timer = setTimeout(
      () =>
        fail({
          status: 'rejected',
          code: 'COMMAND_TIMEOUT',
          address: where,
          message: `${what} did not finish within ${deadlineMs < 1000 ? `${deadlineMs} ms` : `${Math.round(deadlineMs / 100) / 10} s`} (command deadline)`,
        }),
      deadlineMs,
    );
    client.exec(command, (err, stream) => {
      if (err) {
        fail(conn.broken ?? { status: 'rejected', code: 'SCRIPT_FAILED', address: where, message: `cannot run a command on ${where}: ${err.message}` });
        return;
      }
      if (settled) {
        stream.close();
        return;
      }
      channel = stream;
      const out: Buffer[] = [];
      const errs: Buffer[] = [];
      let size = 0;
      let errSize = 0;
      const tooMuch = (): void => {
        const failure: SshFailure = {
          status: 'rejected',
          code: 'OUTPUT_TOO_LARGE',
          address: where,
          message: `${what} printed more than ${describeBytes(maxBytes)}, the most the SSH fallback reads from one script run: stopped reading and closed the connection; nothing it printed was used`,
        };
        fail(failure);
        conn.abort(failure);
      };
      stream.on('data', (d: Buffer) => {
        if (settled) return;
        size += d.length;
        if (size + errSize > maxBytes) tooMuch();
        else out.push(d);
      });
      stream.stderr.on('data', (d: Buffer) => {
        if (settled) return;
        errSize += d.length;
        if (size + errSize > maxBytes) tooMuch();
        else if (errSize <= MAX_STDERR) errs.push(d);
      });
      stream.on('close', (code: number | null | undefined) => {
        if (settled) return;
        if (conn.broken) {
          fail(conn.broken);
          return;
        }
        settled = true;
        clearTimeout(timer);
        resolve({ status: 'ok', value: { stdout: Buffer.concat(out), stderr: Buffer.concat(errs).toString('utf8'), code: code ?? null } });
      });
      stream.end(script);
    });
  });
}
