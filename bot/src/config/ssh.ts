import { z } from 'zod';
import { isNodeName } from '../kube/names';
import { BAD_PIN, parsePin } from '../nodes/ssh/host-key-policy';
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
  /**
   * Pinned host keys by node name (or SSH host name, e.g. the jump host's):
   * WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS=node-7=SHA256:…,node-8=SHA256:…. A pin
   * never overrides a known_hosts entry for the same host.
   */
  hostFingerprints: Map<string, string[]>;
  /** The old form, SHA256:… without node names: trusted for every host (config check and the log say so). Empty unless given that way. */
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
  ssh: z
    .object({
      user: z.string().optional(),
      keyFile: z.string().optional(),
      knownHosts: z.string().optional(),
      hostKeyFingerprints: z.union([z.array(z.string()), z.record(z.string(), z.union([z.string(), z.array(z.string())]))]).optional(),
      jump: z.string().optional(),
      port: z.number().optional(),
      host: z.string().optional(),
      hosts: z.record(z.string(), z.string()).optional(),
      connectTimeoutMs: z.number().optional(),
      commandTimeoutMs: z.number().optional(),
    })
    .strict()
    .optional(),
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
  fingerprints: z
    .preprocess(
      // YAML may give a mapping, node: SHA256:… (or a list of them): the same as node=SHA256:… entries.
      (v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v).flatMap(([node, fps]) => (Array.isArray(fps) ? fps : [fps]).map((fp) => `${node}=${String(fp)}`)) : v),
      listWhere((p) => parsePin(p) !== undefined, BAD_PIN),
    )
    .default([])
    .transform((entries, ctx) => {
      const pins = entries.map((e) => parsePin(e) as { host?: string; fingerprint: string });
      const named = pins.filter((p) => p.host !== undefined);
      if (named.length > 0 && named.length < pins.length) {
        ctx.addIssue({
          code: 'custom',
          message: "mixes pins with and without a node name: give every pin as node=SHA256:… (one per node's key; a pin without a name would be trusted for every node)",
          params: { hideValue: true },
        });
        return z.NEVER;
      }
      return pins;
    }),
  jump: z
    .string()
    .transform((jump, ctx) => {
      const parsed = parseSshAddress(jump, 'jump');
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message.replace(/^\S+ must/, 'must'), params: { hideValue: true } });
      return jump;
    })
    .optional(),
  host: textWhere(
    isHostTemplate,
    'must be "internal-ip" (the node\'s InternalIP from the Kubernetes API; the bot needs "get nodes") or a host name with "{node}" for the node name, e.g. "{node}" or "{node}.nodes.example.com"',
  ).default('{node}'),
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
    if (set.length)
      throw new ConfigError(
        'WHYSTUCK_SSH_KEY_FILE',
        `not set, but ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'}: the SSH fallback needs the private key it logs in with (a file; in Kubernetes mount the Secret's ssh-privatekey), or unset those to leave the fallback off`,
      );
    return undefined;
  }
  if (!v.knownHosts && !v.fingerprints.length)
    throw new ConfigError(
      'WHYSTUCK_SSH_KNOWN_HOSTS',
      "the SSH fallback always checks host keys: set WHYSTUCK_SSH_KNOWN_HOSTS (an OpenSSH known_hosts file listing the nodes, e.g. made with ssh-keyscan and checked) or WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS (node=SHA256:…, comma-separated, one per node's key)",
    );
  const hostFingerprints = new Map<string, string[]>();
  const everyHost: string[] = [];
  for (const pin of v.fingerprints) {
    if (pin.host === undefined) everyHost.push(pin.fingerprint);
    else hostFingerprints.set(pin.host, [...(hostFingerprints.get(pin.host) ?? []), pin.fingerprint]);
  }
  if (everyHost.length) {
    src.warnings.push(
      `${src.keyOf(SSH_SETTINGS.fingerprints)}: ${everyHost.length} pinned fingerprint${everyHost.length > 1 ? 's' : ''} without a node name (the old form) ${everyHost.length > 1 ? 'are' : 'is'} trusted for EVERY node the SSH fallback connects to, so one node's host key would let it pose as any node without a known_hosts entry; pin each node's own key instead: node-7=SHA256:…,node-8=SHA256:… (known_hosts entries still win: a changed key is refused even when pinned)`,
    );
  }
  const passphrase = v.passphrase;
  return {
    user: v.user,
    keyFile: v.keyFile,
    knownHostsFile: v.knownHosts,
    hostFingerprints,
    fingerprints: everyHost,
    jump: v.jump,
    port: v.port,
    host: v.host,
    hosts: v.hosts,
    ...(passphrase !== undefined ? { keyPassphrase: () => passphrase } : {}),
    connectTimeoutMs: v.connectTimeoutMs,
    commandTimeoutMs: v.commandTimeoutMs,
  };
}
