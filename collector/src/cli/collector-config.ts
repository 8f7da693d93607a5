import { parseArgs } from 'node:util';
import { z } from 'zod';
import { BadConfigError, InsecureListenError } from '../errors';
import { isLoopbackHost } from '../grpc/tls';

const schema = z.object({
  listen: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$/, 'expected HOST:PORT, e.g. 0.0.0.0:7443 or 127.0.0.1:7443'),
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  tlsCa: z.string().optional(),
  insecure: z.boolean(),
  procRoot: z.string().startsWith('/', 'an absolute path'),
  remediationClients: z.array(z.string().min(1)),
  allowHostProcesses: z.boolean(),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
  readDeadlineMs: z.number().int().min(10).max(10000),
});

export type CollectorConfig = z.infer<typeof schema> & { host: string; port: number };

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
  const parsed = schema.safeParse({
    listen: values.listen ?? '',
    tlsCert: values['tls-cert'],
    tlsKey: values['tls-key'],
    tlsCa: values['tls-ca'],
    insecure: values.insecure,
    procRoot: values['proc-root'],
    remediationClients: String(values['remediation-clients'] ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    allowHostProcesses: values['allow-host-processes'],
    logLevel: values['log-level'] ?? env.WHYSTUCK_LOG_LEVEL ?? 'info',
    readDeadlineMs: Number(values['read-deadline-ms']),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.join('.');
    throw new BadConfigError(`bad ${key}: ${issue.message}\n${COLLECTOR_USAGE}`);
  }
  const c = parsed.data;
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
