import type { RemediateRequest } from '../../../proto/generated/whystuck/v1/RemediateRequest';
import type { RemediateResponse } from '../../../proto/generated/whystuck/v1/RemediateResponse';
import type { SnapshotRequest } from '../../../proto/generated/whystuck/v1/SnapshotRequest';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { CollectorPool } from './collector-pool';
import { grpcTransport } from './grpc-transport';
import type { SshFallback } from './ssh-fallback';
import { sshTransport } from './ssh-transport';
import { sentence, type NodePath, type NodeTransport } from './transport';

export type { NodePath } from './transport';
export { neverLeft } from './grpc-transport';

/** Where a snapshot came from: said in the thread, and remediation buttons go the same way. */
export interface SnapshotSource {
  path: NodePath;
  /** "10.0.3.17:7443", "pod whystuck/whystuck-collector-x2 at …", or "root@10.0.3.17:22". */
  where: string;
  /** Over SSH: what failed with the collector (absent when SSH was chosen, e.g. the recheck after a signal sent over SSH). */
  collectorFailure?: string;
}

export interface NodeAccessDeps {
  collectors: CollectorPool;
  /** Absent: collectors only, failures said as they are. Disabled: failures also say how to enable it. */
  ssh?: SshFallback;
}

export type NodeSnapshot =
  | { status: 'ok'; value: SnapshotResponse; source: SnapshotSource }
  | { status: 'failed'; message: string; /** How to enable the SSH fallback, when it is off and would have been tried. */ hint?: string };

/** The node's transports: its collector, and SSH when the fallback is configured. */
function transports(deps: NodeAccessDeps): { collector: NodeTransport; ssh?: NodeTransport } {
  const ssh = deps.ssh?.enabled ? deps.ssh : undefined;
  return {
    collector: grpcTransport(deps.collectors),
    ...(ssh
      ? {
          ssh: sshTransport(async (node) => {
            const t = await ssh.targetFor(node);
            return t.ok ? t : { ok: false, message: t.message };
          }),
        }
      : {}),
  };
}

/**
 * Snapshots in flight, per collector pool: fifty questions at once about one
 * node make one call (single flight). A call is joined only while it is out,
 * never reused once it has answered, so no answer is older than the call it
 * joined; a remediation on the node (forgetInFlight) makes the next question
 * start a call of its own.
 */
interface InFlight {
  node: string;
  answer: Promise<NodeSnapshot>;
}
const inFlight = new WeakMap<CollectorPool, Map<string, InFlight>>();
/** The SSH fallback configuration a call was made with is part of what it answers: numbered by identity. */
const sshIds = new WeakMap<SshFallback, number>();
let nextSshId = 1;
const sshId = (ssh: SshFallback | undefined): number => {
  if (!ssh) return 0;
  let id = sshIds.get(ssh);
  if (id === undefined) sshIds.set(ssh, (id = nextSshId++));
  return id;
};

