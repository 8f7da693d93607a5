import { cliSettings, type Env } from '../config';
import type { Checked } from '../ssh/errors';
import { createHostKeyPolicy } from '../ssh/host-key-policy';
import { readKnownHostsFile } from '../ssh/known-hosts';
import { loadPrivateKeyFile } from '../ssh/private-key';
import { parseSshAddress } from '../ssh/ssh-address';
import type { SshNodeTarget } from '../ssh/ssh-session';

export interface SshCliValues {
  ssh?: string;
  'ssh-key'?: string;
  'known-hosts'?: string;
  'host-key-fingerprint'?: string[];
  jump?: string;
  'connect-timeout'?: string;
  'command-timeout'?: string;
}

/** The `--ssh …` options of the CLI, as node-util parseArgs options. */
export const SSH_CLI_OPTIONS = {
  ssh: { type: 'string' },
  'ssh-key': { type: 'string' },
  'known-hosts': { type: 'string' },
  'host-key-fingerprint': { type: 'string', multiple: true },
  jump: { type: 'string' },
  'connect-timeout': { type: 'string' },
  'command-timeout': { type: 'string' },
} as const;

function seconds(value: string | undefined, what: string, fallbackSeconds: number): Checked<number> {
  if (value === undefined) return { ok: true, value: fallbackSeconds * 1000 };
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0 || Number(value) > 600) {
    return { ok: false, code: 'BAD_TARGET', message: `${what} is in seconds, more than 0 and at most 600, not ${JSON.stringify(value)}` };
  }
  return { ok: true, value: Math.round(Number(value) * 1000) };
}

/**
 * The SSH target from command-line options: the address, the key file
 * (passphrase from WHYSTUCK_SSH_KEY_PASSPHRASE), the known_hosts file and/or
 * pinned fingerprints, an optional jump host, and the two deadlines.
 */
export function sshTargetFromCli(v: SshCliValues, env: Env): Checked<SshNodeTarget> {
  const address = parseSshAddress(v.ssh ?? '', '--ssh');
  if (!address.ok) return address;
  const jump = v.jump === undefined ? undefined : parseSshAddress(v.jump, '--jump');
  if (jump && !jump.ok) return jump;
  const connect = seconds(v['connect-timeout'], '--connect-timeout', 10);
  if (!connect.ok) return connect;
  const command = seconds(v['command-timeout'], '--command-timeout', 30);
  if (!command.ok) return command;
  if (!v['ssh-key']) return { ok: false, code: 'BAD_KEY', message: '--ssh needs --ssh-key FILE: the private key to log in with (password logins are not supported)' };
  if (!v['known-hosts'] && !v['host-key-fingerprint']?.length) {
    return { ok: false, code: 'BAD_KNOWN_HOSTS', message: '--ssh needs --known-hosts FILE or --host-key-fingerprint SHA256:...: host keys are always checked, never trusted on first use' };
  }
  const knownHosts = v['known-hosts'] ? readKnownHostsFile(v['known-hosts']) : undefined;
  if (knownHosts && !knownHosts.ok) return knownHosts;
  const hostKeys = createHostKeyPolicy({ knownHosts: knownHosts?.value, fingerprints: v['host-key-fingerprint'] });
  if (!hostKeys.ok) return hostKeys;
  const key = loadPrivateKeyFile(v['ssh-key'], { passphrase: cliSettings(env).sshKeyPassphrase });
  if (!key.ok) return key;
  return {
    ok: true,
    value: {
      address: address.value, key: key.value, hostKeys: hostKeys.value,
      jump: jump?.ok ? { address: jump.value } : undefined,
      connectTimeoutMs: connect.value, commandTimeoutMs: command.value,
    },
  };
}
