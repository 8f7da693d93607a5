import type { ReadProblem } from '../../../proto/generated/whystuck/v1/ReadProblem';
import type { RuntimeView } from '../../../proto/generated/whystuck/v1/RuntimeView';
import type { RuntimeSandbox } from '../../../proto/generated/whystuck/v1/RuntimeSandbox';
import type { RuntimeContainer } from '../../../proto/generated/whystuck/v1/RuntimeContainer';
import type { PodSandbox__Output } from '../../../proto/generated/runtime/v1/PodSandbox';
import type { Container__Output } from '../../../proto/generated/runtime/v1/Container';
import { socketPath, type CriClient, type CriResult } from './cri-client';

/** The kubelet's label for a pod's uid, on sandboxes and containers. */
const POD_UID_LABEL = 'io.kubernetes.pod.uid';
/** Status calls in flight at once on a whole-node read (one HTTP/2 connection). */
const CONCURRENCY = 8;

export interface RuntimeRead {
  view: RuntimeView;
  problems: ReadProblem[];
}

/** CRI times are nanoseconds since the epoch; the snapshot's are milliseconds. */
const ms = (ns: unknown): number => Math.floor(Number(ns ?? 0) / 1e6);

/** Words for a call that did not answer, naming the runtime's socket and the call. */
function failure(endpoint: string, call: string, r: Exclude<CriResult<unknown>, { status: 'ok' }>, deadlineMs: number): string {
  switch (r.status) {
    case 'timed-out':
      return `the runtime at ${endpoint} did not answer ${call} within ${deadlineMs} ms`;
    case 'unreachable':
      return `cannot reach the runtime at ${endpoint} (${call}: ${r.message}); is containerd / CRI-O running, and is its socket the one the collector's --runtime-endpoint names?`;
    case 'error':
      return `the runtime at ${endpoint} answered ${call} with an error: ${r.message}`;
  }
}