/** The request as a key: its fields in a fixed order (64-bit numbers may be strings, bigints or Longs). */
function requestKey(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'undefined';
  if (Array.isArray(value)) return `[${value.map(requestKey).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${requestKey(o[k])}`)
    .join(',')}}`;
}

/**
 * Drops the node's calls in flight from the single flight (the calls go on
 * for those already waiting on them): questions asked from now on start a
 * call of their own. Done before and after a signal, so the recheck after it
 * never joins a snapshot that began before it.
 */
function forgetInFlight(deps: Pick<NodeAccessDeps, 'collectors'>, node: string): void {
  const calls = inFlight.get(deps.collectors);
  if (!calls) return;
  for (const [key, call] of calls) if (call.node === node) calls.delete(key);
}

/**
 * The fallback policy, the only one: a snapshot of a node from its
 * collector; when there is none or it is unreachable, over SSH if
 * configured. A collector that answered and refused is not bypassed. Every
 * failure comes back as a sentence naming each path's address and error.
 * `via: 'ssh'` goes straight to SSH (the recheck after a signal sent over SSH).
 *
 * An identical request (same node, request, path and SSH configuration)
 * made while one is out joins it: every caller gets the same decoded
 * snapshot, which no one may change (evidence is built from it, not in it).
 */
export async function snapshotNode(deps: NodeAccessDeps, node: string, req: SnapshotRequest, opts: { via?: NodePath } = {}): Promise<NodeSnapshot> {
  const calls = inFlight.get(deps.collectors) ?? new Map<string, InFlight>();
  inFlight.set(deps.collectors, calls);
  const key = `${sshId(deps.ssh)}|${opts.via ?? ''}|${node}|${requestKey(req)}`;
  let call = calls.get(key);
  if (!call) {
    const started: InFlight = { node, answer: snapshotOnce(deps, node, req, opts) };
    call = started;
    calls.set(key, started);
    const done = (): void => {
      if (calls.get(key) === started) calls.delete(key);
    };
    started.answer.then(done, done);
  }
  const res = await call.answer;
  // Each caller its own wrapper (and source); the snapshot itself is shared.
  return res.status === 'ok' ? { ...res, source: { ...res.source } } : { ...res };
}

async function snapshotOnce(deps: NodeAccessDeps, node: string, req: SnapshotRequest, opts: { via?: NodePath }): Promise<NodeSnapshot> {
  const t = transports(deps);
  let collectorFailure: string | undefined;
  if (opts.via !== 'ssh' || !t.ssh) {
    const snap = await t.collector.snapshot(node, req);
    if (snap.status === 'ok') return { status: 'ok', value: snap.value, source: { path: 'collector', where: snap.where } };
    if (snap.status === 'refused') return { status: 'failed', message: snap.message };
    collectorFailure = snap.message;
  }
  if (!deps.ssh) return { status: 'failed', message: collectorFailure ?? '' };
  if (!t.ssh) return { status: 'failed', message: sentence(collectorFailure ?? ''), hint: deps.ssh.enabled ? undefined : deps.ssh.hint };
  const res = await t.ssh.snapshot(node, req);
  if (res.status === 'ok') return { status: 'ok', value: res.value, source: { path: 'ssh', where: res.where, collectorFailure } };
  return {
    status: 'failed',
    message: collectorFailure
      ? `I could not read node ${node} through its collector nor over SSH.\n• Collector: ${sentence(collectorFailure)}\n• SSH fallback: ${res.message}`
      : `I could not read node ${node} over SSH: ${res.message}`,
  };
}

/**
 * `failed`: the request never reached the node, or the node refused it —
 * nothing was sent. `unknown`: it failed after the request left (a deadline,
 * a dropped connection, an SSH command timeout after the signal script
 * started): the signal may have been sent, and only a recheck can tell.
 */
export type NodeRemediation = { status: 'ok'; value: RemediateResponse; where: string } | { status: 'failed'; message: string } | { status: 'unknown'; message: string };

/**
 * A guarded signal along the path the diagnosis came by — never another:
 * the collector's pidfd-guarded Remediate, or the SSH signal script (start
 * time, comm and protected targets re-checked on the node in the same run).
 */
export async function remediateNode(deps: NodeAccessDeps, node: string, req: RemediateRequest, via: NodePath): Promise<NodeRemediation> {
  const t = transports(deps);
  const transport = via === 'ssh' ? t.ssh : t.collector;
  if (!transport) return { status: 'failed', message: 'this diagnosis was read over SSH, and the SSH fallback is not configured any more (WHYSTUCK_SSH_KEY_FILE)' };
  // Snapshots of the node out now began before the signal: what is asked after it must not join them.
  forgetInFlight(deps, node);
  let res: Awaited<ReturnType<NodeTransport['remediate']>>;
  try {
    res = await transport.remediate(node, req);
  } finally {
    // Nor those begun while the signal was on its way.
    forgetInFlight(deps, node);
  }
  if (res.status === 'ok') return res;
  return { status: res.status === 'unknown' ? 'unknown' : 'failed', message: res.message };
}
