import { knownHostsName, parseSshAddress } from './ssh-address';
import { invalid, type Checked } from './errors';
import { FINGERPRINT, keyTypeOf, sha256Fingerprint, shortKeyType } from './host-key-fingerprint';
import { entryNamesHost, type KnownHosts } from './known-hosts';

export type HostKeyVerdict = { ok: true; how: string } | { ok: false; code: 'HOST_KEY_UNKNOWN' | 'HOST_KEY_CHANGED' | 'HOST_KEY_REVOKED'; fingerprint: string; message: string };

/** Strict host-key checking: no key is ever trusted on first use. */
export interface HostKeyPolicy {
  verify(host: string, port: number, key: Buffer): HostKeyVerdict;
  /** Host key algorithms to offer, those of keys known for this host first (as OpenSSH orders them). */
  algorithms(host: string, port: number): string[];
}

/** ssh2's host key algorithms, for each key type. */
const ALGORITHMS: Array<[string, string[]]> = [
  ['ssh-ed25519', ['ssh-ed25519']],
  ['ecdsa-sha2-nistp256', ['ecdsa-sha2-nistp256']],
  ['ecdsa-sha2-nistp384', ['ecdsa-sha2-nistp384']],
  ['ecdsa-sha2-nistp521', ['ecdsa-sha2-nistp521']],
  ['ssh-rsa', ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']],
];

/** Pinned host keys: for one host each (the name the bot connects to), and, in the old form only, for every host. */
export interface HostKeyPins {
  /** host (lowercase; IPv6 without brackets) -> its pinned fingerprints. */
  byHost?: Map<string, string[]>;
  /** Pins without a host (WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS's old form): trusted for every host. */
  everyHost?: string[];
}

/**
 * "SHA256:…" (no host: the caller decides which host it pins) or
 * "HOST=SHA256:…", HOST a host name, node name or IP address.
 */
export function parsePin(entry: string): { host?: string; fingerprint: string } | undefined {
  const eq = entry.indexOf('=');
  if (eq < 0) return FINGERPRINT.test(entry) ? { fingerprint: entry } : undefined;
  const host = entry
    .slice(0, eq)
    .trim()
    .replace(/^\[(.*)\]$/, '$1');
  const fingerprint = entry.slice(eq + 1).trim();
  if (!FINGERPRINT.test(fingerprint)) return undefined;
  const parsed = parseSshAddress(`u@${host.includes(':') ? `[${host}]` : host}`);
  return parsed.ok && host !== '' ? { host: parsed.value.host, fingerprint } : undefined;
}

export const BAD_PIN =
  'is not a host key fingerprint: give it as OpenSSH prints it, "SHA256:" and 43 base64 characters (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the node), after the host it pins and "=" (node-7=SHA256:…)';

/**
 * Trusts a host key when it is listed for the host in known_hosts, or, when
 * known_hosts lists no key for that host, when its SHA256 fingerprint is
 * pinned for that host. A key that differs from the one known_hosts lists
 * (changed) is refused even when a pin names it: a pin adds trust for a host
 * known_hosts does not know, it never overrides known_hosts. An unknown key
 * and a @revoked one are refused too, and the message shows the fingerprint
 * and exactly how to trust it after checking.
 */
export function createHostKeyPolicy(opts: {
  knownHosts?: KnownHosts;
  pins?: HostKeyPins;
  /** How messages spell the pin of `fingerprint` for `host` (default: the CLI's `--host-key-fingerprint HOST=SHA256:…`). */
  pinHint?: (host: string, fingerprint: string) => string;
  /** What the pins are called in messages (default "--host-key-fingerprint"). */
  pinSetting?: string;
  /**
   * Pins exist for other hosts (the bot's configuration, per node): with none
   * for this host and no known_hosts, every key is refused as unknown, with
   * the pin to add, instead of the policy being refused as empty.
   */
  pinsElsewhere?: boolean;
}): Checked<HostKeyPolicy> {
  const byHost = opts.pins?.byHost ?? new Map<string, string[]>();
  const everyHost = opts.pins?.everyHost ?? [];
  const pinSetting = opts.pinSetting ?? '--host-key-fingerprint';
  const pinHint = opts.pinHint ?? ((host: string, fp: string) => `--host-key-fingerprint ${host.includes(':') ? `[${host}]` : host}=${fp}`);
  const badPin = [...everyHost, ...[...byHost.values()].flat()].find((f) => !FINGERPRINT.test(f));
  if (badPin !== undefined) return invalid('BAD_FINGERPRINT', `${JSON.stringify(badPin)} ${BAD_PIN}`);
  if (!opts.knownHosts && byHost.size === 0 && everyHost.length === 0 && !opts.pinsElsewhere) {
    return invalid('BAD_KNOWN_HOSTS', 'host keys are always checked: give a known_hosts file (--known-hosts FILE) or pinned fingerprints (--host-key-fingerprint SHA256:...)');
  }
  const known = opts.knownHosts;
  const entriesFor = (host: string, port: number) => (known?.entries ?? []).filter((e) => entryNamesHost(e, knownHostsName(host, port)));
  const pinnedFor = (host: string): string[] => [...(byHost.get(host.toLowerCase()) ?? []), ...everyHost];

  function verify(host: string, port: number, key: Buffer): HostKeyVerdict {
    const name = knownHostsName(host, port);
    const fingerprint = sha256Fingerprint(key);
    const type = keyTypeOf(key);
    const entries = entriesFor(host, port);
    const revoked = (known?.entries ?? []).find((e) => e.marker === '@revoked' && e.key.equals(key));
    if (revoked) {
      return {
        ok: false,
        code: 'HOST_KEY_REVOKED',
        fingerprint,
        message: `the host key of ${name} (${type} ${fingerprint}) is marked @revoked in ${known?.source} line ${revoked.line}: refusing to connect; the node needs a new host key`,
      };
    }
    const listed = entries.find((e) => e.marker === '' && e.key.equals(key));
    if (listed) return { ok: true, how: `${known?.source} line ${listed.line}` };
    const check = `check it on the node first: \`ssh-keygen -lf /etc/ssh/ssh_host_${shortKeyType(type)}_key.pub\` must print ${fingerprint}`;
    const line = `${name} ${type} ${key.toString('base64')}`;
    const pinned = pinnedFor(host).includes(fingerprint);
    const others = entries.filter((e) => e.marker === '');
    if (others.length > 0) {
      return {
        ok: false,
        code: 'HOST_KEY_CHANGED',
        fingerprint,
        message: `the host key of ${name} has CHANGED: it presents ${type} ${fingerprint}, but ${known?.source} line${others.length > 1 ? 's' : ''} ${others.map((e) => e.line).join(', ')} list${others.length > 1 ? '' : 's'} a different key (${others.map((e) => `${e.keyType} ${sha256Fingerprint(e.key)}`).join(', ')}). Either the node was reinstalled or someone is in the middle; nothing was sent.${pinned ? ` The key is pinned (${pinSetting}), but a pin never overrides a known_hosts entry that lists another key.` : ''} If the node was reinstalled, ${check}, then replace the old entry: \`ssh-keygen -R '${name}' -f ${known?.source}\` and add the line\n  ${line}`,
      };
    }
    if (pinned) return { ok: true, how: `pinned fingerprint ${fingerprint}${byHost.get(host.toLowerCase())?.includes(fingerprint) ? ` for ${host}` : ' (pinned for every host)'}` };
    const where = known ? `not in ${known.source}` : `not pinned for ${host} (${pinSetting})`;
    const keyscan = known ? ` (or \`ssh-keyscan${port === 22 ? '' : ` -p ${port}`} -t ${shortKeyType(type)} ${host} >> ${known.source}\`, which trusts whatever answers: compare the fingerprint)` : '';
    return {
      ok: false,
      code: 'HOST_KEY_UNKNOWN',
      fingerprint,
      message: `the host key of ${name} is ${where}: it presents ${type} ${fingerprint}. Nothing was sent. To trust it, ${check}, then ${known ? `add this line to ${known.source}${keyscan}:\n  ${line}\nor pin it with ${pinHint(host, fingerprint)}` : `pin it with ${pinHint(host, fingerprint)}`}`,
    };
  }

  function algorithms(host: string, port: number): string[] {
    const knownTypes = new Set(
      entriesFor(host, port)
        .filter((e) => e.marker === '')
        .map((e) => e.keyType),
    );
    const first = ALGORITHMS.filter(([t]) => knownTypes.has(t)).flatMap(([, a]) => a);
    return [...first, ...ALGORITHMS.flatMap(([, a]) => a).filter((a) => !first.includes(a))];
  }

  return { ok: true, value: { verify, algorithms } };
}
