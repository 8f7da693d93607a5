import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import YAML from 'yaml';
import { z } from 'zod';
import { isNamespaceName, isNodeName } from './kube/names';
import { FINGERPRINT } from './ssh/host-key-fingerprint';
import { readKnownHostsFile } from './ssh/known-hosts';
import { loadPrivateKeyFile } from './ssh/private-key';
import { parseSshAddress } from './ssh/ssh-address';
import { databaseUrlProblem } from './store/database-url';
import { metricsListenFrom, WATCH_FILE_KEYS, watchConfigFrom, type WatchConfig } from './watch/watch-config';

/**
 * The bot's configuration: secrets from the environment, the rest from a YAML
 * file (WHYSTUCK_CONFIG) with every key also settable by environment. The
 * only module that reads process.env. Bad values fail at start naming the
 * key, the value and what is allowed.
 */
export interface BotConfig {
  slack: { botToken?: string; signingSecret?: string; appToken?: string; apiUrl?: string };
  port: number;
  /** Address the HTTP receiver binds; the deployment sets 0.0.0.0 (WHYSTUCK_LISTEN_HOST), development keeps loopback. */
  listenHost: string;
  /** node name -> collector host:port, from WHYSTUCK_COLLECTORS. */
  collectors: Map<string, string>;
  collectorInsecure: boolean;
  collectorTls?: { cert: string; key: string; ca: string };
  collectorDeadlineMs: number;
  /** Slack user ids (U…/W…) and user-group ids (S…) allowed to remediate. */
  remediators: string[];
  /** Namespaces whose pods get no remediation button (WHYSTUCK_PROTECTED_NAMESPACES; default kube-system and the collectors' namespace). */
  protectedNamespaces: string[];
  /** The SQLite store (one replica), used when there is no databaseUrl. */
  db: string;
  /** WHYSTUCK_DATABASE_URL (environment only: it carries a password): PostgreSQL shared by every replica. */
  databaseUrl?: string;
  /**
   * WHYSTUCK_DATABASE_MIGRATE_URL (environment only): the owner role that runs
   * migrations at start and grants the runtime role of databaseUrl only what
   * it needs (it cannot drop the audit log's triggers). Unset: databaseUrl
   * migrates, or `whystuck store migrate` did it before.
   */
  databaseMigrateUrl?: string;
  /**
   * An intent without a result older than this is taken for one whose replica
   * stopped between intent and result: marked UNKNOWN and rechecked
   * (WHYSTUCK_UNFINISHED_INTENT_GRACE_SECONDS; default 600).
   */
  unfinishedIntentGraceMs: number;
  pagerduty?: { routingKey: string; eventsUrl: string };
  /** Key for signing action tokens in buttons; defaults to one derived from the signing secret. */
  actionSecret?: string;
  kubeconfig?: string;
  /** Slack channel id -> on-call user-group id (S…) mentioned on Escalate. */
  oncallGroups: Map<string, string>;
  /** Escalate a critical finding nobody acted on after this many minutes (fractions allowed); unset = never. */
  autoEscalateMinutes?: number;
  /** Finding the collector DaemonSet pod of a node not in WHYSTUCK_COLLECTORS through the Kubernetes API. */
  collectorDiscovery: CollectorDiscoveryConfig;
  /** Largest paste (file upload) the bot downloads and reads, in bytes. */
  pasteMaxBytes: number;
  /** Time for reading one paste (off the event loop); past it the answer covers what was read and says where it stopped. */
  pasteTimeBudgetMs: number;
  /** Reading a node over SSH when its collector cannot be reached; absent = off. */
  ssh?: SshFallbackConfig;
  /** Watch mode: alerts from the collectors' Watch streams to one channel; absent = off (no WHYSTUCK_ALERT_CHANNEL). */
  watch?: WatchConfig;
  /** The bot's Prometheus endpoint (GET /metrics), HOST:PORT; absent = off. */
  metricsListen?: { host: string; port: number };
}

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

export interface CollectorDiscoveryConfig {
  namespace: string;
  /** Label selector of the collector pods (equality terms, comma-separated). */
  selector: string;
  /** Port the collector listens on in its pod. */
  port: number;
  /**
   * Name the collector's certificate must carry: pod IPs change and are not in
   * the certificate, so the bot verifies this fixed DNS name instead. "{node}"
   * is replaced by the node name, for per-node certificates.
   */
  serverName: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly key: string, message: string) {
    super(`${key}: ${message}`);
  }
}

