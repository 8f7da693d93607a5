import { parseArgs } from 'node:util';
import { BadConfigError, InsecureListenError } from '../errors';
import { isLoopbackHost } from '../grpc/tls';
import { BOT_IDENTITY, isNodeName, READER_IDENTITY } from '../tls/identity';
import { hostname } from 'node:os';

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
  /** The one client identity (exact URI SAN) allowed Snapshot, Watch and Remediate. */
  botIdentity: string;
  /** A read-only client identity (exact URI SAN) allowed Snapshot only; '' when disabled. */
  readerIdentity: string;
  /** The node this collector serves: --node-name, else NODE_NAME (downward API spec.nodeName), else the hostname. */
  nodeName: string;
  allowHostProcesses: boolean;
  logLevel: (typeof LOG_LEVELS)[number];
  readDeadlineMs: number;
  /** Watch mode: how often tasks are looked at (0 = kernel log only). */
  watchIntervalMs: number;
  watchDTasks: number;
  watchZombies: number;
  watchPersistSeconds: number;
  /** Prometheus /metrics (HOST:PORT), off when unset. */
  metricsListen?: { host: string; port: number };
  /** The container runtime's CRI socket; unset: the first of the usual sockets found under hostRoot. */
  runtimeEndpoint?: string;
  /** Where the host's files are (the usual runtime sockets are looked for under it). */
  hostRoot: string;
  /** Deadline of the runtime's answers in a snapshot, in ms. */
  runtimeDeadlineMs: number;
  /** The kubelet's root directory as the host has it (its --root-dir): pod volume mounts are under its pods/. */
  kubeletRoot: string;
}

export const COLLECTOR_USAGE = `usage: whystuck collector --listen HOST:PORT [--tls-cert F --tls-key F --tls-ca F] [--insecure]
       [--proc-root DIR] [--node-name NAME] [--bot-identity URI] [--reader-identity URI] [--allow-host-processes]
       [--read-deadline-ms N] [--log-level LEVEL] [--metrics-listen HOST:PORT]
       [--watch-interval-ms N] [--watch-d-tasks N] [--watch-zombies N] [--watch-persist-seconds N]
       [--runtime-endpoint unix:///PATH] [--host-root DIR] [--runtime-deadline-ms N] [--kubelet-root DIR]

  --listen HOST:PORT         where the gRPC server binds
  --tls-cert/--tls-key/--tls-ca  mutual TLS: server certificate, key, and the CA client certificates must chain to
  --insecure                 plaintext, allowed only on a loopback address
  --proc-root DIR            read tasks from DIR instead of /proc (tests)
  --node-name NAME           the Kubernetes node this collector serves (default: $NODE_NAME, set from
                             spec.nodeName by the DaemonSet; else the hostname); Remediate refuses other nodes
  --bot-identity URI         the one client identity (exact URI SAN of its certificate) allowed to call
                             Snapshot, Watch and Remediate (default spiffe://whystuck/bot); Health is open
                             to any certificate from the CA
  --reader-identity URI      a read-only client identity (exact URI SAN) allowed to call Snapshot and
                             nothing else: Watch and Remediate refuse it (default spiffe://whystuck/reader,
                             the kubectl plugin's; an empty value disables it)
  --allow-host-processes     let Remediate signal processes outside Kubernetes pod cgroups
  --read-deadline-ms N       deadline for each read that can block (default 250)
  --metrics-listen HOST:PORT Prometheus metrics at http://HOST:PORT/metrics (off by default)
  --runtime-endpoint EP      the container runtime's CRI socket (unix:///run/containerd/containerd.sock);
                             default: the first of the usual containerd / CRI-O sockets found
  --host-root DIR            where the host's files are, for finding the runtime socket (default /;
                             /proc/1/root is tried too, which reaches the host's /run under hostPID)
  --runtime-deadline-ms N    how long the runtime has to answer a snapshot's CRI calls (default 2000)
  --kubelet-root DIR         the kubelet's --root-dir as the host has it (default /var/lib/kubelet): a pod
                             snapshot reads who holds the pod's volume mounts under DIR/pods/UID/volumes
  Watch mode (the Watch RPC; kernel-log reports are always classified):
  --watch-interval-ms N      how often tasks are looked at for persistent states (default 10000; 0 = never)
  --watch-d-tasks N          D tasks in one pod that make a pile-up (default 3)
  --watch-zombies N          zombies in one pod, and growing, that make an alert (default 5)
  --watch-persist-seconds N  how long a state must hold before it is raised (default 30)`;

