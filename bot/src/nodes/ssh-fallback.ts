import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import type { BotConfig, SshFallbackConfig } from '../config';
import { kubeCoreApi, kubeFailure } from '../kube/kube-client';
import { isNodeName } from '../kube/names';
import type { Checked } from './ssh/errors';
import { readKnownHostsFile } from './ssh/known-hosts';
import { loadPrivateKeyFile, type SshPrivateKey } from './ssh/private-key';
import { parseSshAddress } from './ssh/ssh-address';
import type { SshNodeTarget } from './ssh/ssh-session';
import { buildSshTarget } from './ssh-target';

/** How to enable the fallback, for threads where a collector failed and SSH is off. */
export const SSH_ENABLE_HINT =
  'To read such nodes over SSH instead, set WHYSTUCK_SSH_KEY_FILE (a private key the nodes authorise for WHYSTUCK_SSH_USER: root, or better a user a forced command holds to the whystuck scripts (bot/docs/ssh.md); in Kubernetes a mounted Secret) and WHYSTUCK_SSH_KNOWN_HOSTS or WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS (host keys are always checked).';

/**
 * Reading a node over SSH when its collector cannot be reached: off (with the
 * sentence that says how to turn it on), or a way to build the SSH target of
 * a node from the configuration.
 */
export type SshFallback =
  | { enabled: false; hint: string }
  | { enabled: true; describe: string; targetFor(node: string): Promise<Checked<SshNodeTarget> | { ok: false; code: 'NO_ADDRESS' | 'UNKNOWN_NODE'; message: string }> };

/** The node's address for SSH, from the Kubernetes API (status.addresses, InternalIP). */
export type NodeAddressLookup = (node: string) => Promise<{ ok: true; host: string } | { ok: false; message: string }>;

/** Whether the Kubernetes API knows a node (its Node object): found, missing (404), or the API could not say. */
export type KubeNodeLookup = (node: string) => Promise<{ status: 'found' } | { status: 'missing' | 'failed'; message: string }>;

/** Reads the Node object (get nodes, which the bot's ClusterRole already grants for the node's InternalIP and its Ready condition). */
export function kubeNodes(kubeconfig?: string): KubeNodeLookup {
  let api: ReturnType<typeof kubeCoreApi> | undefined;
  return async (node) => {
    try {
      api ??= kubeCoreApi(kubeconfig);
    } catch (err) {
      return { status: 'failed', message: `cannot reach the Kubernetes API: ${(err as Error).message.split('\n')[0]}` };
    }
    try {
      await api.core.readNode({ name: node });
      return { status: 'found' };
    } catch (err) {
      const failed = kubeFailure(err, api.server, { verb: 'get', resource: 'nodes', namespace: 'the cluster' });
      return failed.status === 'not-found' ? { status: 'missing', message: `node ${node} does not exist in the Kubernetes API` } : { status: 'failed', message: failed.message };
    }
  };
}

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
  const plural = (n: number, what: string): string => `${n} ${what}${n > 1 ? 's' : ''}`;
  const perHost = [...cfg.hostFingerprints.values()].reduce((n, fps) => n + fps.length, 0);
  const pins = [
    ...(perHost ? [`${plural(perHost, 'pinned fingerprint')} for ${plural(cfg.hostFingerprints.size, 'named host')}`] : []),
    ...(cfg.fingerprints.length ? [`${plural(cfg.fingerprints.length, 'pinned fingerprint')} for EVERY host (the old form without node names: pin each node's own key as node=SHA256:… instead)`] : []),
  ].join(' and ');
  return [
    `${cfg.user}@${cfg.host === 'internal-ip' ? "the node's InternalIP (Kubernetes API)" : cfg.host}:${cfg.port}`,
    ...(cfg.hosts.size ? [`${cfg.hosts.size} node${cfg.hosts.size > 1 ? 's' : ''} mapped in WHYSTUCK_SSH_HOSTS`] : []),
    ...(cfg.jump ? [`via ${cfg.jump}`] : []),
    `key ${cfg.keyFile}${cfg.keyPassphrase ? ' (with a passphrase)' : ''}`,
    `host keys from ${[cfg.knownHostsFile, pins].filter(Boolean).join(' and ')}`,
    `deadlines ${cfg.connectTimeoutMs} ms to log in, ${cfg.commandTimeoutMs} ms per command`,
    'only to nodes the Kubernetes API knows (get nodes) or WHYSTUCK_SSH_HOSTS lists',
  ].join(', ');
}

export function sshFallbackFromConfig(config: BotConfig, opts: { nodeAddresses?: NodeAddressLookup; nodes?: KubeNodeLookup } = {}): SshFallback {
  if (!config.ssh) return { enabled: false, hint: SSH_ENABLE_HINT };
  const byIp = config.ssh.host === 'internal-ip';
  return createSshFallback(config.ssh, {
    nodeAddresses: opts.nodeAddresses ?? (byIp ? kubeNodeAddresses(config.kubeconfig) : undefined),
    nodes: opts.nodes ?? (byIp ? undefined : kubeNodes(config.kubeconfig)),
  });
}

const PINS = 'WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS';