function problem(endpoint: string, call: string, r: Exclude<CriResult<unknown>, { status: 'ok' }>, deadlineMs: number): ReadProblem {
  return {
    path: `${socketPath(endpoint)} (CRI ${call})`,
    reason: r.status === 'timed-out' ? 'timed-out' : 'error',
    detail: failure(endpoint, call, r, deadlineMs),
    tried_ms: r.tookMs,
    pid: 0,
    tid: 0,
    needs_capability: '',
  };
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/**
 * The runtime's view of the pods in scope (`podUid`, or every pod when ''):
 * Version, ListPodSandbox and ListContainers in parallel, then the status of
 * each sandbox and container in scope (verbose=false: no runtime spec, no
 * info map — small answers). Every call shares one absolute deadline. A call
 * that fails leaves its part out and says so: in the view (`status`,
 * `status_error`) and as a read problem.
 */
export async function readRuntime(client: CriClient, opts: { podUid: string; deadlineMs: number; endpointSource: string }): Promise<RuntimeRead> {
  const t0 = performance.now();
  const deadline = new Date(Date.now() + opts.deadlineMs);
  const endpoint = client.endpoint;
  const problems: ReadProblem[] = [];
  const view: RuntimeView = {
    endpoint,
    endpoint_source: opts.endpointSource,
    status: 'ok',
    deadline_ms: opts.deadlineMs,
    sandboxes: [],
    containers: [],
    shims: [],
  };
  const [version, sandboxes, containers] = await Promise.all([
    client.call('Version', { version: 'v1' }, deadline),
    client.call('ListPodSandbox', {}, deadline),
    client.call('ListContainers', {}, deadline),
  ]);
  if (version.status === 'ok') {
    view.runtime_name = version.value.runtime_name;
    view.runtime_version = version.value.runtime_version;
    view.runtime_api_version = version.value.runtime_api_version;
  }
  // The first failure decides the status (a hung runtime usually fails all three the same way).
  const failed = (
    [
      ['ListPodSandbox', sandboxes],
      ['ListContainers', containers],
      ['Version', version],
    ] as const
  ).filter(([, r]) => r.status !== 'ok') as Array<readonly [string, Exclude<CriResult<unknown>, { status: 'ok' }>]>;
  if (failed.length > 0) {
    const [call, r] = failed[0];
    view.status = r.status;
    view.error = failure(endpoint, call, r, opts.deadlineMs);
    for (const [c, f] of failed) problems.push(problem(endpoint, c, f, opts.deadlineMs));
  }

  const inScope = (labels: Record<string, string> | undefined, uid: string | undefined): boolean => !opts.podUid || uid === opts.podUid || labels?.[POD_UID_LABEL] === opts.podUid;
  const podOf = new Map<string, string>();
  const sandboxList: PodSandbox__Output[] = sandboxes.status === 'ok' ? sandboxes.value.items.filter((s) => inScope(s.labels, s.metadata?.uid)) : [];
  for (const s of sandboxList) {
    const sb: RuntimeSandbox = {
      id: s.id,
      pod_name: s.metadata?.name ?? '',
      pod_namespace: s.metadata?.namespace ?? '',
      pod_uid: s.metadata?.uid ?? '',
      attempt: s.metadata?.attempt ?? 0,
      state: s.state,
      created_unix_ms: ms(s.created_at),
      runtime_handler: s.runtime_handler,
    };
    podOf.set(s.id, sb.pod_uid ?? '');
    view.sandboxes?.push(sb);
  }
  // A container is in scope with its sandbox; by its label when the sandboxes could not be listed.
  const containerInScope = (c: Container__Output): boolean => podOf.has(c.pod_sandbox_id) || (opts.podUid ? c.labels?.[POD_UID_LABEL] === opts.podUid : sandboxes.status !== 'ok');
  const containerList: Container__Output[] = containers.status === 'ok' ? containers.value.containers.filter(containerInScope) : [];
  for (const c of containerList) {
    view.containers?.push({
      id: c.id,
      sandbox_id: c.pod_sandbox_id,
      name: c.metadata?.name ?? '',
      attempt: c.metadata?.attempt ?? 0,
      state: c.state,
      created_unix_ms: ms(c.created_at),
      image: c.image?.image || c.image_ref,
      pod_uid: podOf.get(c.pod_sandbox_id) || c.labels?.[POD_UID_LABEL] || '',
    });
  }

  type Job = { kind: 'sandbox'; item: RuntimeSandbox } | { kind: 'container'; item: RuntimeContainer };
  const jobs: Job[] = [...(view.sandboxes ?? []).map((item) => ({ kind: 'sandbox' as const, item })), ...(view.containers ?? []).map((item) => ({ kind: 'container' as const, item }))];
  await pool(jobs, CONCURRENCY, async (job) => {
    if (job.kind === 'sandbox') {
      const s = job.item;
      const r = await client.call('PodSandboxStatus', { pod_sandbox_id: s.id, verbose: false }, deadline);
      if (r.status !== 'ok') {
        s.status_error = failure(endpoint, `PodSandboxStatus(${s.id})`, r, opts.deadlineMs);
        problems.push(problem(endpoint, `PodSandboxStatus ${s.id}`, r, opts.deadlineMs));
        return;
      }
      const st = r.value.status;
      if (!st) return;
      s.state = st.state;
      s.network_mode = st.linux?.namespaces?.options?.network ?? '';
      s.ip = st.network?.ip ?? '';
      return;
    }
    const c = job.item;
    const r = await client.call('ContainerStatus', { container_id: c.id, verbose: false }, deadline);
    if (r.status !== 'ok') {
      c.status_error = failure(endpoint, `ContainerStatus(${c.id})`, r, opts.deadlineMs);
      problems.push(problem(endpoint, `ContainerStatus ${c.id}`, r, opts.deadlineMs));
      return;
    }
    const st = r.value.status;
    if (!st) return;
    Object.assign(c, {
      state: st.state,
      exit_code: st.exit_code,
      created_unix_ms: ms(st.created_at) || c.created_unix_ms,
      started_unix_ms: ms(st.started_at),
      finished_unix_ms: ms(st.finished_at),
      reason: st.reason,
      message: st.message,
    });
  });
  view.duration_ms = Math.round(performance.now() - t0);
  return { view, problems };
}
