import * as k8s from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';

/**
 * Where the API's credentials come from: a kubeconfig file, a KubeConfig
 * already loaded (the kubectl plugin's, with --context applied), or
 * undefined for KUBECONFIG / in-cluster / ~/.kube/config.
 */
export type KubeSource = string | k8s.KubeConfig | undefined;

function loadKubeConfig(source: KubeSource): k8s.KubeConfig {
  if (source instanceof k8s.KubeConfig) return source;
  const kc = new k8s.KubeConfig();
  if (source) kc.loadFromFile(source);
  else kc.loadFromDefault();
  return kc;
}

/** What makes two agents' connections interchangeable: the kind, the server's name and trust, the client's credentials. */
function agentKey(tls: boolean, o: https.AgentOptions): string {
  const digest = (v: unknown): string =>
    v === undefined
      ? ''
      : createHash('sha256')
          .update(JSON.stringify(v, (_k, x: unknown) => (Buffer.isBuffer(x) ? x.toString('base64') : x)))
          .digest('hex');
  return JSON.stringify([tls, o.rejectUnauthorized, o.servername, digest(o.ca), digest(o.cert), digest(o.key), digest(o.pfx), digest(o.passphrase)]);
}

/**
 * The KubeConfig's own authentication (tokens, client certificates, exec
 * plugins: re-read for every request as it does), with one change: client-node
 * makes a new http(s).Agent for each request, so no connection was ever
 * reused and every API read paid a TCP connect and a TLS handshake — seven per
 * pod question. Here each request gets a keep-alive agent, one per distinct
 * set of TLS options (a rotated client certificate gets a new one; at most
 * four are kept). Proxy agents are left as made.
 */
function keepAliveAuth(kc: k8s.KubeConfig): k8s.SecurityAuthentication {
  const agents = new Map<string, http.Agent>();
  return {
    getName: () => 'kubeconfig, connections kept alive',
    async applySecurityAuthentication(ctx) {
      await kc.applySecurityAuthentication(ctx);
      const made = ctx.getAgent();
      const tls = made?.constructor === https.Agent;
      if (!made || (!tls && made.constructor !== http.Agent)) return;
      const options = (made as https.Agent).options;
      const key = agentKey(tls, options);
      let agent = agents.get(key);
      if (!agent) {
        agent = tls ? new https.Agent({ ...options, keepAlive: true }) : new http.Agent({ ...options, keepAlive: true });
        agents.set(key, agent);
        if (agents.size > 4) {
          const [oldest, gone] = agents.entries().next().value as [string, http.Agent];
          agents.delete(oldest);
          gone.destroy();
        }
      }
      made.destroy();
      ctx.setAgent(agent);
    },
  };
}

type ApiClass<T> = new (config: k8s.Configuration) => T;

/** API clients of one KubeConfig sharing its kept-alive connections. */
function apiMaker(kc: k8s.KubeConfig): { make<T>(api: ApiClass<T>): T; server: string } {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('No active cluster!');
  const config = k8s.createConfiguration({ baseServer: new k8s.ServerConfiguration(server, {}), authMethods: { default: keepAliveAuth(kc) } });
  return { make: (api) => new api(config), server };
}

/** The core API from KUBECONFIG (or in-cluster / default), and the server it talks to (for messages). */
export function kubeCoreApi(kubeconfig?: KubeSource): { core: k8s.CoreV1Api; server: string } {
  const m = apiMaker(loadKubeConfig(kubeconfig));
  return { core: m.make(k8s.CoreV1Api), server: m.server };
}

/** The core, storage.k8s.io and apps APIs from one KUBECONFIG (or in-cluster / default): a pod's layer reads all three. */
export function kubeApis(kubeconfig?: KubeSource): { core: k8s.CoreV1Api; storage: k8s.StorageV1Api; apps: k8s.AppsV1Api; server: string } {
  const m = apiMaker(loadKubeConfig(kubeconfig));
  return { core: m.make(k8s.CoreV1Api), storage: m.make(k8s.StorageV1Api), apps: m.make(k8s.AppsV1Api), server: m.server };
}

/**
 * Per-call options that abort the request when `signal` fires (the client's
 * fetch takes the signal from its request context): a read past its deadline
 * is cancelled, not left running.
 */
export function abortable(signal: AbortSignal): k8s.ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (ctx) => {
          ctx.setSignal(signal);
          return new k8s.Observable(Promise.resolve(ctx));
        },
        post: (res) => new k8s.Observable(Promise.resolve(res)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/**
 * Whose credentials a request carried, for the fix a refusal names: the
 * bot's service account (the default), or the user's own kubeconfig (the
 * kubectl plugin).
 */
export type KubeActor = 'bot' | 'user';

/** An API error as a sentence that names the fix; `what` is the RBAC verb and resource, e.g. "list pods". */
export function kubeFailure(
  err: unknown,
  server: string,
  what: { verb: string; resource: string; namespace: string },
  who: KubeActor = 'bot',
): { status: 'not-found' | 'unreachable'; code?: number; message: string } {
  const code = (err as { code?: number }).code;
  if (code === 404) return { status: 'not-found', code, message: `${what.resource} not found in ${what.namespace}` };
  if (code === 401 && who === 'user')
    return { status: 'unreachable', code, message: `Kubernetes API ${server} refused your credentials (401): check your kubeconfig's user (\`kubectl auth whoami\`)` };
  if (code === 403 && who === 'user') {
    const where = what.namespace === 'the cluster' ? '' : ` -n ${what.namespace}`;
    return {
      status: 'unreachable',
      code,
      message: `you may not ${what.verb} ${what.resource} in ${what.namespace} (RBAC: ask for "${what.verb}" on ${what.resource}; \`kubectl auth can-i ${what.verb} ${what.resource}${where}\`)`,
    };
  }
  if (code === 401) return { status: 'unreachable', code, message: `Kubernetes API ${server} refused the bot's credentials (401): check its service account token or KUBECONFIG` };
  if (code === 403)
    return { status: 'unreachable', code, message: `the bot may not ${what.verb} ${what.resource} in ${what.namespace} (RBAC: grant "${what.verb}" on ${what.resource} to the bot's service account)` };
  if (typeof code === 'number' && code >= 400) {
    const said = statusMessage((err as { body?: unknown }).body);
    return { status: 'unreachable', code, message: `Kubernetes API ${server} answered ${code}${said ? `: ${said}` : ''} (${what.verb} ${what.resource})` };
  }
  return { status: 'unreachable', code, message: `Kubernetes API ${server} did not answer: ${(err as Error).message.split('\n')[0]}` };
}

/** The message of a v1 Status the API server answered with (the error's body, as text or parsed). */
function statusMessage(body: unknown): string | undefined {
  let b = body;
  if (typeof body === 'string') {
    try {
      b = JSON.parse(body);
    } catch {
      return body.trim().slice(0, 200) || undefined;
    }
  }
  const m = (b as { message?: unknown } | undefined)?.message;
  return typeof m === 'string' && m ? m.slice(0, 300) : undefined;
}
