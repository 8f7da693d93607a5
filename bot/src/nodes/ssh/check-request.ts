import type { SnapshotRequest__Output } from '../../../../proto/generated/whystuck/v1/SnapshotRequest';

/** Largest pid Linux hands out (pid_max is at most 2^22). */
export const MAX_PID = 4194304;

export const isPid = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_PID;

/** A pod UID or a prefix of one: hex digits and dashes. */
export const isPodUidPrefix = (v: string): boolean => /^[0-9a-f][0-9a-f-]{0,35}$/i.test(v);

const STATES = new Set(['R', 'S', 'D', 'Z', 'T', 't', 'X', 'x', 'I', 'P', 'W', 'K']);

/**
 * What is wrong with a snapshot request before anything is sent: pids must be
 * integers in range, a pod UID hex and dashes, stack states ps letters.
 */
export function checkSnapshotRequest(req: Partial<SnapshotRequest__Output>): string | undefined {
  const pids = req.pids?.pids ?? [];
  const badPid = pids.find((p) => !isPid(p));
  if (badPid !== undefined) return `pids must be process ids from 1 to ${MAX_PID}, not ${JSON.stringify(badPid)}`;
  if (req.pod_uid !== undefined && req.pod_uid !== '' && !isPodUidPrefix(req.pod_uid)) return `pod_uid must be a pod UID (hex digits and dashes), not ${JSON.stringify(req.pod_uid)}`;
  const badState = (req.stack_states ?? []).find((s) => !STATES.has(s));
  if (badState !== undefined) return `stack_states are single ps state letters (R S D Z T t X I), not ${JSON.stringify(badState)}`;
  if (req.kmsg_since_seq !== undefined && !/^\d{1,20}$/.test(String(req.kmsg_since_seq))) return `kmsg_since_seq must be a sequence number, not ${JSON.stringify(req.kmsg_since_seq)}`;
  return undefined;
}
