import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { createPortForwardPool, type ClientTlsSource } from '../nodes/port-forward-pool';
import { createCollectorFinder } from '../nodes/find-collector-pods';
import { kubeFailure } from '../kube/kube-client';
import { validatePodRef } from '../kube/names';
import { createKubeLookup, type KubeLookup, type LookupResult, type PodInfo } from '../kube/pod-lookup';
import { toJson } from '../render/render-json';
import { renderReplyText } from '../render/reply-text';
import { neutraliseControls } from '../render/terminal-safe';
import { investigateNode } from '../conversation/investigate-node';
import { investigatePod, type Investigation } from '../conversation/investigate-pod';
import { EXIT, shown, usageError, type PluginIo, type PluginRequest } from './kubectl-plugin-common';

/** The user's kubeconfig (--kubeconfig, else KUBECONFIG / ~/.kube/config / in-cluster), with --context applied. */
function loadKubeconfig(file: string | undefined, context: string | undefined): k8s.KubeConfig | string {
  const kc = new k8s.KubeConfig();
  try {
    if (file) kc.loadFromFile(file);
    else kc.loadFromDefault();
  } catch (err) {
    return `cannot read the kubeconfig${file ? ` ${shown(file, 200)}` : ''}: ${shown((err as Error).message, 300)}`;
  }
  if (context !== undefined) {
    if (!kc.getContextObject(context))
      return `there is no context "${shown(context)}" in the kubeconfig (contexts: ${
        kc
          .getContexts()
          .map((c) => shown(c.name, 60))
          .join(', ') || 'none'
      })`;
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) return `the kubeconfig's current context${kc.currentContext ? ` "${shown(kc.currentContext)}"` : ''} names no cluster`;
  return kc;
}

/**
 * The client certificate, by default the read-only reader's
 * (spiffe://whystuck/reader: collectors answer it Snapshot only): given files as they are, or the Secret's keys
 * (read through the API only once a collector is to be called) in a private
 * temporary directory until the collector client has read them.
 */
function tlsSource(tls: PluginRequest['tls'], kc: k8s.KubeConfig, namespace: string): ClientTlsSource {
  if ('files' in tls) {
    const given = tls.files;
    return { describe: `files ${given.cert}, ${given.key}, ${given.ca}`, load: async () => ({ ok: true, files: given, release: () => undefined }) };
  }
  const name = tls.secret;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const server = kc.getCurrentCluster()?.server ?? '(no cluster)';
  const describe = `Secret ${namespace}/${name}`;
  return {
    describe,
    async load() {
      let secret: k8s.V1Secret;
      try {
        secret = await core.readNamespacedSecret({ namespace, name });
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code === 403)
          return {
            ok: false,
            message: `you may not read the reader's client certificate (get secrets/${name} in namespace ${namespace}: for those who may read every node), which the collectors require; give --tls-cert/--tls-key/--tls-ca if you hold it otherwise`,
          };
        if (code === 404) return { ok: false, message: `the reader's client certificate Secret ${namespace}/${name} does not exist (is whystuck deployed there? --collector-namespace, --tls-secret)` };
        return { ok: false, message: `cannot read the reader's client certificate: ${kubeFailure(err, server, { verb: 'get', resource: 'secrets', namespace }, 'user').message}` };
      }
      const data = secret.data ?? {};
      const missing = ['tls.crt', 'tls.key', 'ca.crt'].filter((k) => !data[k]);
      if (missing.length) return { ok: false, message: `${describe} has no ${missing.join(', ')}: it is not a client certificate (tls.crt, tls.key, ca.crt)` };
      const dir = mkdtempSync(join(tmpdir(), 'kubectl-whystuck-'));
      const release = (): void => rmSync(dir, { recursive: true, force: true });
      try {
        const path = (f: string): string => join(dir, f);
        for (const f of ['tls.crt', 'tls.key', 'ca.crt']) writeFileSync(path(f), Buffer.from(data[f], 'base64'), { mode: 0o600 });
        return { ok: true, files: { cert: path('tls.crt'), key: path('tls.key'), ca: path('ca.crt') }, release };
      } catch (err) {
        release();
        return { ok: false, message: `cannot write the client certificate to a private temporary directory: ${(err as Error).message}` };
      }
    },
  };
}

