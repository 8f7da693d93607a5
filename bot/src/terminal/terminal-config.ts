import { existsSync, mkdirSync } from 'node:fs';
import { homedir, hostname, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError, loadConfig, type BotConfig, type Env } from '../config';
import { isNodeName } from '../kube/names';

/**
 * The terminal chat's settings: the bot's own (collectors, escalation, audit
 * path, YAML file) from loadConfig, plus who the local user is, which node
 * "this machine" is, who may remediate, and whether a Kubernetes API is at hand.
 */
export interface TerminalConfig {
  bot: BotConfig;
  /** The node name of this machine (its collector answers for it). */
  nodeName: string;
  /** The requester as the audit log and the chat name it: `local:NAME`, with the sudo user when there is one. */
  user: string;
  /** Local user names allowed to remediate. */
  remediators: string[];
  /** Where remediators came from, for the refusal message. */
  remediatorsFrom: 'default' | 'WHYSTUCK_LOCAL_REMEDIATORS';
  db: string;
  /** Kubernetes API access (pods by name), or undefined: pods by UID from the cgroups. */
  kube?: { kubeconfig?: string };
  allowHostProcesses: boolean;
  logLevel: string;
  /** ANSI bold on a terminal unless NO_COLOR is set. */
  color: boolean;
  uid: number;
}

export interface TerminalFlags {
  allowHostProcesses?: boolean;
  noKube?: boolean;
  isTty?: boolean;
}

function localUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid${process.getuid?.() ?? '?'}`; // no passwd entry (containers)
  }
}

/** XDG state directory, else a private directory under the system temp dir (users such as nobody have no writable home). */
function defaultDb(t: BotConfig['terminal'], uid: number): string {
  const candidates = [t.xdgStateHome, t.home ? join(t.home, '.local', 'state') : undefined, join(homedir(), '.local', 'state')].filter(Boolean) as string[];
  for (const base of candidates) {
    const path = join(base, 'whystuck', 'audit.db');
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      return path;
    } catch {
      /* not writable: next */
    }
  }
  const dir = join(tmpdir(), `whystuck-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return join(dir, 'audit.db');
}

export function loadTerminalConfig(env: Env, flags: TerminalFlags = {}): TerminalConfig {
  const bot = loadConfig(env);
  const t = bot.terminal;
  const name = localUserName();
  const sudoBy = t.sudoUser && t.sudoUser !== name ? t.sudoUser : undefined;
  const listed = t.localRemediators;
  const remediators = listed ?? [name, ...(sudoBy ? [sudoBy] : [])];
  for (const r of remediators)
    if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(r)) throw ConfigError.bad({ key: 'WHYSTUCK_LOCAL_REMEDIATORS', value: r, allowed: 'is not a local user name', fix: 'list local user names, comma-separated' });
  const nodeName = t.nodeName ?? hostname().toLowerCase();
  if (!isNodeName(nodeName)) throw ConfigError.bad({ key: 'hostname', value: nodeName, allowed: 'is not a node name (lowercase letters, digits, "-" and "."); set WHYSTUCK_NODE_NAME' });
  const uid = process.getuid?.() ?? -1;
  const userSet = bot.settings.some((x) => x.env === 'WHYSTUCK_DB' && x.from !== 'default') || bot.db !== 'whystuck.db';
  const kubeconfigFile = bot.kubeconfig ?? (t.home ? join(t.home, '.kube', 'config') : undefined);
  const hasKube = !flags.noKube && (bot.kube.inCluster || (kubeconfigFile !== undefined && existsSync(kubeconfigFile)));
  return {
    bot,
    nodeName,
    user: `local:${name}${sudoBy ? `(sudo:${sudoBy})` : ''}`,
    remediators,
    remediatorsFrom: listed !== undefined ? 'WHYSTUCK_LOCAL_REMEDIATORS' : 'default',
    db: userSet ? bot.db : defaultDb(t, uid),
    kube: hasKube ? { kubeconfig: bot.kubeconfig } : undefined,
    allowHostProcesses: Boolean(flags.allowHostProcesses) || t.allowHostProcesses,
    logLevel: bot.logLevel ?? 'error',
    color: Boolean(flags.isTty) && !t.noColor,
    uid,
  };
}

/** May this local user remediate? The OS user name or, under sudo, the user who ran sudo. */
export function localUserAllowed(config: TerminalConfig): boolean {
  const m = /^local:([^()]+)(?:\(sudo:(.+)\))?$/.exec(config.user);
  return Boolean(m && (config.remediators.includes(m[1]) || (m[2] !== undefined && config.remediators.includes(m[2]))));
}
