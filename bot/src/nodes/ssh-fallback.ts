import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import type { BotConfig, SshFallbackConfig } from '../config';
import { kubeCoreApi, kubeFailure } from '../kube/kube-client';
import type { Checked } from './ssh/errors';
import { readKnownHostsFile } from './ssh/known-hosts';
import { loadPrivateKeyFile, type SshPrivateKey } from './ssh/private-key';
import type { SshNodeTarget } from './ssh/ssh-session';
import { buildSshTarget } from './ssh-target';

/** How to enable the fallback, for threads where a collector failed and SSH is off. */
export const SSH_ENABLE_HINT = 'To read such nodes over SSH instead, set WHYSTUCK_SSH_KEY_FILE (a private key authorised for root on the nodes; in Kubernetes a mounted Secret) and WHYSTUCK_SSH_KNOWN_HOSTS or WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS (host keys are always checked).';

/**
 * Reading a node over SSH when its collector cannot be reached: off (with the
 * sentence that says how to turn it on), or a way to build the SSH target of
 * a node from the configuration.
 */
export type SshFallback =
  | { enabled: false; hint: string }
  | { enabled: true; describe: string; targetFor(node: string): Promise<Checked<SshNodeTarget> | { ok: false; code: 'NO_ADDRESS'; message: string }> };

/** The node's address for SSH, from the Kubernetes API (status.addresses, InternalIP). */
export type NodeAddressLookup = (node: string) => Promise<{ ok: true; host: string } | { ok: false; message: string }>;

export function kubeNodeAddresses(kubeconfig?: string): NodeAddressLookup {
  let api: ReturnType<typeof kubeCoreApi> | undefined;
  return async (node) => {
    try {
      api ??= kubeCoreApi(kubeconfig);
    } catch (err) {
      return { ok: false, message: `cannot reach the Kubernetes API for the node's InternalIP: ${(err as Error).message.split('\n')[0]}` };
    }
    try {
      const n = await api.core.readNode({ name: node });
      const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP' && isIP(a.address))?.address;
      if (!ip) return { ok: false, message: `node ${node} has no InternalIP in its status.addresses (set WHYSTUCK_SSH_HOST to a name template or WHYSTUCK_SSH_HOSTS)` };
      return { ok: true, host: ip };
    } catch (err) {
      const failed = kubeFailure(err, api.server, { verb: 'get', resource: 'nodes', namespace: 'the cluster' });
      return { ok: false, message: failed.status === 'not-found' ? `node ${node} does not exist in the Kubernetes API` : `cannot read node ${node}'s InternalIP: ${failed.message}` };
    }
  };
}

/** A value read from a file, read again when the file changes (a rotated Secret, an updated known_hosts). */
function watchedFile<T>(path: string, load: () => Checked<T>): () => Checked<T> {
  let stamp = '';
  let last: Checked<T> | undefined;
  return () => {
    let now: string;
    try {
      const st = statSync(path);
      now = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      now = 'missing';
    }
    if (!last || now !== stamp) {
      last = load();
      stamp = now;
    }
    return last;
  };
}

/** The settings in one line, for `whystuck config check` (paths and counts; never key material). */
export function describeSshFallback(cfg: SshFallbackConfig): string {
  const pins = cfg.fingerprints.length ? `${cfg.fingerprints.length} pinned fingerprint${cfg.fingerprints.length > 1 ? 's' : ''}` : '';
  return [
    `${cfg.user}@${cfg.host === 'internal-ip' ? "the node's InternalIP (Kubernetes API)" : cfg.host}:${cfg.port}`,
    ...(cfg.hosts.size ? [`${cfg.hosts.size} node${cfg.hosts.size > 1 ? 's' : ''} mapped in WHYSTUCK_SSH_HOSTS`] : []),
    ...(cfg.jump ? [`via ${cfg.jump}`] : []),
    `key ${cfg.keyFile}${cfg.keyPassphrase ? ' (with a passphrase)' : ''}`,
    `host keys from ${[cfg.knownHostsFile, pins].filter(Boolean).join(' and ')}`,
    `deadlines ${cfg.connectTimeoutMs} ms to log in, ${cfg.commandTimeoutMs} ms per command`,
  ].join(', ');
}

export function sshFallbackFromConfig(config: BotConfig, opts: { nodeAddresses?: NodeAddressLookup } = {}): SshFallback {
  if (!config.ssh) return { enabled: false, hint: SSH_ENABLE_HINT };
  return createSshFallback(config.ssh, { nodeAddresses: opts.nodeAddresses ?? (config.ssh.host === 'internal-ip' ? kubeNodeAddresses(config.kubeconfig) : undefined) });
}

export function createSshFallback(cfg: SshFallbackConfig, opts: { nodeAddresses?: NodeAddressLookup } = {}): SshFallback {
  const key = watchedFile<SshPrivateKey>(cfg.keyFile, () => loadPrivateKeyFile(cfg.keyFile, { passphrase: cfg.keyPassphrase?.() }));
  const knownFile = cfg.knownHostsFile;
  const known = knownFile ? watchedFile(knownFile, () => readKnownHostsFile(knownFile)) : undefined;
  async function hostOf(node: string): Promise<{ ok: true; spec: string } | { ok: false; message: string }> {
    const explicit = cfg.hosts.get(node);
    if (explicit) return { ok: true, spec: /:\d+$/.test(explicit) ? explicit : `${explicit}:${cfg.port}` };
    if (cfg.host === 'internal-ip') {
      if (!opts.nodeAddresses) return { ok: false, message: 'WHYSTUCK_SSH_HOST=internal-ip needs the Kubernetes API' };
      const found = await opts.nodeAddresses(node);
      if (!found.ok) return found;
      return { ok: true, spec: `${found.host.includes(':') ? `[${found.host}]` : found.host}:${cfg.port}` };
    }
    return { ok: true, spec: `${cfg.host.replace(/\{node\}/g, node)}:${cfg.port}` };
  }

  return {
    enabled: true,
    describe: describeSshFallback(cfg),
    async targetFor(node) {
      const host = await hostOf(node);
      if (!host.ok) return { ok: false, code: 'NO_ADDRESS', message: `no SSH address for node ${node}: ${host.message}` };
      return buildSshTarget({
        address: { spec: `${cfg.user}@${host.spec}`, setting: `the SSH address of node ${node}` },
        ...(cfg.jump ? { jump: { spec: cfg.jump, setting: 'WHYSTUCK_SSH_JUMP' } } : {}),
        key, ...(known ? { knownHosts: known } : {}), fingerprints: cfg.fingerprints, pinSetting: 'WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS=',
        keySetting: 'WHYSTUCK_SSH_KEY_FILE', knownHostsSetting: 'WHYSTUCK_SSH_KNOWN_HOSTS',
        connectTimeoutMs: cfg.connectTimeoutMs, commandTimeoutMs: cfg.commandTimeoutMs,
      });
    },
  };
}
