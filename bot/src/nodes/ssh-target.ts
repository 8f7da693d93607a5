import { invalid, type Checked } from './ssh/errors';
import { BAD_PIN, createHostKeyPolicy, parsePin } from './ssh/host-key-policy';
import type { KnownHosts } from './ssh/known-hosts';
import type { SshPrivateKey } from './ssh/private-key';
import { parseSshAddress } from './ssh/ssh-address';
import type { SshNodeTarget } from './ssh/ssh-session';

/**
 * What an SSH target is made of, wherever the values came from: the bot's
 * configuration (ssh-fallback.ts, files re-read when they change) or the
 * command line (`diagnose --ssh`, read once).
 */
export interface SshTargetParts {
  /** "user@host[:port]" and the setting it came from, for messages. */
  address: { spec: string; setting: string };
  jump?: { spec: string; setting: string };
  key: () => Checked<SshPrivateKey>;
  knownHosts?: () => Checked<KnownHosts>;
  /**
   * Pinned host keys, each for one host: "SHA256:…" pins the key of the
   * node's host (`address`), "HOST=SHA256:…" the key of HOST (the jump host,
   * or the node's host by name). A pin never overrides known_hosts.
   */
  fingerprints: string[];
  /** Pins trusted for every host: WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS's old form, without host names. */
  everyHostFingerprints?: string[];
  /** How messages name the pin setting ("--host-key-fingerprint", the default, or "WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS"). */
  pinSetting?: string;
  /** How messages spell the pin of a host's key (default: the command line's, plain for the node's host, HOST= for the jump host). */
  pinHint?: (host: string, fingerprint: string) => string;
  /** Pins exist for other nodes (the bot's per-node pins): a target without any, and without known_hosts, refuses every key as unknown. */
  pinsElsewhere?: boolean;
  /** Prefixes for key and known_hosts errors ("WHYSTUCK_SSH_KEY_FILE"); none on the command line, where the error names the file. */
  keySetting?: string;
  knownHostsSetting?: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

const prefixed = <T>(c: Exclude<Checked<T>, { ok: true }>, setting?: string): Checked<never> => ({ ...c, message: setting ? `${setting}: ${c.message}` : c.message });

/** The one SSH target builder: address, jump host, key, host-key policy (known_hosts and/or pins, never trust on first use), deadlines. */
export function buildSshTarget(p: SshTargetParts): Checked<SshNodeTarget> {
  const address = parseSshAddress(p.address.spec, p.address.setting);
  if (!address.ok) return address;
  const jump = p.jump ? parseSshAddress(p.jump.spec, p.jump.setting) : undefined;
  if (jump && !jump.ok) return jump;
  const known = p.knownHosts?.();
  if (known && !known.ok) return prefixed(known, p.knownHostsSetting);
  const byHost = new Map<string, string[]>();
  for (const entry of p.fingerprints) {
    const pin = parsePin(entry);
    if (!pin) return invalid('BAD_FINGERPRINT', `${p.pinSetting ?? '--host-key-fingerprint'}: ${JSON.stringify(entry)} ${BAD_PIN}`);
    const host = pin.host ?? address.value.host;
    byHost.set(host, [...(byHost.get(host) ?? []), pin.fingerprint]);
  }
  const nodeHost = address.value.host;
  const pinHint = p.pinHint ?? ((host: string, fp: string) => `--host-key-fingerprint ${host === nodeHost ? '' : `${host.includes(':') ? `[${host}]` : host}=`}${fp}`);
  const hostKeys = createHostKeyPolicy({
    knownHosts: known?.value,
    pins: { byHost, everyHost: p.everyHostFingerprints ?? [] },
    pinHint,
    pinsElsewhere: p.pinsElsewhere ?? false,
    ...(p.pinSetting ? { pinSetting: p.pinSetting } : {}),
  });
  if (!hostKeys.ok) return prefixed(hostKeys, p.knownHostsSetting);
  const key = p.key();
  if (!key.ok) return prefixed(key, p.keySetting);
  return {
    ok: true,
    value: {
      address: address.value,
      key: key.value,
      hostKeys: hostKeys.value,
      jump: jump?.ok ? { address: jump.value } : undefined,
      connectTimeoutMs: p.connectTimeoutMs,
      commandTimeoutMs: p.commandTimeoutMs,
    },
  };
}