/**
 * The SSH target of a node, from the configuration. The bot connects only to
 * nodes it may: one listed in WHYSTUCK_SSH_HOSTS, or one the Kubernetes API
 * knows (its InternalIP, or WHYSTUCK_SSH_HOST's name template filled in only
 * after the Node object was read), so a name someone asked about never
 * becomes an arbitrary host. Host keys: known_hosts, and the pins of this
 * node (by its name or its host's), of the jump host, and the old form's
 * pins for every host.
 */
export function createSshFallback(cfg: SshFallbackConfig, opts: { nodeAddresses?: NodeAddressLookup; nodes?: KubeNodeLookup } = {}): SshFallback {
  const key = watchedFile<SshPrivateKey>(cfg.keyFile, () => loadPrivateKeyFile(cfg.keyFile, { passphrase: cfg.keyPassphrase?.() }));
  const knownFile = cfg.knownHostsFile;
  const known = knownFile ? watchedFile(knownFile, () => readKnownHostsFile(knownFile)) : undefined;
  type Host = { ok: true; spec: string } | { ok: false; code: 'NO_ADDRESS' | 'UNKNOWN_NODE'; message: string };
  async function hostOf(node: string): Promise<Host> {
    const explicit = cfg.hosts.get(node);
    if (explicit) return { ok: true, spec: /:\d+$/.test(explicit) ? explicit : `${explicit}:${cfg.port}` };
    const unlisted = `node ${node} is not listed in WHYSTUCK_SSH_HOSTS`;
    if (!isNodeName(node)) return { ok: false, code: 'UNKNOWN_NODE', message: `not connecting to ${JSON.stringify(node)} over SSH: it is not a node name, and not listed in WHYSTUCK_SSH_HOSTS` };
    if (cfg.host === 'internal-ip') {
      if (!opts.nodeAddresses) return { ok: false, code: 'NO_ADDRESS', message: `no SSH address for node ${node}: WHYSTUCK_SSH_HOST=internal-ip needs the Kubernetes API` };
      const found = await opts.nodeAddresses(node);
      if (!found.ok) return { ok: false, code: 'NO_ADDRESS', message: `no SSH address for node ${node}: ${found.message}` };
      return { ok: true, spec: `${found.host.includes(':') ? `[${found.host}]` : found.host}:${cfg.port}` };
    }
    // A name template: only for a node the Kubernetes API knows.
    const refuse = (why: string): Host => ({
      ok: false,
      code: 'UNKNOWN_NODE',
      message: `not connecting to node ${node} over SSH: ${unlisted}, and ${why}; the SSH fallback connects only to nodes the Kubernetes API knows or WHYSTUCK_SSH_HOSTS lists (WHYSTUCK_SSH_HOST=${cfg.host} is filled in only for those)`,
    });
    if (!opts.nodes) return refuse('there is no Kubernetes API to check that it exists');
    const found = await opts.nodes(node);
    if (found.status === 'missing') return refuse('it does not exist in the Kubernetes API');
    if (found.status === 'failed') return refuse(`the Kubernetes API could not say whether it exists: ${found.message}`);
    return { ok: true, spec: `${cfg.host.replace(/\{node\}/g, node)}:${cfg.port}` };
  }

  return {
    enabled: true,
    describe: describeSshFallback(cfg),
    async targetFor(node) {
      const host = await hostOf(node);
      if (!host.ok) return host;
      const address = parseSshAddress(`${cfg.user}@${host.spec}`, `the SSH address of node ${node}`);
      const jump = cfg.jump ? parseSshAddress(cfg.jump, 'WHYSTUCK_SSH_JUMP') : undefined;
      const nodeHost = address.ok ? address.value.host : '';
      const jumpHost = jump?.ok ? jump.value.host : undefined;
      const pinsOf = (name: string): string[] => cfg.hostFingerprints.get(name) ?? [];
      const fingerprints = [...new Set([...pinsOf(node), ...(nodeHost !== node ? pinsOf(nodeHost) : [])]), ...(jumpHost !== undefined ? pinsOf(jumpHost).map((fp) => `${jumpHost}=${fp}`) : [])];
      return buildSshTarget({
        address: { spec: `${cfg.user}@${host.spec}`, setting: `the SSH address of node ${node}` },
        ...(cfg.jump ? { jump: { spec: cfg.jump, setting: 'WHYSTUCK_SSH_JUMP' } } : {}),
        key,
        ...(known ? { knownHosts: known } : {}),
        fingerprints,
        everyHostFingerprints: cfg.fingerprints,
        pinSetting: PINS,
        pinsElsewhere: cfg.hostFingerprints.size > 0,
        pinHint: (h, fp) => `${PINS}=${h === nodeHost ? node : h.includes(':') ? `[${h}]` : h}=${fp}`,
        keySetting: 'WHYSTUCK_SSH_KEY_FILE',
        knownHostsSetting: 'WHYSTUCK_SSH_KNOWN_HOSTS',
        connectTimeoutMs: cfg.connectTimeoutMs,
        commandTimeoutMs: cfg.commandTimeoutMs,
      });
    },
  };
}