/** Parses and validates the collector's flags (environment: WHYSTUCK_LOG_LEVEL, NODE_NAME, WHYSTUCK_NODE_NAME). */
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
        'remediation-clients': { type: 'string' },
        'node-name': { type: 'string' },
        'bot-identity': { type: 'string', default: BOT_IDENTITY },
        'reader-identity': { type: 'string', default: READER_IDENTITY },
        'allow-host-processes': { type: 'boolean', default: false },
        'log-level': { type: 'string' },
        'read-deadline-ms': { type: 'string', default: '250' },
        'metrics-listen': { type: 'string' },
        'watch-interval-ms': { type: 'string', default: '10000' },
        'watch-d-tasks': { type: 'string', default: '3' },
        'watch-zombies': { type: 'string', default: '5' },
        'watch-persist-seconds': { type: 'string', default: '30' },
        'runtime-endpoint': { type: 'string' },
        'host-root': { type: 'string', default: '/' },
        'kubelet-root': { type: 'string', default: '/var/lib/kubelet' },
        'runtime-deadline-ms': { type: 'string', default: '2000' },
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
  const int = (flag: string, key: string, min: number, max: number): number => {
    const v = Number(values[flag]);
    if (!Number.isInteger(v) || v < min || v > max) bad(key, `an integer from ${min} to ${max}`);
    return v;
  };
  const watchIntervalMs = int('watch-interval-ms', 'watchIntervalMs', 0, 3600000);
  if (watchIntervalMs > 0 && watchIntervalMs < 1000) bad('watchIntervalMs', '0 (off) or at least 1000: each look reads every task on the node');
  let metricsListen: CollectorConfig['metricsListen'];
  if (values['metrics-listen'] !== undefined) {
    const m = String(values['metrics-listen']);
    if (!LISTEN.test(m)) bad('metricsListen', 'expected HOST:PORT, e.g. 0.0.0.0:9464');
    const at = m.lastIndexOf(':');
    metricsListen = { host: m.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(m.slice(at + 1)) };
    if (metricsListen.port > 65535) bad('metricsListen', `port ${metricsListen.port} is above 65535`);
  }
  let runtimeEndpoint: string | undefined;
  if (values['runtime-endpoint'] !== undefined) {
    runtimeEndpoint = String(values['runtime-endpoint']);
    if (!/^(unix:\/\/)?\/\S+$/.test(runtimeEndpoint)) bad('runtimeEndpoint', 'a unix socket: unix:///run/containerd/containerd.sock or /run/crio/crio.sock');
  }
  if (values['remediation-clients'] !== undefined) {
    bad(
      'remediationClients',
      'this flag is gone: only the bot may call Snapshot, Watch and Remediate, named by one exact URI SAN (--bot-identity, default spiffe://whystuck/bot); CN and DNS names no longer authorise',
    );
  }
  const botIdentity = String(values['bot-identity']);
  if (!/^spiffe:\/\/[a-z0-9.-]+\/\S+$/.test(botIdentity)) bad('botIdentity', 'a URI SAN like spiffe://whystuck/bot');
  const readerIdentity = String(values['reader-identity']);
  if (readerIdentity !== '' && !/^spiffe:\/\/[a-z0-9.-]+\/\S+$/.test(readerIdentity)) bad('readerIdentity', 'a URI SAN like spiffe://whystuck/reader, or empty to allow no reader');
  if (readerIdentity === botIdentity) bad('readerIdentity', `the same as --bot-identity (${botIdentity}): the reader is a separate, read-only identity`);
  const nodeName = String(values['node-name'] ?? env.NODE_NAME ?? env.WHYSTUCK_NODE_NAME ?? hostname()).toLowerCase();
  if (!isNodeName(nodeName)) bad('nodeName', `"${nodeName}" is not a Kubernetes node name (lowercase letters, digits, '-' and '.')`);
  const hostRoot = String(values['host-root']);
  if (!hostRoot.startsWith('/')) bad('hostRoot', 'an absolute path');
  const kubeletRoot = String(values['kubelet-root']);
  if (!kubeletRoot.startsWith('/')) bad('kubeletRoot', 'an absolute path');
  const c = {
    listen,
    runtimeEndpoint,
    hostRoot,
    kubeletRoot,
    runtimeDeadlineMs: int('runtime-deadline-ms', 'runtimeDeadlineMs', 100, 30000),
    watchIntervalMs,
    watchDTasks: int('watch-d-tasks', 'watchDTasks', 1, 100000),
    watchZombies: int('watch-zombies', 'watchZombies', 1, 1000000),
    watchPersistSeconds: int('watch-persist-seconds', 'watchPersistSeconds', 0, 86400),
    metricsListen,
    tlsCert: values['tls-cert'] as string | undefined,
    tlsKey: values['tls-key'] as string | undefined,
    tlsCa: values['tls-ca'] as string | undefined,
    insecure: Boolean(values.insecure),
    procRoot,
    botIdentity,
    readerIdentity,
    nodeName,
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
