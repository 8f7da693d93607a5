import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { RuntimeView } from '../../../proto/generated/whystuck/v1/RuntimeView';
import { emptyKubeEvidence, type CriContainer, type CriSandbox, type Frame } from './evidence';
import type { EvidenceBuilder } from './evidence-builder';

const num = (v: unknown): number => (v === undefined || v === null || v === '' ? 0 : Number(v));
/** Unix ms -> RFC 3339, as the Kubernetes layer keeps times; undefined for 0 (not set). */
const time = (ms: unknown): string | undefined => (num(ms) > 0 ? new Date(num(ms)).toISOString() : undefined);
const short = (id: string | undefined): string => (id ?? '').slice(0, 13);

/** Statuses in which the runtime was there to ask and did not answer (not-found: no runtime socket at all). */
const UNANSWERED = new Set(['timed-out', 'unreachable', 'error']);

/**
 * The collector's runtime section (the CRI v1 view of the pods, read on the
 * node) into the Kubernetes layer of the evidence: the same `kube.runtime`
 * sandboxes and containers a `crictl pods` / `crictl ps -a` paste fills, with
 * the host pid of each container from the task table, and `unanswered` when
 * the runtime did not answer (its calls timed out, its socket refused, or it
 * answered with an error). The runtime's shims (containerd-shim-runc-v2,
 * conmon) become tasks, as a `ps` would show them: a pod-scoped snapshot does
 * not list them, and rules look for a shim stuck in the kernel among tasks.
 */
export function runtimeFromSnapshot(snap: SnapshotResponse, b: EvidenceBuilder): void {
  const rt = snap.runtime;
  if (!rt || !rt.status || rt.status === 'not-found') return;
  const who = [rt.runtime_name || 'runtime', rt.runtime_version].filter(Boolean).join(' ');
  const sandboxes: CriSandbox[] = (rt.sandboxes ?? []).map((s) => ({
    id: s.id ?? '',
    name: s.pod_name || undefined,
    namespace: s.pod_namespace || undefined,
    podUid: s.pod_uid || undefined,
    state: s.state || undefined,
    createdAt: time(s.created_unix_ms),
    line: `${who} (CRI): sandbox ${short(s.id)} ${[s.pod_namespace, s.pod_name].filter(Boolean).join('/')} ${s.state ?? ''}${num(s.pid) ? ` pid ${num(s.pid)}` : ''}${s.status_error ? ` (status: ${s.status_error})` : ''}`,
  }));
  const podName = new Map(sandboxes.map((s) => [s.id, s.name]));
  const containers: CriContainer[] = (rt.containers ?? []).map((c) => {
    const exited = c.state === 'CONTAINER_EXITED' || num(c.finished_unix_ms) > 0;
    return {
      id: c.id ?? '',
      name: c.name || undefined,
      podSandboxId: c.sandbox_id || undefined,
      pod: podName.get(c.sandbox_id ?? ''),
      podUid: c.pod_uid || undefined,
      state: c.state || undefined,
      pid: num(c.pid) || undefined,
      exitCode: exited && !c.status_error ? num(c.exit_code) : undefined,
      reason: c.reason || undefined,
      createdAt: time(c.created_unix_ms),
      startedAt: time(c.started_unix_ms),
      finishedAt: time(c.finished_unix_ms),
      line: containerLine(who, c),
    };
  });
  const unanswered = [
    ...(UNANSWERED.has(rt.status) && rt.error ? [rt.error] : []),
    ...(rt.sandboxes ?? []).map((s) => s.status_error).filter(Boolean),
    ...(rt.containers ?? []).map((c) => c.status_error).filter(Boolean),
  ] as string[];
  if (sandboxes.length || containers.length || unanswered.length) {
    const kube = (b.evidence.kube ??= emptyKubeEvidence());
    kube.now ??= time(snap.taken_at_unix_ms);
    kube.runtime.sandboxes.push(...sandboxes);
    kube.runtime.containers.push(...containers);
    if (unanswered.length) kube.runtime.unanswered = unanswered.slice(0, 3).join('; ') + (unanswered.length > 3 ? ` (and ${unanswered.length - 3} more)` : '');
  }
  addShims(rt, b);
}

function containerLine(who: string, c: NonNullable<RuntimeView['containers']>[number]): string {
  const parts = [`${who} (CRI): container ${c.name || '?'} ${short(c.id)} ${c.state ?? ''}`];
  if (num(c.pid)) parts.push(`pid ${num(c.pid)}`);
  if (c.state === 'CONTAINER_EXITED') parts.push(`exit code ${num(c.exit_code)}${c.reason ? ` (${c.reason})` : ''}`);
  if (num(c.finished_unix_ms)) parts.push(`finished ${time(c.finished_unix_ms)}`);
  if (c.status_error) parts.push(`(status: ${c.status_error})`);
  return parts.join(' ');
}

/** Shims as tasks, where the snapshot's task list does not already have them (a whole-node one does). */
function addShims(rt: RuntimeView, b: EvidenceBuilder): void {
  for (const s of rt.shims ?? []) {
    const pid = num(s.pid);
    if (!pid) continue;
    const stack: Frame[] = (s.stack ?? []).map((f) => ({ fn: f.function ?? '', offset: f.offset ?? '', module: f.module ?? '', unreliable: Boolean(f.unreliable) }));
    const known = b.tasks.get(pid);
    if (known) {
      if (!known.stack?.length && stack.length) known.stack = stack;
      continue;
    }
    b.tasks.upsert(
      pid,
      {
        pid,
        comm: s.comm || '?',
        state: s.state || undefined,
        wchan: s.wchan || undefined,
        stack: stack.length ? stack : undefined,
        startTime: num(s.start_time_ticks) || undefined,
      },
      `${s.comm} (pid ${pid}) ${s.state ?? ''}${s.wchan ? ` in ${s.wchan}` : ''}: the runtime's shim${s.serves_id ? ` for ${short(s.serves_id)}` : ''}`,
    );
  }
}
