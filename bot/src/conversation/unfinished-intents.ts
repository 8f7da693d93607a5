import type { Logger } from 'pino';
import type { AuditEntry, Store } from '../store/store';
import { snapshotNode, type NodeAccessDeps, type NodePath } from '../nodes/node-access';

/** The outcome recorded when a signal may or may not have gone out: never "not sent". */
export const UNKNOWN_OUTCOME = 'UNKNOWN';
export const MAY_HAVE_BEEN_SENT = 'UNKNOWN — may have been sent';

/** The process a remediation was aimed at, as the audit row names it. */
export type Target = Pick<AuditEntry, 'node' | 'pid' | 'startTime' | 'comm'> & { path?: NodePath };

/**
 * A re-snapshot of one process along the path its signal took: whether the
 * process the intent named (same pid, start time and comm) is still there.
 * Never throws; a failed read is said as such.
 */
export async function recheckProcess(deps: NodeAccessDeps, t: Target): Promise<{ status: 'gone' | 'present' | 'reused' | 'unread'; text: string }> {
  let snap;
  try {
    snap = await snapshotNode(deps, t.node, { scope: 'pids', pids: { pids: [t.pid] }, skip_kmsg: true, skip_runtime: true }, { via: t.path });
  } catch (err) {
    return { status: 'unread', text: `pid ${t.pid} on ${t.node} could not be rechecked: ${(err as Error).message}` };
  }
  if (snap.status !== 'ok') return { status: 'unread', text: `pid ${t.pid} on ${t.node} could not be rechecked: ${snap.message}` };
  const task = (snap.value.tasks ?? []).find((x) => x.pid === t.pid && (x.tid ?? x.pid) === t.pid);
  if (!task) return { status: 'gone', text: `pid ${t.pid} (${t.comm}) on ${t.node} is gone` };
  const start = Number(task.start_time_ticks ?? 0);
  if (start !== t.startTime || task.comm !== t.comm) {
    return { status: 'reused', text: `pid ${t.pid} (${t.comm}) on ${t.node} is gone: the pid now belongs to ${task.comm ?? '?'} started at tick ${start}` };
  }
  const wchan = task.wchan ? ` (${task.wchan})` : '';
  return { status: 'present', text: `pid ${t.pid} (${t.comm}) on ${t.node} is still there, in state ${task.state ?? '?'}${wchan}` };
}

export interface UnfinishedIntentDeps extends NodeAccessDeps {
  store: Pick<Store, 'unfinishedIntents' | 'finishUnfinished'>;
  /** Only intents older than this: a live replica's in-flight intent is left to it. */
  graceMs: number;
  logger: Logger;
}

/**
 * At start (and now and then after): intents without a result — the replica
 * that wrote them died between intent and result, so the signal may or may
 * not have gone out. Each is rechecked (a re-snapshot of its pid) and closed
 * as UNKNOWN with what the recheck found, never as "not sent". Several
 * replicas may do this at once: the store lets one close each row; the
 * others' rechecks only read. Refusal rows (never a signal) are closed as
 * refusals.
 */
export async function recoverUnfinishedIntents(deps: UnfinishedIntentDeps): Promise<{ closed: AuditEntry[] }> {
  const closed: AuditEntry[] = [];
  const rows = await deps.store.unfinishedIntents(deps.graceMs);
  for (const row of rows) {
    let outcome = UNKNOWN_OUTCOME;
    let message: string;
    if (row.tokenId.startsWith('refused:')) {
      outcome = 'REFUSED';
      message = 'a refused click: nothing was sent; the replica stopped before it wrote why';
    } else {
      const found = await recheckProcess(deps, row);
      message = `${MAY_HAVE_BEEN_SENT}: no result was recorded — the replica that wrote this intent at ${row.at} stopped (or lost the store) between intent and result. Recheck at ${new Date().toISOString()}: ${found.text}.`;
    }
    if (await deps.store.finishUnfinished(row.id, deps.graceMs, outcome, message)) {
      deps.logger.warn({ audit: row.id, node: row.node, pid: row.pid, signal: row.signal, outcome }, message);
      closed.push({ ...row, outcome, message });
    }
  }
  return { closed };
}

/**
 * Runs recoverUnfinishedIntents now and then every `everyMs` (an intent that
 * was too young at start is found later); `stop()` ends it. Failures are
 * logged, never thrown.
 */
export function startUnfinishedIntentSweeps(deps: UnfinishedIntentDeps, everyMs = 60_000): { first: Promise<void>; stop(): void } {
  let running: Promise<void> = Promise.resolve();
  const sweep = (): Promise<void> => {
    running = running.then(async () => {
      try {
        await recoverUnfinishedIntents(deps);
      } catch (err) {
        deps.logger.error({ err }, 'could not look for intents without a result');
      }
    });
    return running;
  };
  const first = sweep();
  const timer = setInterval(() => {
    void sweep();
  }, everyMs);
  timer.unref();
  return { first, stop: () => clearInterval(timer) };
}
