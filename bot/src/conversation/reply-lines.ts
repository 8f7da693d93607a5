import type { SnapshotSource } from '../nodes/node-access';
import type { DiagnosisReply } from './outbox';

/**
 * The sentences of a diagnosis reply besides its findings, in the
 * conversation's markup, for every renderer (Block Kit, text).
 */

/** The context line under the summary: the pod (uid, node, phase, deletion, containers) or the node. */
export function replyWhere(r: Pick<DiagnosisReply, 'where' | 'pod' | 'node'>): string {
  const { pod, node } = r;
  return (
    r.where ??
    (pod
      ? `pod ${pod.namespace}/${pod.name} · uid ${pod.uid} · node ${node} · ${pod.phase}${pod.deletionTimestamp ? ` · deleting since ${pod.deletionTimestamp}` : ''}${pod.containers.length ? ` · ${pod.containers.map((c) => `${c.name}: ${c.state}`).join(', ')}` : ''}`
      : `node ${node}`)
  );
}

/** The line that names what was not read: "Not read: events of shop/web-0 (no answer within 3000 ms); …". */
export function unreadLine(unread: { what: string; why: string }[]): string {
  return `:warning: Not read: ${unread
    .slice(0, 6)
    .map((u) => `${u.what} (${u.why.replace(/[.]$/, '')})`)
    .join('; ')}${unread.length > 6 ? `; and ${unread.length - 6} more` : ''}. The answer is from what was read.`;
}

/** The line under the summary of a diagnosis read over SSH: that, and why. */
export function sshSourceLine(source: SnapshotSource): string {
  const why = source.collectorFailure ? ` because ${source.collectorFailure.replace(/[.]$/, '')}` : ', the way the last signal was sent';
  return `:electric_plug: Read over SSH (${source.where})${why}. Signals from these buttons go over SSH too, re-checked on the node.`;
}
