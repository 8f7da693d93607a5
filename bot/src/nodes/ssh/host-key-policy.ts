import { knownHostsName } from './ssh-address';
import { invalid, type Checked } from './errors';
import { FINGERPRINT, keyTypeOf, sha256Fingerprint, shortKeyType } from './host-key-fingerprint';
import { entryNamesHost, type KnownHosts } from './known-hosts';

export type HostKeyVerdict =
  | { ok: true; how: string }
  | { ok: false; code: 'HOST_KEY_UNKNOWN' | 'HOST_KEY_CHANGED' | 'HOST_KEY_REVOKED'; fingerprint: string; message: string };

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

/**
 * Trusts a host key when it is listed for the host in known_hosts, or when its
 * SHA256 fingerprint is pinned. An unknown key, a key that differs from the one
 * known_hosts lists (changed), or a @revoked one is refused, and the message
 * shows the fingerprint and exactly how to trust it after checking.
 */
export function createHostKeyPolicy(opts: { knownHosts?: KnownHosts; fingerprints?: string[]; /** How messages name the pin setting: the CLI's "--host-key-fingerprint" (default), or "NAME=" for an environment setting. */ pinSetting?: string }): Checked<HostKeyPolicy> {
  const pins = opts.fingerprints ?? [];
  const pinSetting = opts.pinSetting ?? '--host-key-fingerprint';
  const pinWith = (fp: string): string => `${pinSetting}${pinSetting.endsWith('=') ? '' : ' '}${fp}`;
  const badPin = pins.find((f) => !FINGERPRINT.test(f));
  if (badPin !== undefined) {
    return invalid('BAD_FINGERPRINT', `${JSON.stringify(badPin)} is not a host key fingerprint: give it as OpenSSH prints it, "SHA256:" and 43 base64 characters (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the node)`);
  }
  if (!opts.knownHosts && pins.length === 0) {
    return invalid('BAD_KNOWN_HOSTS', 'host keys are always checked: give a known_hosts file (--known-hosts FILE) or pinned fingerprints (--host-key-fingerprint SHA256:...)');
  }
  const known = opts.knownHosts;
  const entriesFor = (host: string, port: number) => (known?.entries ?? []).filter((e) => entryNamesHost(e, knownHostsName(host, port)));

  function verify(host: string, port: number, key: Buffer): HostKeyVerdict {
    const name = knownHostsName(host, port);
    const fingerprint = sha256Fingerprint(key);
    const type = keyTypeOf(key);
    const entries = entriesFor(host, port);
    const revoked = (known?.entries ?? []).find((e) => e.marker === '@revoked' && e.key.equals(key));
    if (revoked) {
      return { ok: false, code: 'HOST_KEY_REVOKED', fingerprint, message: `the host key of ${name} (${type} ${fingerprint}) is marked @revoked in ${known?.source} line ${revoked.line}: refusing to connect; the node needs a new host key` };
    }
    const listed = entries.find((e) => e.marker === '' && e.key.equals(key));
    if (listed) return { ok: true, how: `${known?.source} line ${listed.line}` };
    if (pins.includes(fingerprint)) return { ok: true, how: `pinned fingerprint ${fingerprint}` };
    const check = `check it on the node first: \`ssh-keygen -lf /etc/ssh/ssh_host_${shortKeyType(type)}_key.pub\` must print ${fingerprint}`;
    const line = `${name} ${type} ${key.toString('base64')}`;
    const others = entries.filter((e) => e.marker === '');
    if (others.length > 0) {
      return {
        ok: false, code: 'HOST_KEY_CHANGED', fingerprint,
        message: `the host key of ${name} has CHANGED: it presents ${type} ${fingerprint}, but ${known?.source} line${others.length > 1 ? 's' : ''} ${others.map((e) => e.line).join(', ')} list${others.length > 1 ? '' : 's'} a different key (${others.map((e) => `${e.keyType} ${sha256Fingerprint(e.key)}`).join(', ')}). Either the node was reinstalled or someone is in the middle; nothing was sent. If the node was reinstalled, ${check}, then replace the old entry: \`ssh-keygen -R '${name}' -f ${known?.source}\` and add the line\n  ${line}`,
      };
    }
    const where = known ? `not in ${known.source}` : `not one of the pinned fingerprints (${pinSetting.replace(/=$/, '')})`;
    const keyscan = known ? ` (or \`ssh-keyscan${port === 22 ? '' : ` -p ${port}`} -t ${shortKeyType(type)} ${host} >> ${known.source}\`, which trusts whatever answers: compare the fingerprint)` : '';
    return {
      ok: false, code: 'HOST_KEY_UNKNOWN', fingerprint,
      message: `the host key of ${name} is ${where}: it presents ${type} ${fingerprint}. Nothing was sent. To trust it, ${check}, then ${known ? `add this line to ${known.source}${keyscan}:\n  ${line}\nor pin it with ${pinWith(fingerprint)}` : `pin it with ${pinWith(fingerprint)}`}`,
    };
  }

  function algorithms(host: string, port: number): string[] {
    const knownTypes = new Set(entriesFor(host, port).filter((e) => e.marker === '').map((e) => e.keyType));
    const first = ALGORITHMS.filter(([t]) => knownTypes.has(t)).flatMap(([, a]) => a);
    return [...first, ...ALGORITHMS.flatMap(([, a]) => a).filter((a) => !first.includes(a))];
  }

  return { ok: true, value: { verify, algorithms } };
}
