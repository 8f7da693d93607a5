import { z } from 'zod';
import { ACTION_KEY_ENV, type OtherSecret } from './action-key';
import { COLLECTORS_FILE_KEYS, COLLECTORS_SETTINGS, collectorsSection, type CollectorsConfig } from './collectors';
import { ESCALATION_FILE_KEYS, ESCALATION_SETTINGS, escalationSection, type EscalationConfig } from './escalation';
import { checkConfigFiles } from './files';
import { KUBE_SETTINGS, kubeSection, type KubeConfigSettings } from './kube';
import { LOGGING_FILE_KEYS, LOGGING_SETTINGS, loggingSection, type LogLevel } from './logging';
import { PASTE_FILE_KEYS, PASTE_SETTINGS, pasteSection, type PasteConfig } from './paste';
import { REMEDIATION_FILE_KEYS, REMEDIATION_SETTINGS, remediationSection, type RemediationConfig } from './remediation';
import { SHARDS_SETTINGS, shardsSection, type ShardsConfig } from './shards';
import { SLACK_FILE_KEYS, SLACK_SETTINGS, slackSection, type SlackConfig } from './slack';
import { Sources, type Env, type SettingReport, type SettingTable } from './sources';
import { SSH_FILE_KEYS, SSH_SETTINGS, sshSection, type SshFallbackConfig } from './ssh';
import { STORE_FILE_KEYS, STORE_SETTINGS, storeSection, type StoreConfig } from './store';
import { TERMINAL_SETTINGS, terminalSection, type TerminalSettings } from './terminal';
import { METRICS_SETTINGS, WATCH_FILE_KEYS, WATCH_SETTINGS, metricsSection, watchSection, type WatchConfig } from './watch';

/**
 * The bot's configuration: secrets from the environment, the rest from a YAML
 * file (WHYSTUCK_CONFIG) with every key also settable by environment (which
 * wins). Each section is one zod schema over the merged sources; a bad value
 * is a ConfigError naming the key, the value, what is allowed and the fix.
 */
export interface BotConfig extends CollectorsConfig, RemediationConfig, StoreConfig, EscalationConfig, PasteConfig {
  slack: SlackConfig;
  port: number;
  /** Address the HTTP receiver binds; the deployment sets 0.0.0.0 (WHYSTUCK_LISTEN_HOST), development keeps loopback. */
  listenHost: string;
  /** KUBECONFIG; in-cluster config when unset. */
  kubeconfig?: string;
  /** The bot's place in Kubernetes: in a pod or not, its pod name and namespace. */
  kube: KubeConfigSettings;
  /** Reading a node over SSH when its collector cannot be reached; absent = off. */
  ssh?: SshFallbackConfig;
  /** Watch mode: alerts from the collectors' Watch streams to one channel; absent = off (no WHYSTUCK_ALERT_CHANNEL). */
  watch?: WatchConfig;
  /** Watch mode across replicas (Kubernetes Leases). */
  shards: ShardsConfig;
  /** The bot's Prometheus endpoint (GET /metrics), HOST:PORT; absent = off. */
  metricsListen?: { host: string; port: number };
  /** The terminal chat's own settings (`npm start`). */
  terminal: TerminalSettings;
  /** WHYSTUCK_LOG_LEVEL (LOG_LEVEL deprecated); undefined = the program's default. */
  logLevel?: LogLevel;
  /** Every setting, its value as given (secrets only set or not) and where it came from: `whystuck config check` lists them. */
  settings: SettingReport[];
  /** Deprecated names in use and the like: logged at start, printed by `config check`. */
  warnings: string[];
}

/** Every setting, by section (the order of `whystuck config check`'s list). */
export const SETTING_TABLES: Readonly<Record<string, SettingTable>> = {
  slack: SLACK_SETTINGS,
  collectors: COLLECTORS_SETTINGS,
  remediation: REMEDIATION_SETTINGS,
  store: STORE_SETTINGS,
  escalation: ESCALATION_SETTINGS,
  pastes: PASTE_SETTINGS,
  'ssh fallback': SSH_SETTINGS,
  'watch mode': WATCH_SETTINGS,
  metrics: METRICS_SETTINGS,
  'watch shards': SHARDS_SETTINGS,
  logging: LOGGING_SETTINGS,
  kubernetes: KUBE_SETTINGS,
  terminal: TERMINAL_SETTINGS,
};

/** Every key of the YAML file, each section's; an unknown key is an error. */
export const FileSchema = z
  .object({
    ...SLACK_FILE_KEYS,
    ...COLLECTORS_FILE_KEYS,
    ...REMEDIATION_FILE_KEYS,
    ...STORE_FILE_KEYS,
    ...ESCALATION_FILE_KEYS,
    ...PASTE_FILE_KEYS,
    ...SSH_FILE_KEYS,
    ...WATCH_FILE_KEYS,
    ...LOGGING_FILE_KEYS,
  })
  .strict();

/** Parses and checks every section; reads no file but the YAML one (see checkConfigFiles for the others). */
export function parseConfig(env: Env, file: string | undefined = env.WHYSTUCK_CONFIG): BotConfig {
  const src = Sources.read(env, file, FileSchema);
  src.report.push({ section: 'file', env: 'WHYSTUCK_CONFIG', key: 'WHYSTUCK_CONFIG', value: file ?? '(unset)', from: file ? 'environment' : 'default' });
  const { slack, port, listenHost } = slackSection(src);
  const collectors = collectorsSection(src);
  const remediation = remediationSection(src, collectors.collectorDiscovery.namespace, otherSecrets(src));
  const store = storeSection(src);
  const escalation = escalationSection(src);
  const paste = pasteSection(src);
  const ssh = sshSection(src);
  const watch = watchSection(src);
  const metricsListen = metricsSection(src);
  const shards = shardsSection(src);
  const { logLevel } = loggingSection(src);
  const kube = kubeSection(src);
  const terminal = terminalSection(src);
  return {
    slack,
    port,
    listenHost,
    ...collectors,
    ...remediation,
    ...store,
    ...escalation,
    kubeconfig: kube.kubeconfig,
    kube,
    ...paste,
    ssh,
    watch,
    shards,
    metricsListen,
    logLevel,
    terminal,
    settings: src.report,
    warnings: src.warnings,
  };
}

/** Every secret setting but the action key, with its value: the action key must be none of them (environment only, as secrets are). */
function otherSecrets(src: Sources): OtherSecret[] {
  return Object.values(SETTING_TABLES)
    .flatMap((t) => Object.values(t))
    .filter((s) => s.secret && s.env !== ACTION_KEY_ENV)
    .map((s) => ({ env: s.env, value: src.envText(s) }));
}

/** parseConfig, then the SSH key and known_hosts read once, so a bad one stops the bot at start. */
export function loadConfig(env: Env, file: string | undefined = env.WHYSTUCK_CONFIG): BotConfig {
  const config = parseConfig(env, file);
  checkConfigFiles(config, { ssh: true });
  return config;
}
