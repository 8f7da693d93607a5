import type { SnapshotRequest } from '../../../proto/generated/whystuck/v1/SnapshotRequest';
import type { SnapshotResponse__Output } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { CollectorPool } from '../collectors/collector-pool';

/** A snapshot from a node's collector, or a sentence saying exactly which step failed and where. */
export async function snapshotNode(collectors: CollectorPool, node: string, req: SnapshotRequest): Promise<{ status: 'ok'; value: SnapshotResponse__Output } | { status: 'failed'; message: string }> {
  const collector = await collectors.forNode(node);
  if (collector.status !== 'ok') return { status: 'failed', message: collector.message };
  const snap = await collector.client.snapshot(req);
  if (snap.status === 'unreachable') return { status: 'failed', message: `the collector on ${node} (${collector.where}) is unreachable: ${snap.message}` };
  if (snap.status === 'rejected') return { status: 'failed', message: `the collector on ${node} (${collector.where}) refused the snapshot: ${snap.message}` };
  return snap;
}
