import type { SnapshotRequest__Output } from '../../../proto/generated/whystuck/v1/SnapshotRequest';
import type { RemediateRequest__Output } from '../../../proto/generated/whystuck/v1/RemediateRequest';

const POD_UID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/;
const PID_MAX = 4194304;
const STATES = new Set(['R', 'S', 'D', 'Z', 'T', 't', 'X', 'x', 'I', 'P', 'W', 'K']);

const validPid = (p: number): boolean => Number.isInteger(p) && p >= 1 && p <= PID_MAX;

/** Returns what is wrong with a SnapshotRequest, in words that say what is allowed, or null. */
export function snapshotRequestProblem(req: SnapshotRequest__Output): string | null {
  if (req.scope === 'pod_uid' && !POD_UID.test(req.pod_uid ?? '')) {
    return `pod_uid "${req.pod_uid}" is not a pod UID: expected a lowercase UUID like 6f1c2a4e-7d39-4a1b-9d3e-0c2b9a1f5e77 (or a 32-hex static-pod hash)`;
  }
  if (req.scope === 'pids') {
    const pids = req.pids?.pids ?? [];
    if (pids.length === 0) return 'pids is empty: give at least one pid, or ask for whole_node';
    if (pids.length > 10000) return `pids has ${pids.length} entries: at most 10000 are allowed`;
    const bad = pids.find((p) => !validPid(p));
    if (bad !== undefined) return `pid ${bad} is invalid: pids are integers from 1 to ${PID_MAX}`;
  }
  const badState = (req.stack_states ?? []).find((s) => !STATES.has(s));
  if (badState !== undefined) return `stack state "${badState}" is invalid: use single ps state letters (${[...STATES].join(' ')})`;
  if ((req.deadline_ms ?? 0) > 60000) return `deadline_ms ${req.deadline_ms} is too long: at most 60000`;
  if (!/^\d+$/.test(String(req.kmsg_since_seq ?? '0'))) return `kmsg_since_seq "${req.kmsg_since_seq}" is not a sequence number`;
  return null;
}

export function remediateRequestProblem(req: RemediateRequest__Output): string | null {
  if (!validPid(req.pid)) return `pid ${req.pid} is invalid: pids are integers from 2 to ${PID_MAX}`;
  if (!/^[1-9]\d*$/.test(String(req.start_time_ticks))) return 'start_time_ticks is required: the start time from the snapshot guards against PID reuse';
  if (!req.expected_comm) return 'expected_comm is required: the comm from the snapshot guards against PID reuse';
  if (!req.requester) return 'requester is required: say who asked (e.g. slack:U123ABC)';
  if (!req.node) return 'node is required: the node the caller means to act on (the collector refuses any node but its own)';
  return null;
}