/**
 * The answer to a checked question: the bot's investigation (investigatePod /
 * investigateNode, unchanged) with the user's kubeconfig as the API client and
 * the collectors reached through port-forward; printed as the terminal chat
 * prints the bot's reply, or as JSON. Returns the exit code.
 */
export async function answer(req: PluginRequest, io: PluginIo): Promise<number> {
  const kc = loadKubeconfig(req.kubeconfig, req.context);
  if (typeof kc === 'string') return usageError(io, kc);
  const namespace = req.namespace ?? (kc.getContextObject(kc.getCurrentContext())?.namespace || 'default');
  if (req.kind === 'pod') {
    const invalid = validatePodRef(namespace, req.name);
    if (invalid) return usageError(io, `${shown(invalid, 400)} (the kubeconfig context's namespace)`);
  }
  const settings = req.collectors;
  const lookup = createKubeLookup({ kubeconfig: kc, who: 'user' });
  let podStatus: LookupResult<PodInfo>['status'] | undefined;
  const kube: KubeLookup = {
    getPod: async (ns, n) => {
      const r = await lookup.getPod(ns, n);
      podStatus = r.status;
      return r;
    },
    readLayer: (pod) => lookup.readLayer?.(pod),
  };
  const collectors = createPortForwardPool({
    kc,
    tls: tlsSource(req.tls, kc, settings.namespace),
    port: settings.port,
    serverName: settings.serverName,
    deadlineMs: settings.deadlineMs,
    finder: createCollectorFinder({ kubeconfig: kc, namespace: settings.namespace, selector: settings.selector, who: 'user' }),
  });
  let inv: Investigation;
  try {
    inv = req.kind === 'pod' ? await investigatePod({ kube, collectors }, namespace, req.name) : await investigateNode({ collectors }, req.name);
  } finally {
    await collectors.shutdown();
  }

  if (inv.status === 'failed') {
    io.stderr.write(`kubectl-whystuck: ${neutraliseControls(inv.message)}\n`);
    if (inv.stage === 'input') return EXIT.usage;
    return podStatus === 'not-found' ? EXIT.notFound : EXIT.notRead;
  }
  const unread = inv.evidence.kube?.unread;
  const where = inv.source ? `${inv.node} read from the collector ${inv.source.where}` : undefined;
  if (req.json) {
    const p = inv.pod;
    const pod = p && { namespace: p.namespace, name: p.name, uid: p.uid, nodeName: p.nodeName, phase: p.phase, deletionTimestamp: p.deletionTimestamp, containers: p.containers };
    io.stdout.write(
      `${JSON.stringify({ ...(pod ? { pod } : {}), node: inv.node, nodeRead: where ?? null, ...(unread?.length ? { unread } : {}), ...toJson(inv.evidence, inv.diagnosis) }, null, 2)}\n`,
    );
    return EXIT.ok;
  }
  // The bot's reply, as the terminal chat shows it: no buttons (nothing is sent from here), and what
  // Slack keeps behind "Show more" printed after it.
  const color = Boolean(io.stdout.isTTY) && io.env.NO_COLOR === undefined;
  const reply = renderReplyText({ pod: inv.pod, node: inv.node, diagnosis: inv.diagnosis, choices: [], threadKey: '', recheck: false, source: inv.source, unread }, { color, numbered: false });
  const out = [reply.text];
  if (where) out.push('', `  Node ${where}.`);
  if (reply.overflow.length) out.push('', ...reply.overflow.map((o) => `${o}\n`));
  if (inv.diagnosis.findings.some((f) => f.remediations.some((r) => r.action === 'signal' && r.effective === 'yes'))) {
    const ask = inv.pod ? `/whystuck pod ${inv.pod.name} -n ${inv.pod.namespace}` : `/whystuck node ${inv.node}`;
    out.push('', `  Nothing is sent from here. To send a signal, ask the bot (\`${ask}\` in Slack): it offers it, confirms it, re-checks the process on the node and audits it.`);
  }
  io.stdout.write(`${neutraliseControls(out.join('\n'), { keepBold: color })}\n`);
  return EXIT.ok;
}
