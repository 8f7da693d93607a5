import type { RemediateRequest } from '../../../proto/generated/whystuck/v1/RemediateRequest';
import type { RemediateResponse } from '../../../proto/generated/whystuck/v1/RemediateResponse';
import type { SnapshotRequest } from '../../../proto/generated/whystuck/v1/SnapshotRequest';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';

/** How the bot reaches a node: its collector (gRPC, mTLS) or SSH. */
export type NodePath = 'collector' | 'ssh';

/**
 * What one call over one transport came to — the one result union of both
 * transports, so the fallback policy (node-access.ts) and the remediation
 * flow read gRPC and SSH alike.
 *
 * - `unreachable`: the request never reached the node (no address, no
 *   connection, a deadline before any connection). Nothing was done there;
 *   another path may be tried.
 * - `refused`: the node answered and refused (a collector's refusal, a host
 *   key that does not match, the signal script's own checks). Nothing was
 *   done, and another path must not be used to get round the refusal.
 * - `unknown`: it failed after the request left (a deadline, a dropped
 *   connection, an SSH command timeout after the signal script started):
 *   it may have been carried out, and only a recheck can tell.
 */
export type TransportResult<T> = { status: 'ok'; value: T; where: string } | { status: 'unreachable' | 'refused' | 'unknown'; message: string };

export interface NodeTransport {
  readonly path: NodePath;
  snapshot(node: string, req: SnapshotRequest): Promise<TransportResult<SnapshotResponse>>;
  remediate(node: string, req: RemediateRequest): Promise<TransportResult<RemediateResponse>>;
  /** How this transport would reach the node, for messages ("10.0.3.17:7443", "root@10.0.3.17:22"), or why it cannot. */
  where(node: string): Promise<{ ok: true; where: string } | { ok: false; message: string }>;
}

/** A sentence ends with its own punctuation or a full stop. */
export const sentence = (s: string): string => (/[.?!)]$/.test(s) ? s : `${s}.`);
