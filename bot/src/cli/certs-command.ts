import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCertAuthority } from '../../../collector/src';
import type { CliIo } from './analyze-command';

export const CERTS_USAGE = `usage: whystuck certs --out DIR [--days N] [--namespace NS] [--force]
  Writes a development PKI for mutual TLS between the bot and the collectors:
    ca.crt, ca.key              the CA (keep ca.key out of the cluster)
    collector.crt/.key          server + client certificate, CN and DNS SAN whystuck-collector
                                (the name the bot verifies), the service names in NS, localhost, 127.0.0.1
    bot.crt/.key                client certificate, CN whystuck-bot (the identity allowed to call Remediate)
  Keys are written with mode 0600. Production: use cert-manager (deploy/kustomize/components/cert-manager).
  --days N       validity (default 365)
  --namespace NS the collectors' namespace, for the service DNS names (default whystuck)
  --force        overwrite existing files`;

export const COLLECTOR_CERT_NAME = 'whystuck-collector';
export const BOT_CERT_NAME = 'whystuck-bot';

/** `whystuck certs --out DIR`: 0 written, 1 files exist (without --force), 2 usage error. */
export function runCerts(args: string[], io: Pick<CliIo, 'stdout' | 'stderr'>): number {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { out: { type: 'string' }, days: { type: 'string' }, namespace: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    io.stderr.write(`whystuck certs: ${(err as Error).message}\n${CERTS_USAGE}\n`);
    return 2;
  }
  if (values.help) { io.stdout.write(`${CERTS_USAGE}\n`); return 0; }
  if (!values.out) { io.stderr.write(`whystuck certs: --out DIR is required\n${CERTS_USAGE}\n`); return 2; }
  const days = Number(values.days ?? '365');
  if (!Number.isInteger(days) || days < 1 || days > 3650) { io.stderr.write(`whystuck certs: --days must be a whole number of days from 1 to 3650, not "${values.days}"\n`); return 2; }
  const ns = values.namespace ?? 'whystuck';
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) { io.stderr.write(`whystuck certs: --namespace "${ns}" is not a namespace name\n`); return 2; }
  const dir = values.out;
  const names = ['ca.crt', 'ca.key', 'collector.crt', 'collector.key', 'bot.crt', 'bot.key'];
  const existing = names.filter((n) => existsSync(join(dir, n)));
  if (existing.length && !values.force) { io.stderr.write(`whystuck certs: ${existing.map((n) => join(dir, n)).join(', ')} already exist; use --force to replace them\n`); return 1; }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = createCertAuthority('whystuck development CA', days);
  const collector = ca.issue({
    commonName: COLLECTOR_CERT_NAME,
    dnsNames: [COLLECTOR_CERT_NAME, `${COLLECTOR_CERT_NAME}.${ns}.svc`, `${COLLECTOR_CERT_NAME}.${ns}.svc.cluster.local`, 'localhost'],
    ipAddresses: ['127.0.0.1'],
    server: true, client: true, days,
  });
  const bot = ca.issue({ commonName: BOT_CERT_NAME, dnsNames: [BOT_CERT_NAME], server: false, client: true, days });
  const files: [string, string, number][] = [
    ['ca.crt', ca.cert, 0o644], ['ca.key', ca.key, 0o600],
    ['collector.crt', collector.cert, 0o644], ['collector.key', collector.key, 0o600],
    ['bot.crt', bot.cert, 0o644], ['bot.key', bot.key, 0o600],
  ];
  for (const [name, text, mode] of files) writeFileSync(join(dir, name), text, { mode });
  io.stdout.write([
    `wrote ${files.map(([n]) => join(dir, n)).join(', ')} (valid ${days} days)`,
    `collector: --tls-cert ${join(dir, 'collector.crt')} --tls-key ${join(dir, 'collector.key')} --tls-ca ${join(dir, 'ca.crt')} --remediation-clients ${BOT_CERT_NAME}`,
    `bot:       WHYSTUCK_COLLECTOR_TLS_CERT=${join(dir, 'bot.crt')} WHYSTUCK_COLLECTOR_TLS_KEY=${join(dir, 'bot.key')} WHYSTUCK_COLLECTOR_TLS_CA=${join(dir, 'ca.crt')}`,
    `cluster:   copy collector.*, bot.* and ca.crt to deploy/kustomize/overlays/dev/certs/ (see deploy/README.md)`,
  ].join('\n') + '\n');
  return 0;
}
