import { parseArgs } from 'node:util';
import { createCollectorClient } from '../grpc/client';
import { isNodeName, nodeIdentity, podIdentity } from '../tls/identity';

/** Where a command writes. */
export interface CommandIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** Control characters other than newline and tab as visible `\xNN` text: a hostname or message cannot drive the terminal. */
const visible = (text: string): string => text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

export const COLLECTOR_HEALTH_USAGE = `usage: whystuck collector-health [--address HOST:PORT] (--tls-cert F --tls-key F --tls-ca F | --insecure)
                                [--node NAME [--pod NAMESPACE/POD] | --self | --server-name NAME] [--timeout-ms N]
  Calls the collector's Health RPC (the DaemonSet's liveness and readiness probe).
  --address      default 127.0.0.1:7443
  --node NAME    the collector must be node NAME's: its certificate's one URI SAN is exactly
                 spiffe://whystuck/node/NAME (or, with --pod, the pod's identity) and Health
                 reports node_name NAME (the node it takes Remediate for)
  --pod NS/POD   with --node: the certificate must be collector pod POD's in namespace NS,
                 spiffe://whystuck/ns/NS/pod/POD (production: cert-manager's csi-driver)
  --self         --node from $NODE_NAME and, when both are set, --pod from
                 $POD_NAMESPACE/$POD_NAME (the DaemonSet's downward API): the probe checks its own pod
  --server-name  without --node: the DNS name the collector certificate must carry (default whystuck-collector)
  --timeout-ms   deadline of the call (default 5000)
  Exit: 0 SERVING, 1 NOT_SERVING, 2 usage error, 3 unreachable or refused (another identity),
  4 the collector serves another node.`;

/** The collector `--node`, `--pod` or `--self` ask for: the one identity its certificate must carry, and its node. */
function expectedCollector(values: { node?: string; pod?: string; self?: boolean }, env: NodeJS.ProcessEnv): { node: string; identity: string } | { error: string } | undefined {
  if (values.self && (values.node !== undefined || values.pod !== undefined)) return { error: '--self takes the node and pod from the environment: give it without --node and --pod' };
  const node = values.self ? env.NODE_NAME : values.node;
  if (values.self && !node) return { error: '--self needs NODE_NAME in the environment (the DaemonSet sets it from spec.nodeName)' };
  const pod = values.self ? (env.POD_NAMESPACE && env.POD_NAME ? `${env.POD_NAMESPACE}/${env.POD_NAME}` : undefined) : values.pod;
  if (node === undefined) return pod === undefined ? undefined : { error: '--pod needs --node (the node the pod must serve)' };
  if (!isNodeName(node)) return { error: `"${node}" is not a Kubernetes node name` };
  if (pod === undefined) return { node, identity: nodeIdentity(node) };
  const [ns, name, ...rest] = pod.split('/');
  try {
    if (rest.length || !name) throw new Error(`--pod "${pod}" is not NAMESPACE/POD`);
    return { node, identity: podIdentity(ns, name) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** `whystuck collector-health`: one Health call, one line out. */
export async function runCollectorHealth(args: string[], io: CommandIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        address: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-ca': { type: 'string' },
        insecure: { type: 'boolean' },
        'server-name': { type: 'string' },
        node: { type: 'string' },
        pod: { type: 'string' },
        self: { type: 'boolean' },
        'timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`whystuck collector-health: ${(err as Error).message}\n${COLLECTOR_HEALTH_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${COLLECTOR_HEALTH_USAGE}\n`);
    return 0;
  }
  const tlsParts = [values['tls-cert'], values['tls-key'], values['tls-ca']];
  if (!values.insecure && !tlsParts.every(Boolean)) {
    io.stderr.write(`whystuck collector-health: give --tls-cert, --tls-key and --tls-ca (mutual TLS), or --insecure\n`);
    return 2;
  }
  const timeoutMs = Number(values['timeout-ms'] ?? '5000');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100) {
    io.stderr.write('whystuck collector-health: --timeout-ms must be a whole number of milliseconds >= 100\n');
    return 2;
  }
  const expected = expectedCollector(values, env);
  if (expected && 'error' in expected) {
    io.stderr.write(`whystuck collector-health: ${expected.error}\n`);
    return 2;
  }
  if (expected && values['server-name'] !== undefined) {
    io.stderr.write("whystuck collector-health: --server-name is a DNS name check; with --node (or --self) the certificate's URI SAN identity is checked instead: give one of them\n");
    return 2;
  }
  if (expected && values.insecure) {
    io.stderr.write("whystuck collector-health: --node and --self check the collector's certificate: they need mutual TLS, not --insecure\n");
    return 2;
  }
  let client;
  try {
    client = createCollectorClient({
      address: values.address ?? '127.0.0.1:7443',
      tls: values.insecure ? undefined : { cert: tlsParts[0]!, key: tlsParts[1]!, ca: tlsParts[2]! },
      // With a node: exactly one identity, its certificate's one URI SAN, replaces the DNS name check (the name is then only sent, as SNI).
      serverName: values.insecure ? undefined : (values['server-name'] ?? 'whystuck-collector'),
      expectedIdentity: expected?.identity,
      deadlineMs: timeoutMs,
      retries: 0,
    });
  } catch (err) {
    io.stderr.write(`whystuck collector-health: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    const res = await client.health();
    if (res.status !== 'ok') {
      io.stderr.write(`whystuck collector-health: ${res.status}: ${res.message}\n`);
      return 3;
    }
    const h = res.value;
    if (expected && h.node_name !== expected.node) {
      io.stderr.write(
        visible(
          `whystuck collector-health: the collector with identity ${expected.identity} serves node "${h.node_name}", not ${expected.node} (its NODE_NAME / --node-name): it would refuse the bot's Remediate for ${expected.node} as WRONG_NODE`,
        ) + '\n',
      );
      return 4;
    }
    io.stdout.write(
      visible(
        `${h.status} ${h.hostname}${expected ? ` node ${h.node_name} as ${expected.identity}` : ''} version ${h.version}; capabilities ${h.capabilities.join(',') || 'none'}${h.blocked_readers ? `; ${h.blocked_readers} reader threads blocked in the kernel` : ''}`,
      ) + '\n',
    );
    return h.status === 'SERVING' ? 0 : 1;
  } finally {
    client.close();
  }
}
