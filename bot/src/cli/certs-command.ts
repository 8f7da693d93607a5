import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BOT_IDENTITY, createCertAuthority, loadCertAuthority, nodeIdentity, READER_IDENTITY } from '../../../collector/src';
import { isNodeName } from '../kube/names';
import type { CliIo } from './analyze-command';

export const CERTS_USAGE = `usage: whystuck certs --out DIR [--nodes NAME,NAME] [--days N] [--namespace NS] [--force]
       whystuck certs --out DIR --add-nodes NAME,NAME [--days N] [--namespace NS] [--force]
  Writes a development PKI for mutual TLS between the bot and the collectors:
    ca.crt, ca.key              the CA (keep ca.key out of the cluster)
    collector.crt/.key          with one node only: the same as collector-NAME (the dev overlay's Secret)
    collector-NAME.crt/.key     one per node: URI SAN spiffe://whystuck/node/NAME (the identity the bot
                                verifies for that node; another node's certificate is refused), server +
                                client auth, also DNS whystuck-collector, the service names in NS,
                                localhost and 127.0.0.1
    bot.crt/.key                client certificate, URI SAN spiffe://whystuck/bot: the only identity the
                                collectors let call Snapshot, Watch and Remediate
    reader.crt/.key             client certificate, URI SAN spiffe://whystuck/reader: read-only, the
                                collectors let it call Snapshot and nothing else (the kubectl plugin's;
                                it cannot signal anything)
  Keys are written with mode 0600. Production: see deploy/README.md (per-node certificates).
  --nodes NAMES      the Kubernetes node names (default: this machine, WHYSTUCK_NODE_NAME or the hostname)
  --add-nodes NAMES  issue certificates for more nodes from the CA already in DIR (ca.crt, ca.key)
  --days N           validity (default 365)
  --namespace NS     the collectors' namespace, for the service DNS names (default whystuck)
  --force            overwrite existing files`;

export const COLLECTOR_CERT_NAME = 'whystuck-collector';
export const BOT_CERT_NAME = 'whystuck-bot';
export const READER_CERT_NAME = 'whystuck-reader';

const names = (text: string): string[] =>
  text
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);

