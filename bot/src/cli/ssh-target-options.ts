import { cliSettings, type Env } from '../config';
import type { Checked } from '../nodes/ssh/errors';
import { readKnownHostsFile } from '../nodes/ssh/known-hosts';
import { loadPrivateKeyFile } from '../nodes/ssh/private-key';
import type { SshNodeTarget } from '../nodes/ssh/ssh-session';
import { buildSshTarget } from '../nodes/ssh-target';

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
  const connect = seconds(v['connect-timeout'], '--connect-timeout', 10);
  if (!connect.ok) return connect;
  const command = seconds(v['command-timeout'], '--command-timeout', 30);
  if (!command.ok) return command;
  const keyFile = v['ssh-key'];
  if (!keyFile) return { ok: false, code: 'BAD_KEY', message: '--ssh needs --ssh-key FILE: the private key to log in with (password logins are not supported)' };
  const knownFile = v['known-hosts'];
  if (!knownFile && !v['host-key-fingerprint']?.length) {
    return { ok: false, code: 'BAD_KNOWN_HOSTS', message: '--ssh needs --known-hosts FILE or --host-key-fingerprint SHA256:...: host keys are always checked, never trusted on first use' };
  }
  return buildSshTarget({
    address: { spec: v.ssh ?? '', setting: '--ssh' },
    ...(v.jump !== undefined ? { jump: { spec: v.jump, setting: '--jump' } } : {}),
    key: () => loadPrivateKeyFile(keyFile, { passphrase: cliSettings(env).sshKeyPassphrase }),
    ...(knownFile ? { knownHosts: () => readKnownHostsFile(knownFile) } : {}),
    fingerprints: v['host-key-fingerprint'] ?? [],
    connectTimeoutMs: connect.value,
    commandTimeoutMs: command.value,
  });
}
