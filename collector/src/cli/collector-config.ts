import { parseArgs } from 'node:util';
import { BadConfigError, InsecureListenError } from '../errors';
import { isLoopbackHost } from '../grpc/tls';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const LISTEN = /^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$/;

export interface CollectorConfig {
  listen: string;
  host: string;
  port: number;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  insecure: boolean;
  procRoot: string;
  remediationClients: string[];
  allowHostProcesses: boolean;
  logLevel: (typeof LOG_LEVELS)[number];
  readDeadlineMs: number;
}

export const COLLECTOR_USAGE = `usage: whystuck collector --listen HOST:PORT [--tls-cert F --tls-key F --tls-ca F] [--insecure]
       [--proc-root DIR] [--remediation-clients ID,ID] [--allow-host-processes]
       [--read-deadline-ms N] [--log-level LEVEL]

  --listen HOST:PORT         where the gRPC server binds
  --tls-cert/--tls-key/--tls-ca  mutual TLS: server certificate, key, and the CA client certificates must chain to
  --insecure                 plaintext, allowed only on a loopback address
  --proc-root DIR            read tasks from DIR instead of /proc (tests)
  --remediation-clients IDS  client certificate identities (CN or SAN) allowed to call Remediate
  --allow-host-processes     let Remediate signal processes outside Kubernetes pod cgroups
  --read-deadline-ms N       deadline for each read that can block (default 250)`;

/** Parses and validates the collector's flags (environment: WHYSTUCK_LOG_LEVEL). */
export function loadCollectorConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        listen: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-ca': { type: 'string' },
        insecure: { type: 'boolean', default: false },
        'proc-root': { type: 'string', default: '/proc' },
        'remediation-clients': { type: 'string', default: '' },
        'allow-host-processes': { type: 'boolean', default: false },
        'log-level': { type: 'string' },
        'read-deadline-ms': { type: 'string', default: '250' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new BadConfigError(`${(err as Error).message}\n${COLLECTOR_USAGE}`);
  }
  // Plain checks rather than a schema library: the collector's memory budget is tight (zod alone is ~7 MB).
  const bad = (key: string, why: string): never => {
    throw new BadConfigError(`bad ${key}: ${why}\n${COLLECTOR_USAGE}`);
  };
  const listen = String(values.listen ?? '');
  if (!LISTEN.test(listen)) bad('listen', 'expected HOST:PORT, e.g. 0.0.0.0:7443 or 127.0.0.1:7443');
  const procRoot = String(values['proc-root']);
  if (!procRoot.startsWith('/')) bad('procRoot', 'an absolute path');
  const logLevel = String(values['log-level'] ?? env.WHYSTUCK_LOG_LEVEL ?? 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) bad('logLevel', `one of ${LOG_LEVELS.join(', ')}`);
  const readDeadlineMs = Number(values['read-deadline-ms']);
  if (!Number.isInteger(readDeadlineMs) || readDeadlineMs < 10 || readDeadlineMs > 10000) bad('readDeadlineMs', 'an integer number of milliseconds from 10 to 10000');
  const c = {
    listen,
    tlsCert: values['tls-cert'] as string | undefined,
    tlsKey: values['tls-key'] as string | undefined,
    tlsCa: values['tls-ca'] as string | undefined,
    insecure: Boolean(values.insecure),
    procRoot,
    remediationClients: String(values['remediation-clients'] ?? '').split(',').map((x) => x.trim()).filter(Boolean),
    allowHostProcesses: Boolean(values['allow-host-processes']),
    logLevel: logLevel as CollectorConfig['logLevel'],
    readDeadlineMs,
  };
  const tlsGiven = [c.tlsCert, c.tlsKey, c.tlsCa].filter(Boolean).length;
  if (tlsGiven > 0 && tlsGiven < 3) throw new BadConfigError('mutual TLS needs all three of --tls-cert, --tls-key and --tls-ca');
  const sep = c.listen.lastIndexOf(':');
  const host = c.listen.slice(0, sep);
  const port = Number(c.listen.slice(sep + 1));
  if (port > 65535) throw new BadConfigError(`bad listen: port ${port} is above 65535`);
  if (tlsGiven === 0 && !c.insecure) throw new BadConfigError('the collector needs --tls-cert, --tls-key and --tls-ca (mutual TLS), or --insecure on a loopback address');
  if (tlsGiven === 0 && !isLoopbackHost(host)) throw new InsecureListenError(host);
  return { ...c, host, port };
}