/** `whystuck certs --out DIR`: 0 written, 1 files exist (without --force), 2 usage error. */
export function runCerts(args: string[], io: Pick<CliIo, 'stdout' | 'stderr'>, env: Readonly<Record<string, string | undefined>> = {}): number {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        out: { type: 'string' },
        nodes: { type: 'string' },
        'add-nodes': { type: 'string' },
        days: { type: 'string' },
        namespace: { type: 'string' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`whystuck certs: ${(err as Error).message}\n${CERTS_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${CERTS_USAGE}\n`);
    return 0;
  }
  if (!values.out) {
    io.stderr.write(`whystuck certs: --out DIR is required\n${CERTS_USAGE}\n`);
    return 2;
  }
  const days = Number(values.days ?? '365');
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    io.stderr.write(`whystuck certs: --days must be a whole number of days from 1 to 3650, not "${values.days}"\n`);
    return 2;
  }
  const ns = values.namespace ?? 'whystuck';
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) {
    io.stderr.write(`whystuck certs: --namespace "${ns}" is not a namespace name\n`);
    return 2;
  }
  if (values.nodes !== undefined && values['add-nodes'] !== undefined) {
    io.stderr.write('whystuck certs: give --nodes (a new PKI) or --add-nodes (more nodes for the CA in DIR), not both\n');
    return 2;
  }
  const adding = values['add-nodes'] !== undefined;
  const nodes = names(values['add-nodes'] ?? values.nodes ?? (env.WHYSTUCK_NODE_NAME ?? hostname()).toLowerCase());
  const badNode = nodes.find((n) => !isNodeName(n));
  if (badNode !== undefined || nodes.length === 0) {
    io.stderr.write(`whystuck certs: ${badNode === undefined ? 'no node names given' : `"${badNode}" is not a Kubernetes node name (lowercase letters, digits, '-' and '.')`}\n`);
    return 2;
  }
  const dir = values.out;
  const files: [string, string, number][] = [];
  let ca;
  if (adding) {
    try {
      ca = loadCertAuthority(readFileSync(join(dir, 'ca.crt'), 'utf8'), readFileSync(join(dir, 'ca.key'), 'utf8'), days);
    } catch (err) {
      io.stderr.write(`whystuck certs: --add-nodes needs the CA in ${dir} (ca.crt and ca.key): ${(err as Error).message}\n`);
      return 2;
    }
  } else {
    ca = createCertAuthority('whystuck development CA', days);
    const bot = ca.issue({ commonName: BOT_CERT_NAME, uris: [BOT_IDENTITY], server: false, client: true, days });
    // The read-only identity: client only, Snapshot only (the collectors' --reader-identity).
    const reader = ca.issue({ commonName: READER_CERT_NAME, uris: [READER_IDENTITY], server: false, client: true, days });
    files.push(['ca.crt', ca.cert, 0o644], ['ca.key', ca.key, 0o600], ['bot.crt', bot.cert, 0o644], ['bot.key', bot.key, 0o600], ['reader.crt', reader.cert, 0o644], ['reader.key', reader.key, 0o600]);
  }
  for (const node of nodes) {
    const collector = ca.issue({
      commonName: COLLECTOR_CERT_NAME,
      uris: [nodeIdentity(node)],
      dnsNames: [COLLECTOR_CERT_NAME, `${COLLECTOR_CERT_NAME}.${ns}.svc`, `${COLLECTOR_CERT_NAME}.${ns}.svc.cluster.local`, 'localhost'],
      ipAddresses: ['127.0.0.1'],
      server: true,
      client: true,
      days,
    });
    files.push([`collector-${node}.crt`, collector.cert, 0o644], [`collector-${node}.key`, collector.key, 0o600]);
    // One node (a kind/minikube dev cluster): also as collector.crt/.key, the files the dev overlay's Secret takes.
    // On a cluster of more nodes the other collectors would present this node's identity and the bot refuses them.
    if (nodes.length === 1 && !adding) files.push(['collector.crt', collector.cert, 0o644], ['collector.key', collector.key, 0o600]);
  }
  const existing = files.map(([n]) => n).filter((n) => existsSync(join(dir, n)));
  if (existing.length && !values.force) {
    io.stderr.write(`whystuck certs: ${existing.map((n) => join(dir, n)).join(', ')} already exist; use --force to replace them\n`);
    return 1;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Written whole and renamed into place: a collector watching the files never reads half of one.
  for (const [name, text, mode] of files) {
    const tmp = join(dir, `.${name}.tmp`);
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, join(dir, name));
  }
  const first = nodes[0];
  io.stdout.write(
    [
      `wrote ${files.map(([n]) => join(dir, n)).join(', ')} (valid ${days} days)`,
      `collector on node ${first}: --node-name ${first} --tls-cert ${join(dir, `collector-${first}.crt`)} --tls-key ${join(dir, `collector-${first}.key`)} --tls-ca ${join(dir, 'ca.crt')}`,
      `bot:       WHYSTUCK_COLLECTOR_TLS_CERT=${join(dir, 'bot.crt')} WHYSTUCK_COLLECTOR_TLS_KEY=${join(dir, 'bot.key')} WHYSTUCK_COLLECTOR_TLS_CA=${join(dir, 'ca.crt')}`,
      ...(adding ? [] : [`reader:    kubectl whystuck pod NAME --tls-cert ${join(dir, 'reader.crt')} --tls-key ${join(dir, 'reader.key')} --tls-ca ${join(dir, 'ca.crt')} (snapshots only)`]),
      `cluster:   see deploy/README.md (each node gets only its own collector-NAME.crt/.key)`,
    ].join('\n') + '\n',
  );
  return 0;
}
