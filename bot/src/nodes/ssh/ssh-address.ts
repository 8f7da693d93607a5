import { isIP } from 'node:net';
import { invalid, type Checked } from './errors';

/** Where to log in: `USER@HOST[:PORT]`, IPv6 as `USER@[ADDR][:PORT]`. */
export interface SshAddress {
  username: string;
  host: string;
  port: number;
}

const USER = /^[a-z_][a-z0-9_.-]{0,31}$/i;
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*\\.?$`, 'i');

/** Parses and validates `USER@HOST[:PORT]`; `what` names the option in messages. */
export function parseSshAddress(spec: string, what = '--ssh'): Checked<SshAddress> {
  const bad = (why: string): Checked<SshAddress> => invalid('BAD_TARGET', `${what} must be USER@HOST[:PORT] (IPv6: USER@[ADDRESS]:PORT), not ${JSON.stringify(spec)}: ${why}`);
  const at = spec.lastIndexOf('@');
  if (at < 0) return bad('the user is missing (e.g. root@node-7.example.com)');
  const username = spec.slice(0, at);
  const rest = spec.slice(at + 1);
  if (!USER.test(username)) return bad(`the user ${JSON.stringify(username)} is not a login name (letters, digits, _ . -; up to 32)`);
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([0-9a-f:.]+)\](?::(.*))?$/i.exec(rest);
  if (v6) {
    host = v6[1];
    portText = v6[2];
    if (isIP(host) !== 6) return bad(`${host} is not an IPv6 address`);
  } else {
    const colon = rest.indexOf(':');
    host = colon < 0 ? rest : rest.slice(0, colon);
    portText = colon < 0 ? undefined : rest.slice(colon + 1);
    if (isIP(host) !== 4 && !HOSTNAME.test(host)) return bad(`${JSON.stringify(host)} is not a host name or IP address`);
  }
  let port = 22;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return bad(`the port ${JSON.stringify(portText)} is not a number from 1 to 65535`);
    port = Number(portText);
  }
  return { ok: true, value: { username, host: host.toLowerCase(), port } };
}

/** The host as known_hosts names it: `host` on port 22, `[host]:port` elsewhere. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export const formatSshAddress = (a: SshAddress): string => `${a.username}@${a.host.includes(':') ? `[${a.host}]` : a.host}${a.port === 22 ? '' : `:${a.port}`}`;
