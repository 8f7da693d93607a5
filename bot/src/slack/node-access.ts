import type { RemediateRequest } from '../../../proto/generated/whystuck/v1/RemediateRequest';
import type { RemediateResponse } from '../../../proto/generated/whystuck/v1/RemediateResponse';
import type { SnapshotRequest } from '../../../proto/generated/whystuck/v1/SnapshotRequest';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { CollectorPool } from '../collectors/collector-pool';
import type { SshFallback } from '../collectors/ssh-fallback';
import type { SshFailure } from '../ssh/errors';
import { formatSshAddress } from '../ssh/ssh-address';
import type { SshNodeTarget } from '../ssh/ssh-session';
import { sshRemediate } from '../ssh/ssh-remediate';
import { sshSnapshot, type SshSnapshotRequest } from '../ssh/ssh-snapshot';

/** How the bot reached a node: its collector (gRPC, mTLS) or the SSH fallback. */
export type NodePath = 'collector' | 'ssh';

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

/** The collector's request as the SSH path takes it: the scope spelled out. */
function sshRequest(req: SnapshotRequest): SshSnapshotRequest {
  const { pids, ...rest } = req;
  const scope = req.pod_uid ? 'pod_uid' : pids?.pids?.length ? 'pids' : 'whole_node';
  return { ...rest, scope, ...(scope === 'pids' ? { pids: { pids: pids!.pids! } } : {}), kmsg_since_seq: Number(req.kmsg_since_seq ?? 0) } as SshSnapshotRequest;
}

/** A sentence ends with its own punctuation or a full stop. */
const sentence = (s: string): string => (/[.?!)]$/.test(s) ? s : `${s}.`);
const sshFailed = (r: SshFailure): string => `SSH to ${r.address} failed: ${r.message}`;
const sshWhere = (t: SshNodeTarget): string => `${formatSshAddress(t.address)}${t.jump ? ` via ${formatSshAddress(t.jump.address)}` : ''}`;

/**
 * A snapshot of a node: from its collector; when there is none or it is
 * unreachable, over SSH if configured. A collector that answered and refused
 * is not bypassed. Every failure comes back as a sentence naming each path's
 * address and error. `via: 'ssh'` goes straight to SSH (the recheck after a
 * signal sent over SSH).
 */
export async function snapshotNode(deps: NodeAccessDeps, node: string, req: SnapshotRequest, opts: { via?: NodePath } = {}): Promise<NodeSnapshot> {
  let collectorFailure: string | undefined;
  if (opts.via !== 'ssh' || !deps.ssh?.enabled) {
    const collector = await deps.collectors.forNode(node);
    if (collector.status !== 'ok') collectorFailure = collector.message;
    else {
      const snap = await collector.client.snapshot(req);
      if (snap.status === 'ok') return { status: 'ok', value: snap.value, source: { path: 'collector', where: collector.where } };
      if (snap.status === 'rejected') return { status: 'failed', message: `the collector on ${node} (${collector.where}) refused the snapshot: ${snap.message}` };
      // (grpc-js ends its message with an empty "Resolution note: ." for literal addresses.)
      collectorFailure = `the collector on ${node} (${collector.where}) is unreachable: ${snap.message.replace(/\.?\s*Resolution note:\s*\.?$/, '')}`;
    }
  }
  const ssh = deps.ssh;
  if (!ssh) return { status: 'failed', message: collectorFailure ?? '' };
  if (!ssh.enabled) return { status: 'failed', message: sentence(collectorFailure ?? ''), hint: ssh.hint };
  const both = (sshPart: string): NodeSnapshot => ({
    status: 'failed',
    message: collectorFailure ? `I could not read node ${node} through its collector nor over SSH.\n• Collector: ${sentence(collectorFailure)}\n• SSH fallback: ${sshPart}` : `I could not read node ${node} over SSH: ${sshPart}`,
  });
  const target = await ssh.targetFor(node);
  if (!target.ok) return both(target.message);
  const res = await sshSnapshot(target.value, sshRequest(req));
  if (res.status !== 'ok') return both(sshFailed(res));
  return { status: 'ok', value: res.value, source: { path: 'ssh', where: sshWhere(target.value), collectorFailure } };
}

/**
 * `failed`: the request never reached the node, or the node refused it —
 * nothing was sent. `unknown`: it failed after the request left (a deadline,
 * a dropped connection, an SSH command timeout after the signal script
 * started): the signal may have been sent, and only a recheck can tell.
 */
export type NodeRemediation =
  | { status: 'ok'; value: RemediateResponse; where: string }
  | { status: 'failed'; message: string }
  | { status: 'unknown'; message: string };

/** gRPC codes with which the collector refuses a Remediate before acting on it (the request never ran). */
const REFUSED_BEFORE_ACTING = new Set([
  3, // INVALID_ARGUMENT
  5, // NOT_FOUND
  6, // ALREADY_EXISTS
  7, // PERMISSION_DENIED
  8, // RESOURCE_EXHAUSTED (the collector's queue)
  9, // FAILED_PRECONDITION
  11, // OUT_OF_RANGE
  12, // UNIMPLEMENTED
  16, // UNAUTHENTICATED
]);

/**
 * A transport failure (UNAVAILABLE, DEADLINE_EXCEEDED) of a call that never
 * got a connection: grpc-js says "No connection established", or a deadline
 * that passed while "Waiting for LB pick" / name resolution, with no
 * remote_addr. Anything else may have reached the collector.
 */
export function neverLeft(message: string): boolean {
  if (/remote_addr=/.test(message)) return false;
  return /No connection established|Waiting for LB pick|waiting for name resolution|waiting for metadata filters/i.test(message);
}

/**
 * A guarded signal along the path the diagnosis came by: the collector's
 * pidfd-guarded Remediate, or sshRemediate (start time, comm and protected
 * targets re-checked on the node in the same script run).
 */
export async function remediateNode(deps: NodeAccessDeps, node: string, req: RemediateRequest, via: NodePath): Promise<NodeRemediation> {
  if (via === 'ssh') {
    if (!deps.ssh?.enabled) return { status: 'failed', message: 'this diagnosis was read over SSH, and the SSH fallback is not configured any more (WHYSTUCK_SSH_KEY_FILE)' };
    const target = await deps.ssh.targetFor(node);
    if (!target.ok) return { status: 'failed', message: target.message };
    const res = await sshRemediate(target.value, req, { allowHostProcesses: false });
    if (res.status !== 'ok') return { status: res.mayHaveSignalled ? 'unknown' : 'failed', message: sshFailed(res) };
    return { status: 'ok', value: res.value, where: sshWhere(target.value) };
  }
  const collector = await deps.collectors.forNode(node);
  if (collector.status !== 'ok') return { status: 'failed', message: collector.message };
  const res = await collector.client.remediate(req);
  if (res.status === 'unreachable') {
    return neverLeft(res.message)
      ? { status: 'failed', message: `the collector on ${node} is unreachable: ${res.message}` }
      : { status: 'unknown', message: `the collector on ${node} (${collector.where}) did not answer after the request was sent: ${res.message}` };
  }
  if (res.status === 'rejected') {
    return REFUSED_BEFORE_ACTING.has(res.code)
      ? { status: 'failed', message: `the collector refused: ${res.message}` }
      : { status: 'unknown', message: `the collector on ${node} (${collector.where}) failed after the request was sent: ${res.message}` };
  }
  return { status: 'ok', value: res.value, where: collector.where };
}
