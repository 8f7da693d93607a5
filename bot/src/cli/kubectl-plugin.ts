import { parseArgs } from 'node:util';
import { isNamespaceName, isNodeName, SUBDOMAIN, validatePodRef } from '../kube/names';
import { EXIT, shown, usageError, type CollectorSettings, type PluginIo, type PluginRequest } from './kubectl-plugin-common';

export const KUBECTL_PLUGIN_USAGE = `usage: kubectl whystuck pod NAME [-n NAMESPACE] [--context CTX] [--kubeconfig FILE] [--json]
       kubectl whystuck node NAME [--context CTX] [--kubeconfig FILE] [--json]

Why is this pod (or node) stuck: the same answer as the bot's \`/whystuck pod NAME -n NS\`,
in the terminal. The pod, its node, events, claims and volume attachments are read
from the Kubernetes API with your kubeconfig (read-only), in parallel with a
snapshot of the pod's processes, kernel state and container runtime from the
whystuck collector on its node. The collector is reached through the API server's
port-forward to the collector pod (like \`kubectl port-forward\`), with the
collector's mutual TLS inside the tunnel and its certificate checked as that
node's collector. When no collector can be reached, the answer is the API's
alone and says that the node was not read.

It never changes anything: no signal, no patch, no delete. Remediations are
advice here; the guarded, confirmed and audited signals stay with the bot.

It presents the read-only reader identity (spiffe://whystuck/reader), not the
bot's: collectors let the reader take snapshots and nothing else (Watch and
Remediate refuse it), so holding its key cannot signal anything; remediation
stays with the audited bot. By default it reads the Secret whystuck-reader-tls
in the collector namespace through the API, which needs "get" on that Secret —
for people who may read every node (a snapshot carries command lines and the
kernel log). Or give the files:
  --tls-cert FILE --tls-key FILE --tls-ca FILE   the reader's client certificate, key and CA
  --tls-secret NAME                              another Secret (tls.crt, tls.key, ca.crt) in the collector
                                                 namespace (default whystuck-reader-tls)
  --collector-namespace NS                       where the collectors run (default whystuck)
A Secret's key is written to a private temporary directory only until the
connection has read it.

Also: -n/--namespace (default: the context's namespace, else "default"),
--context, --kubeconfig (default KUBECONFIG or ~/.kube/config), --json (the
diagnosis as JSON). The collector settings the bot takes from the environment
apply: WHYSTUCK_COLLECTOR_NAMESPACE, WHYSTUCK_COLLECTOR_SELECTOR,
WHYSTUCK_COLLECTOR_PORT, WHYSTUCK_COLLECTOR_SERVER_NAME, WHYSTUCK_COLLECTOR_DEADLINE_MS.

Needs (RBAC, for your user): get pods in NAMESPACE; get nodes and csinodes, list
events, get persistentvolumeclaims and persistentvolumes, list volumeattachments
(what the bot reads); for a pod being deleted with finalizers, list pods (in
kube-system) and deployments.apps, to see whether their controller runs;
list pods and create (and get) pods/portforward in the collector namespace; get
the reader's TLS Secret there (unless --tls-* files are given).

Exit: 0 answered, 1 pod not found, 2 usage error or invalid name, 3 not read
(Kubernetes API or the node's collector unreachable, and no answer from the API alone),
4 an internal error.`;