const hostPort = /^(\[[0-9a-f:]+\]|[\w.-]+):(\d{1,5})$/i;

const FileSchema = z.object({
  port: z.number().int().min(1).max(65535).optional(),
  collectors: z.record(z.string(), z.string()).optional(),
  collectorInsecure: z.boolean().optional(),
  collectorTls: z.object({ cert: z.string(), key: z.string(), ca: z.string() }).optional(),
  collectorDeadlineMs: z.number().int().min(100).max(120000).optional(),
  remediators: z.array(z.string()).optional(),
  protectedNamespaces: z.array(z.string()).optional(),
  db: z.string().optional(),
  pagerdutyEventsUrl: z.string().url().optional(),
  oncallGroups: z.record(z.string(), z.string()).optional(),
  autoEscalateMinutes: z.number().positive().max(1440).optional(),
  collectorNamespace: z.string().optional(),
  collectorSelector: z.string().optional(),
  collectorPort: z.number().int().min(1).max(65535).optional(),
  collectorServerName: z.string().optional(),
  pasteMaxBytes: z.number().int().min(1024).optional(),
  pasteTimeBudgetMs: z.number().int().min(100).max(600000).optional(),
  ssh: z.object({
    user: z.string().optional(),
    keyFile: z.string().optional(),
    knownHosts: z.string().optional(),
    hostKeyFingerprints: z.array(z.string()).optional(),
    jump: z.string().optional(),
    port: z.number().int().min(1).max(65535).optional(),
    host: z.string().optional(),
    hosts: z.record(z.string(), z.string()).optional(),
    connectTimeoutMs: z.number().int().min(100).max(600000).optional(),
    commandTimeoutMs: z.number().int().min(100).max(600000).optional(),
  }).strict().optional(),
  ...WATCH_FILE_KEYS,
}).strict();

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;
const DNS_NAME = /^(\{node\}|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.(\{node\}|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?))*$/;
/** One equality-based label selector term: key, key=value, key==value, key!=value or !key. */
const SELECTOR_TERM = /^(!?([a-z0-9]([a-z0-9.-]*[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?)(\s*(==|=|!=)\s*([A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?)?)?$/;

/** KEY=VALUE,KEY=VALUE (environment) or a YAML mapping, each side checked. */
function parsePairs(key: string, text: string, ok: (k: string, v: string) => boolean, example: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (eq <= 0 || !ok(k, v)) throw new ConfigError(key, `"${part}" is not ${example}`);
    map.set(k, v);
  }
  return map;
}

const fromYamlMap = (m: Record<string, string> | undefined): string => Object.entries(m ?? {}).map(([k, v]) => `${k}=${v}`).join(',');

/** A number from the environment (when set) or the file, checked against `ok`. */
function numberSetting(key: string, envValue: string | undefined, fileValue: number | undefined, ok: (n: number) => boolean, allowed: string): number | undefined {
  if (envValue === undefined) return fileValue;
  const n = Number(envValue);
  if (envValue.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new ConfigError(key, `"${envValue}" ${allowed}`);
  return n;
}

function parseCollectors(key: string, text: string): Map<string, string> {
  return parsePairs(key, text, (node, addr) => isNodeName(node) && hostPort.test(addr), 'node=host:port (e.g. "host22055=10.0.3.17:7443,node-7=node-7.example:7443")');
}

export function isLoopbackAddress(addr: string): boolean {
  const host = (hostPort.exec(addr)?.[1] ?? addr).replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** WHYSTUCK_DATABASE_MIGRATE_URL: a PostgreSQL URL for the same server and database as WHYSTUCK_DATABASE_URL, as another user. */
function databaseMigrateUrlFrom(env: NodeJS.ProcessEnv, databaseUrl: string | undefined): string | undefined {
  const url = env.WHYSTUCK_DATABASE_MIGRATE_URL || undefined;
  if (!url) return undefined;
  const key = 'WHYSTUCK_DATABASE_MIGRATE_URL';
  if (!databaseUrl) throw new ConfigError(key, 'is set without WHYSTUCK_DATABASE_URL (value not shown): it is the owner role that migrates the PostgreSQL store; set WHYSTUCK_DATABASE_URL to the runtime role, or unset it');
  const problem = databaseUrlProblem(url);
  if (problem) throw new ConfigError(key, `${problem} (value not shown)`);
  const a = new URL(url);
  const b = new URL(databaseUrl);
  const where = (u: URL): string => `${u.hostname}:${u.port || '5432'}/${u.pathname.replace(/^\//, '')}`;
  if (where(a) !== where(b)) throw new ConfigError(key, `names ${where(a)}, WHYSTUCK_DATABASE_URL ${where(b)}: both must name the same server and database (the owner role and the bot's runtime role of one database)`);
  if (!a.username || decodeURIComponent(a.username) === decodeURIComponent(b.username)) throw new ConfigError(key, `must name another user than WHYSTUCK_DATABASE_URL (both are "${decodeURIComponent(b.username)}"): the owner role migrates, the runtime role only uses the tables, so it cannot drop the audit log's triggers`);
  return url;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, file = env.WHYSTUCK_CONFIG): BotConfig {
  let fromFile: z.infer<typeof FileSchema> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError('WHYSTUCK_CONFIG', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const parsed = FileSchema.safeParse(YAML.parse(text) ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ConfigError(`${file}: ${issue.path.join('.') || '(top level)'}`, issue.message);
    }
    fromFile = parsed.data;
  }
  const collectors = env.WHYSTUCK_COLLECTORS !== undefined
    ? parseCollectors('WHYSTUCK_COLLECTORS', env.WHYSTUCK_COLLECTORS)
    : parseCollectors('collectors', fromYamlMap(fromFile.collectors));
  const insecure = env.WHYSTUCK_COLLECTOR_INSECURE !== undefined ? env.WHYSTUCK_COLLECTOR_INSECURE === '1' : fromFile.collectorInsecure ?? false;
  if (insecure) {
    for (const [node, addr] of collectors) {
      if (!isLoopbackAddress(addr)) throw new ConfigError('WHYSTUCK_COLLECTOR_INSECURE', `plaintext is only allowed to loopback collectors; ${node}=${addr} is not loopback. Configure WHYSTUCK_COLLECTOR_TLS_CERT/KEY/CA instead.`);
    }
  }
  const tlsParts = [env.WHYSTUCK_COLLECTOR_TLS_CERT, env.WHYSTUCK_COLLECTOR_TLS_KEY, env.WHYSTUCK_COLLECTOR_TLS_CA];
  let collectorTls = fromFile.collectorTls;
  if (tlsParts.some(Boolean)) {
    if (!tlsParts.every(Boolean)) throw new ConfigError('WHYSTUCK_COLLECTOR_TLS_CERT', 'set all three of WHYSTUCK_COLLECTOR_TLS_CERT, WHYSTUCK_COLLECTOR_TLS_KEY and WHYSTUCK_COLLECTOR_TLS_CA (mutual TLS)');
    collectorTls = { cert: tlsParts[0]!, key: tlsParts[1]!, ca: tlsParts[2]! };
  }
  const port = env.PORT !== undefined ? Number(env.PORT) : fromFile.port ?? 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('PORT', `"${env.PORT}" is not a port number (0-65535)`);
  const remediators = (env.WHYSTUCK_REMEDIATORS !== undefined ? env.WHYSTUCK_REMEDIATORS.split(',') : fromFile.remediators ?? []).map((s) => s.trim()).filter(Boolean);
  for (const r of remediators) if (!/^[UWS][A-Z0-9]{2,}$/.test(r)) throw new ConfigError('WHYSTUCK_REMEDIATORS', `"${r}" is not a Slack user id (U…/W…) or user-group id (S…)`);
  const apiUrl = env.SLACK_API_URL;
  if (apiUrl !== undefined && !/^https?:\/\/\S+\/$/.test(apiUrl)) throw new ConfigError('SLACK_API_URL', `"${apiUrl}" must be a URL ending in "/" (e.g. https://slack.com/api/)`);
  if (env.SLACK_BOT_TOKEN !== undefined && !/^xox[bp]-/.test(env.SLACK_BOT_TOKEN)) throw new ConfigError('SLACK_BOT_TOKEN', 'must be a bot token starting with xoxb- (value not shown)');
  if (env.SLACK_APP_TOKEN !== undefined && !/^xapp-/.test(env.SLACK_APP_TOKEN)) throw new ConfigError('SLACK_APP_TOKEN', 'must be an app-level token starting with xapp- (value not shown)');
  const deadline = env.WHYSTUCK_COLLECTOR_DEADLINE_MS !== undefined ? Number(env.WHYSTUCK_COLLECTOR_DEADLINE_MS) : fromFile.collectorDeadlineMs ?? 15000;
  if (!Number.isInteger(deadline) || deadline < 100) throw new ConfigError('WHYSTUCK_COLLECTOR_DEADLINE_MS', `"${env.WHYSTUCK_COLLECTOR_DEADLINE_MS}" must be an integer number of milliseconds >= 100`);
  const oncallText = env.WHYSTUCK_ONCALL_GROUPS ?? fromYamlMap(fromFile.oncallGroups);
  const oncallGroups = parsePairs(env.WHYSTUCK_ONCALL_GROUPS !== undefined ? 'WHYSTUCK_ONCALL_GROUPS' : 'oncallGroups', oncallText,
    (channel, group) => CHANNEL_ID.test(channel) && GROUP_ID.test(group), 'CHANNEL=USERGROUP with a Slack channel id (C…/G…) and a user-group id (S…), e.g. "C0INCIDENT=S0ONCALL"');
  const autoEscalateMinutes = numberSetting('WHYSTUCK_AUTO_ESCALATE_MINUTES', env.WHYSTUCK_AUTO_ESCALATE_MINUTES, fromFile.autoEscalateMinutes,
    (n) => n > 0 && n <= 1440, 'must be a number of minutes above 0 and at most 1440 (fractions allowed, e.g. 0.5); leave it unset to never auto-escalate');
  const pasteMaxBytes = numberSetting('WHYSTUCK_PASTE_MAX_BYTES', env.WHYSTUCK_PASTE_MAX_BYTES, fromFile.pasteMaxBytes, (n) => Number.isInteger(n) && n >= 1024, 'must be an integer number of bytes >= 1024') ?? 10 * 1024 * 1024;
  const pasteTimeBudgetMs = numberSetting('WHYSTUCK_PASTE_TIME_BUDGET_MS', env.WHYSTUCK_PASTE_TIME_BUDGET_MS, fromFile.pasteTimeBudgetMs, (n) => Number.isInteger(n) && n >= 100 && n <= 600000, 'must be an integer number of milliseconds from 100 to 600000') ?? 10_000;
  const collectorDiscovery = discoveryConfig(env, fromFile);
  const protectedNamespaces = (env.WHYSTUCK_PROTECTED_NAMESPACES !== undefined ? env.WHYSTUCK_PROTECTED_NAMESPACES.split(',') : fromFile.protectedNamespaces ?? ['kube-system', collectorDiscovery.namespace])
    .map((s) => s.trim()).filter(Boolean);
  for (const ns of protectedNamespaces) if (!isNamespaceName(ns)) throw new ConfigError('WHYSTUCK_PROTECTED_NAMESPACES', `"${ns}" is not a namespace name`);
  const databaseUrl = env.WHYSTUCK_DATABASE_URL || undefined;
  const urlProblem = databaseUrl && databaseUrlProblem(databaseUrl);
  if (urlProblem) throw new ConfigError('WHYSTUCK_DATABASE_URL', `${urlProblem} (value not shown); unset it for the embedded SQLite store of one replica (WHYSTUCK_DB)`);
  const databaseMigrateUrl = databaseMigrateUrlFrom(env, databaseUrl);
  const unfinishedIntentGraceMs = 1000 * (numberSetting('WHYSTUCK_UNFINISHED_INTENT_GRACE_SECONDS', env.WHYSTUCK_UNFINISHED_INTENT_GRACE_SECONDS, undefined,
    (n) => n >= 1 && n <= 86400, 'must be a number of seconds from 1 to 86400, longer than a signal can take (the default 600 is)') ?? 600);
  const ssh = sshFallbackConfig(env, fromFile.ssh ?? {});
  const fail = (key: string, message: string): never => { throw new ConfigError(key, message); };
  const watch = watchConfigFrom(env, fromFile, fail);
  const metricsListen = metricsListenFrom(env, fromFile, fail);
  return {
    slack: { botToken: env.SLACK_BOT_TOKEN, signingSecret: env.SLACK_SIGNING_SECRET, appToken: env.SLACK_APP_TOKEN, apiUrl },
    port,
    listenHost: env.WHYSTUCK_LISTEN_HOST ?? '127.0.0.1',
    collectors,
    collectorInsecure: insecure,
    collectorTls,
    collectorDeadlineMs: deadline,
    remediators,
    protectedNamespaces,
    db: env.WHYSTUCK_DB ?? fromFile.db ?? 'whystuck.db',
    databaseUrl,
    databaseMigrateUrl,
    unfinishedIntentGraceMs,
    pagerduty: env.PAGERDUTY_ROUTING_KEY ? { routingKey: env.PAGERDUTY_ROUTING_KEY, eventsUrl: env.PAGERDUTY_EVENTS_URL ?? fromFile.pagerdutyEventsUrl ?? 'https://events.pagerduty.com/v2/enqueue' } : undefined,
    actionSecret: env.WHYSTUCK_ACTION_SECRET,
    kubeconfig: env.KUBECONFIG,
    oncallGroups,
    autoEscalateMinutes,
    collectorDiscovery,
    pasteMaxBytes,
    pasteTimeBudgetMs,
    ssh,
    watch,
    metricsListen,
  };
}

function discoveryConfig(env: NodeJS.ProcessEnv, fromFile: z.infer<typeof FileSchema>): CollectorDiscoveryConfig {
  const namespace = env.WHYSTUCK_COLLECTOR_NAMESPACE ?? fromFile.collectorNamespace ?? 'whystuck';
  if (!isNamespaceName(namespace)) throw new ConfigError('WHYSTUCK_COLLECTOR_NAMESPACE', `"${namespace}" is not a Kubernetes namespace name (lowercase letters, digits and "-", at most 63)`);
  const selector = env.WHYSTUCK_COLLECTOR_SELECTOR ?? fromFile.collectorSelector ?? 'app.kubernetes.io/name=whystuck-collector';
  const bad = selector.split(',').map((t) => t.trim()).find((t) => !SELECTOR_TERM.test(t));
  if (bad !== undefined) throw new ConfigError('WHYSTUCK_COLLECTOR_SELECTOR', `"${bad}" is not a label selector term: use key=value, key!=value, key or !key, comma-separated (e.g. "app.kubernetes.io/name=whystuck-collector")`);
  const port = numberSetting('WHYSTUCK_COLLECTOR_PORT', env.WHYSTUCK_COLLECTOR_PORT, fromFile.collectorPort, (n) => Number.isInteger(n) && n >= 1 && n <= 65535, 'is not a port number (1-65535)') ?? 7443;
  const serverName = env.WHYSTUCK_COLLECTOR_SERVER_NAME ?? fromFile.collectorServerName ?? 'whystuck-collector';
  if (!DNS_NAME.test(serverName) || serverName.length > 253) throw new ConfigError('WHYSTUCK_COLLECTOR_SERVER_NAME', `"${serverName}" is not a DNS name (the name in the collectors' certificate; "{node}" stands for the node name)`);
  return { namespace, selector, port, serverName };
}

/** The SSH fallback settings: off unless a key file is given; the key and known_hosts are read once here so a bad one stops the bot at start. */
function sshFallbackConfig(env: NodeJS.ProcessEnv, f: NonNullable<z.infer<typeof FileSchema>['ssh']>): SshFallbackConfig | undefined {
  const name = (envKey: string, fileKey: string): string => (env[envKey] !== undefined ? envKey : `ssh.${fileKey}`);
  const keyFile = env.WHYSTUCK_SSH_KEY_FILE || f.keyFile;
  const others = ['WHYSTUCK_SSH_KNOWN_HOSTS', 'WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS', 'WHYSTUCK_SSH_JUMP', 'WHYSTUCK_SSH_HOST', 'WHYSTUCK_SSH_HOSTS'].filter((k) => env[k]);
  if (!keyFile) {
    const set = [...others, ...Object.keys(f).map((k) => `ssh.${k}`)];
    if (set.length) throw new ConfigError('WHYSTUCK_SSH_KEY_FILE', `not set, but ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'}: the SSH fallback needs the private key it logs in with (a file; in Kubernetes mount the Secret's ssh-privatekey), or unset those to leave the fallback off`);
    return undefined;
  }
  const passphrase = env.WHYSTUCK_SSH_KEY_PASSPHRASE || undefined;
  const key = loadPrivateKeyFile(keyFile, { passphrase });
  if (!key.ok) throw new ConfigError(name('WHYSTUCK_SSH_KEY_FILE', 'keyFile'), key.message);
  const user = env.WHYSTUCK_SSH_USER ?? f.user ?? 'root';
  if (!parseSshAddress(`${user}@node`).ok) throw new ConfigError(name('WHYSTUCK_SSH_USER', 'user'), `"${user}" is not a login name (letters, digits, _ . -; up to 32)`);
  const port = numberSetting('WHYSTUCK_SSH_PORT', env.WHYSTUCK_SSH_PORT, f.port, (n) => Number.isInteger(n) && n >= 1 && n <= 65535, 'is not a port number (1-65535)') ?? 22;
  const knownHostsFile = env.WHYSTUCK_SSH_KNOWN_HOSTS || f.knownHosts;
  if (knownHostsFile) {
    const known = readKnownHostsFile(knownHostsFile);
    if (!known.ok) throw new ConfigError(name('WHYSTUCK_SSH_KNOWN_HOSTS', 'knownHosts'), known.message);
  }
  const fingerprints = (env.WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS !== undefined ? env.WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS.split(',') : f.hostKeyFingerprints ?? []).map((s) => s.trim()).filter(Boolean);
  const badPin = fingerprints.find((p) => !FINGERPRINT.test(p));
  if (badPin !== undefined) throw new ConfigError(name('WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS', 'hostKeyFingerprints'), `"${badPin}" is not a host key fingerprint: give it as OpenSSH prints it, "SHA256:" and 43 base64 characters (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the node)`);
  if (!knownHostsFile && !fingerprints.length) throw new ConfigError('WHYSTUCK_SSH_KNOWN_HOSTS', 'the SSH fallback always checks host keys: set WHYSTUCK_SSH_KNOWN_HOSTS (an OpenSSH known_hosts file listing the nodes, e.g. made with ssh-keyscan and checked) or WHYSTUCK_SSH_HOST_KEY_FINGERPRINTS (SHA256:…, comma-separated)');
  const jump = env.WHYSTUCK_SSH_JUMP || f.jump || undefined;
  if (jump) {
    const parsed = parseSshAddress(jump, name('WHYSTUCK_SSH_JUMP', 'jump'));
    if (!parsed.ok) throw new ConfigError(name('WHYSTUCK_SSH_JUMP', 'jump'), parsed.message.replace(/^\S+ must/, 'must'));
  }
  const host = env.WHYSTUCK_SSH_HOST ?? f.host ?? '{node}';
  if (host !== 'internal-ip' && (!/\{node\}/.test(host) || host.includes(':') || !parseSshAddress(`${user}@${host.replace(/\{node\}/g, 'node')}`).ok)) {
    throw new ConfigError(name('WHYSTUCK_SSH_HOST', 'host'), `"${host}" must be "internal-ip" (the node's InternalIP from the Kubernetes API; the bot needs "get nodes") or a host name with "{node}" for the node name, e.g. "{node}" or "{node}.nodes.example.com"`);
  }
  const hostsKey = env.WHYSTUCK_SSH_HOSTS !== undefined ? 'WHYSTUCK_SSH_HOSTS' : 'ssh.hosts';
  const hosts = parsePairs(hostsKey, env.WHYSTUCK_SSH_HOSTS ?? fromYamlMap(f.hosts), (node, addr) => isNodeName(node) && parseSshAddress(`${user}@${addr}`).ok,
    'node=HOST[:PORT] (e.g. "node-7=10.0.3.17,node-8=[fd00::8]:2222")');
  const ms = (envKey: string, fileValue: number | undefined, fallback: number): number =>
    numberSetting(envKey, env[envKey], fileValue, (n) => Number.isInteger(n) && n >= 100 && n <= 600_000, 'must be an integer number of milliseconds from 100 to 600000') ?? fallback;
  return {
    user, keyFile, knownHostsFile, fingerprints, jump, port, host, hosts,
    ...(passphrase !== undefined ? { keyPassphrase: () => passphrase } : {}),
    connectTimeoutMs: ms('WHYSTUCK_SSH_CONNECT_TIMEOUT_MS', f.connectTimeoutMs, 10_000),
    commandTimeoutMs: ms('WHYSTUCK_SSH_COMMAND_TIMEOUT_MS', f.commandTimeoutMs, 30_000),
  };
}
