import type { SnapshotRequest } from '../../../proto/generated/whystuck/v1/SnapshotRequest';
import type { SshFailure } from './ssh/errors';
import { formatSshAddress } from './ssh/ssh-address';
import { sshRemediate } from './ssh/ssh-remediate';
import type { SshNodeTarget } from './ssh/ssh-session';
import { sshSnapshot, type SshSnapshotRequest } from './ssh/ssh-snapshot';
import type { NodeTransport, TransportResult } from './transport';

/** The SSH target of a node, or why there is none (no address, a key or known_hosts that cannot be read). */
export type SshTargetLookup = (node: string) => Promise<{ ok: true; value: SshNodeTarget } | { ok: false; message: string }>;

/** "root@10.0.3.17:22 via bastion:22". */
export const sshWhere = (t: SshNodeTarget): string => `${formatSshAddress(t.address)}${t.jump ? ` via ${formatSshAddress(t.jump.address)}` : ''}`;

const failed = (r: SshFailure): string => `SSH to ${r.address} failed: ${r.message}`;

/** The collector's request as the SSH path takes it: the scope spelled out. */
export function sshRequest(req: SnapshotRequest): SshSnapshotRequest {
  const { pids, ...rest } = req;
  const scope = req.pod_uid ? 'pod_uid' : pids?.pids?.length ? 'pids' : 'whole_node';
  return { ...rest, scope, ...(scope === 'pids' ? { pids: { pids: pids!.pids! } } : {}), kmsg_since_seq: Number(req.kmsg_since_seq ?? 0) } as SshSnapshotRequest;
}

/** What an SSH failure means for the request: never connected, refused on the node, or perhaps carried out. */
function outcome(r: SshFailure): Exclude<TransportResult<never>, { status: 'ok' }> {
  if (r.mayHaveSignalled) return { status: 'unknown', message: failed(r) };
  return { status: r.status === 'unreachable' ? 'unreachable' : 'refused', message: failed(r) };
}

/**
 * The node over SSH: the fixed read-only script for a snapshot, the guarded
 * signal script for a remediation (start time, comm and protected targets
 * re-checked on the node in the same run). Targets come from the bot's
 * configuration (ssh-fallback.ts) or the command line (`diagnose --ssh`).
 */
export function sshTransport(targetFor: SshTargetLookup): NodeTransport {
  return {
    path: 'ssh',
    async where(node) {
      const t = await targetFor(node);
      return t.ok ? { ok: true, where: sshWhere(t.value) } : t;
    },
    async snapshot(node, req) {
      const t = await targetFor(node);
      if (!t.ok) return { status: 'unreachable', message: t.message };
      const res = await sshSnapshot(t.value, sshRequest(req));
      return res.status === 'ok' ? { status: 'ok', value: res.value, where: sshWhere(t.value) } : outcome(res);
    },
    async remediate(node, req) {
      const t = await targetFor(node);
      if (!t.ok) return { status: 'unreachable', message: t.message };
      const res = await sshRemediate(t.value, req, { allowHostProcesses: false });
      return res.status === 'ok' ? { status: 'ok', value: res.value, where: sshWhere(t.value) } : outcome(res);
    },
  };
}