const DNS_NAME = /^(\{node\}|[a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.(\{node\}|[a-z0-9]([-a-z0-9]*[a-z0-9])?))*$/;
const SELECTOR_TERM = /^!?[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?(\s*(==|=|!=)\s*[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** The bot's collector settings from the same environment variables, with the same defaults. */
function collectorSettings(env: NodeJS.ProcessEnv, namespaceFlag: string | undefined): CollectorSettings | string {
  const namespace = namespaceFlag ?? env.WHYSTUCK_COLLECTOR_NAMESPACE ?? 'whystuck';
  if (!isNamespaceName(namespace)) return `"${shown(namespace)}" is not a valid namespace name for the collectors (lowercase letters, digits and "-", at most 63)`;
  const selector = env.WHYSTUCK_COLLECTOR_SELECTOR ?? 'app.kubernetes.io/name=whystuck-collector';
  const bad = selector
    .split(',')
    .map((t) => t.trim())
    .find((t) => !SELECTOR_TERM.test(t));
  if (bad !== undefined) return `WHYSTUCK_COLLECTOR_SELECTOR: "${shown(bad)}" is not a label selector term (key=value, key!=value, key or !key)`;
  const port = Number(env.WHYSTUCK_COLLECTOR_PORT ?? 7443);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `WHYSTUCK_COLLECTOR_PORT: "${shown(String(env.WHYSTUCK_COLLECTOR_PORT))}" is not a port number (1-65535)`;
  const serverName = env.WHYSTUCK_COLLECTOR_SERVER_NAME ?? 'whystuck-collector';
  if (!DNS_NAME.test(serverName) || serverName.length > 253) return `WHYSTUCK_COLLECTOR_SERVER_NAME: "${shown(serverName)}" is not a DNS name`;
  const deadlineMs = Number(env.WHYSTUCK_COLLECTOR_DEADLINE_MS ?? 15000);
  if (!Number.isInteger(deadlineMs) || deadlineMs < 100)
    return `WHYSTUCK_COLLECTOR_DEADLINE_MS: "${shown(String(env.WHYSTUCK_COLLECTOR_DEADLINE_MS))}" must be an integer number of milliseconds >= 100`;
  return { namespace, selector, port, serverName, deadlineMs };
}

/** The Secret of the read-only reader identity (spiffe://whystuck/reader), in the collector namespace. */
export const READER_SECRET = 'whystuck-reader-tls';

const OK = EXIT.ok;
const USAGE = EXIT.usage;

/** `kubectl whystuck pod NAME -n NS` / `kubectl whystuck node NAME`. Returns the exit code. */
export async function runKubectlPlugin(args: string[], io: PluginIo): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: {
        namespace: { type: 'string', short: 'n' },
        context: { type: 'string' },
        kubeconfig: { type: 'string' },
        json: { type: 'boolean' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-ca': { type: 'string' },
        'tls-secret': { type: 'string' },
        'collector-namespace': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (err) {
    io.stderr.write(`kubectl-whystuck: ${shown((err as Error).message, 300)}\n${KUBECTL_PLUGIN_USAGE}\n`);
    return USAGE;
  }
  if (values.help || positionals[0] === 'help') {
    io.stdout.write(`${KUBECTL_PLUGIN_USAGE}\n`);
    return OK;
  }
  const usage = (why: string): number => usageError(io, why);
  const [kindWord, name, ...extra] = positionals;
  const kind = kindWord === 'pod' || kindWord === 'pods' || kindWord === 'po' ? 'pod' : kindWord === 'node' || kindWord === 'nodes' || kindWord === 'no' ? 'node' : undefined;
  if (!kind)
    return usage(kindWord === undefined ? 'say what to look at: pod NAME [-n NAMESPACE] or node NAME' : `"${shown(kindWord)}" is not something I look at: pod NAME [-n NAMESPACE] or node NAME`);
  if (name === undefined) return usage(`which ${kind}? kubectl whystuck ${kind} NAME`);
  if (extra.length) return usage(`one ${kind} at a time; unexpected "${shown(extra.join(' '))}"`);
  if (kind === 'node' && values.namespace !== undefined) return usage('nodes have no namespace: drop -n');
  // Names are checked before anything is read or loaded: nothing that is not a Kubernetes name reaches the API.
  if (kind === 'node' && !isNodeName(name)) return usage(`"${shown(name)}" is not a valid node name (lowercase letters, digits, "-" and ".", at most 253)`);
  if (kind === 'pod') {
    const invalid = validatePodRef(values.namespace ?? 'default', name);
    if (invalid) return usage(shown(invalid, 400));
  }
  const settings = collectorSettings(io.env, values['collector-namespace']);
  if (typeof settings === 'string') return usage(settings);

  const files = [values['tls-cert'], values['tls-key'], values['tls-ca']];
  // The read-only identity by default: a collector answers it Snapshot only, never Remediate.
  let tls: PluginRequest['tls'] = { secret: values['tls-secret'] ?? READER_SECRET };
  if (files.some((f) => f !== undefined)) {
    if (!files.every(Boolean))
      return usage("give all three of --tls-cert, --tls-key and --tls-ca (the reader's client certificate, its key and the CA), or none to read them from the reader's Secret");
    if (values['tls-secret'] !== undefined) return usage('give either --tls-secret or the --tls-cert/--tls-key/--tls-ca files, not both');
    tls = { files: { cert: files[0]!, key: files[1]!, ca: files[2]! } };
  } else if (!SUBDOMAIN.test(tls.secret) || tls.secret.length > 253) return usage(`"${shown(tls.secret)}" is not a valid Secret name`);

  // The Kubernetes client and the diagnosis load only now: help and refused input answer at once.
  const { answer } = await import('./kubectl-plugin-answer');
  return answer({ kind, name, namespace: values.namespace, kubeconfig: values.kubeconfig, context: values.context, json: Boolean(values.json), tls, collectors: settings }, io);
}
