import { readFileSync } from 'node:fs';
import { readKnownHostsFile } from '../nodes/ssh/known-hosts';
import { loadPrivateKeyFile } from '../nodes/ssh/private-key';
import { ConfigError } from './errors';
import type { SettingReport } from './sources';
import type { SshFallbackConfig } from './ssh';

/** The part of ConfigFiles that names files. */
interface ConfigFiles {
  ssh?: SshFallbackConfig;
  collectorTls?: { cert: string; key: string; ca: string };
  settings: SettingReport[];
}

/** What to read: the SSH key and known_hosts (at start), the collector TLS files too (config check). */
export interface FileChecks {
  ssh?: boolean;
  certificates?: boolean;
}

const keyOf = (c: ConfigFiles, env: string): string => c.settings.find((s) => s.env === env)?.key ?? env;

/**
 * The configuration's files, as an explicit step after parsing: the SSH
 * private key (with its passphrase) and known_hosts, and the collector
 * certificates. Throws a ConfigError naming the setting, the file and the fix.
 */
export function checkConfigFiles(config: ConfigFiles, checks: FileChecks = { ssh: true, certificates: true }): void {
  if (checks.ssh && config.ssh) {
    const key = loadPrivateKeyFile(config.ssh.keyFile, { passphrase: config.ssh.keyPassphrase?.() });
    if (!key.ok) throw new ConfigError(keyOf(config, 'WHYSTUCK_SSH_KEY_FILE'), key.message);
    if (config.ssh.knownHostsFile) {
      const known = readKnownHostsFile(config.ssh.knownHostsFile);
      if (!known.ok) throw new ConfigError(keyOf(config, 'WHYSTUCK_SSH_KNOWN_HOSTS'), known.message);
    }
  }
  if (checks.certificates && config.collectorTls) {
    const { cert, key, ca } = config.collectorTls;
    pem(config, 'WHYSTUCK_COLLECTOR_TLS_CERT', cert, /-----BEGIN CERTIFICATE-----/, "a PEM certificate (the bot's client certificate)");
    pem(config, 'WHYSTUCK_COLLECTOR_TLS_KEY', key, /-----BEGIN (RSA |EC )?PRIVATE KEY-----/, "a PEM private key (the client certificate's, unencrypted)");
    pem(config, 'WHYSTUCK_COLLECTOR_TLS_CA', ca, /-----BEGIN CERTIFICATE-----/, "a PEM certificate (the CA that signed the collectors' certificates)");
  }
}

function pem(config: ConfigFiles, env: string, path: string, marker: RegExp, what: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      keyOf(config, env),
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; mount the file there or fix the path (\`whystuck certs --out DIR\` makes development ones)`,
    );
  }
  if (!marker.test(text)) throw new ConfigError(keyOf(config, env), `${path} is not ${what}`);
}
