import { z } from 'zod';
import { isNodeName } from '../kube/names';
import { FINGERPRINT } from '../nodes/ssh/host-key-fingerprint';
import { parseSshAddress } from '../nodes/ssh/ssh-address';
import { ConfigError } from './errors';
import { listWhere, numberWhere, pairsWhere, portNumber, textWhere, type SettingTable, type Sources } from './sources';

/** The SSH fallback: who logs in where, with which key, trusting which host keys. */
export interface SshFallbackConfig {
  user: string;
  /** Private key file (in Kubernetes a mounted Secret's ssh-privatekey); re-read when it changes. */
  keyFile: string;
  /** WHYSTUCK_SSH_KEY_PASSPHRASE, environment only: a function, so logging or serialising the config never shows it. */
  keyPassphrase?: () => string;
  /** OpenSSH known_hosts file; re-read when it changes. */
  knownHostsFile?: string;
  /** Pinned host key fingerprints (SHA256:…). */
  fingerprints: string[];
  /** Jump host USER@HOST[:PORT]. */
  jump?: string;
  port: number;
  /** How a node name becomes the SSH host: a name template ("{node}" = node name) or "internal-ip" (the node's InternalIP from the Kubernetes API). */
  host: string;
  /** node -> HOST[:PORT], before `host`. */
  hosts: Map<string, string>;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

export const SSH_FILE_KEYS = {
  ssh: z.object({
    user: z.string().optional(),
    keyFile: z.string().optional(),
    knownHosts: z.string().optional(),
    hostKeyFingerprints: z.array(z.string()).optional(),
    jump: z.string().optional(),
    port: z.number().optional(),
    host: z.string().optional(),
    hosts: z.record(z.string(), z.string()).optional(),
    connectTimeoutMs: z.number().optional(),
    commandTimeoutMs: z.number().optional(),
  }).strict().optional(),
};

export const SSH_SETTINGS = {
  keyFile: { env: 'WHYSTUCK_SSH_KEY_FILE', file: 'ssh.keyFile', blankIsUnset: true },
  passphrase: { env: 'WHYSTUCK_SSH_KEY_PASSPHRASE', secret: true, blankIsUnset: true },
  user: { env: 'WHYSTUCK_SSH_USER', file: 'ssh.user' },
  port: { env: 'WHYSTUCK_SSH_PORT', file: 'ssh.port', type: 'number' },
  knownHosts: { env: 'WHYSTUCK_SSH_KNOWN_HOSTS', file: 'ssh.knownHosts', blankIsUnset: true },
  fingerprints: { env: 'WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS', file: 'ssh.hostKeyFingerprints', type: 'list' },
  jump: { env: 'WHYSTUCK_SSH_JUMP', file: 'ssh.jump', blankIsUnset: true },
  host: { env: 'WHYSTUCK_SSH_HOST', file: 'ssh.host' },
  hosts: { env: 'WHYSTUCK_SSH_HOSTS', file: 'ssh.hosts', type: 'pairs' },
  connectTimeoutMs: { env: 'WHYSTUCK_SSH_CONNECT_TIMEOUT_MS', file: 'ssh.connectTimeoutMs', type: 'number' },
  commandTimeoutMs: { env: 'WHYSTUCK_SSH_COMMAND_TIMEOUT_MS', file: 'ssh.commandTimeoutMs', type: 'number' },
} satisfies SettingTable;

const ms = numberWhere((n) => Number.isInteger(n) && n >= 100 && n <= 600_000, 'must be an integer number of milliseconds from 100 to 600000');
const isHostTemplate = (host: string): boolean => host === 'internal-ip' || (/\{node\}/.test(host) && !host.includes(':') && parseSshAddress(`root@${host.replace(/\{node\}/g, 'node')}`).ok);

const SshSchema = z.object({
  keyFile: z.string().optional(),
  passphrase: z.string().optional(),
  user: textWhere((u) => parseSshAddress(`${u}@node`).ok, 'is not a login name (letters, digits, _ . -; up to 32)').default('root'),
  port: portNumber(1).default(22),
  knownHosts: z.string().optional(),
  fingerprints: listWhere((p) => FINGERPRINT.test(p), 'is not a host key fingerprint: give it as OpenSSH prints it, "SHA256:" and 43 base64 characters (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the node)').default([]),
  jump: z.string().transform((jump, ctx) => {
    const parsed = parseSshAddress(jump, 'jump');
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message.replace(/^\S+ must/, 'must'), params: { hideValue: true } });
    return jump;
  }).optional(),
  host: textWhere(isHostTemplate, 'must be "internal-ip" (the node\'s InternalIP from the Kubernetes API; the bot needs "get nodes") or a host name with "{node}" for the node name, e.g. "{node}" or "{node}.nodes.example.com"').default('{node}'),
  hosts: pairsWhere((node, addr) => isNodeName(node) && parseSshAddress(`root@${addr}`).ok, 'node=HOST[:PORT] (e.g. "node-7=10.0.3.17,node-8=[fd00::8]:2222")').default(() => new Map()),
  connectTimeoutMs: ms.default(10_000),
  commandTimeoutMs: ms.default(30_000),
});

/**
 * The SSH fallback's settings: off unless a key file is given. Parsing reads
 * no file; the key and known_hosts are read by checkConfigFiles (at start, and
 * in `whystuck config check`), so a bad one stops the bot before it serves.
 */
export function sshSection(src: Sources): SshFallbackConfig | undefined {
  const v = src.section('ssh fallback', SSH_SETTINGS, SshSchema);
  if (!v.keyFile) {
    const others = ['WHYSTUCK_SSH_KNOWN_HOSTS', 'WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS', 'WHYSTUCK_SSH_JUMP', 'WHYSTUCK_SSH_HOST', 'WHYSTUCK_SSH_HOSTS'].filter((k) => src.env[k]);
    const set = [...others, ...Object.keys((src.file.ssh as object | undefined) ?? {}).map((k) => `ssh.${k}`)];
    if (set.length) throw new ConfigError('WHYSTUCK_SSH_KEY_FILE', `not set, but ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'}: the SSH fallback needs the private key it logs in with (a file; in Kubernetes mount the Secret's ssh-privatekey), or unset those to leave the fallback off`);
    return undefined;
  }
  if (!v.knownHosts && !v.fingerprints.length) throw new ConfigError('WHYSTUCK_SSH_KNOWN_HOSTS', 'the SSH fallback always checks host keys: set WHYSTUCK_SSH_KNOWN_HOSTS (an OpenSSH known_hosts file listing the nodes, e.g. made with ssh-keyscan and checked) or WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS (SHA256:…, comma-separated)');
  const passphrase = v.passphrase;
  return {
    user: v.user, keyFile: v.keyFile, knownHostsFile: v.knownHosts, fingerprints: v.fingerprints, jump: v.jump, port: v.port, host: v.host, hosts: v.hosts,
    ...(passphrase !== undefined ? { keyPassphrase: () => passphrase } : {}),
    connectTimeoutMs: v.connectTimeoutMs,
    commandTimeoutMs: v.commandTimeoutMs,
  };
}
