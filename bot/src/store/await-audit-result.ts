import type { AuditEntry, Store } from './store';

export type AuditOutcome = { status: 'done'; entry: AuditEntry } | { status: 'in-flight'; entry: AuditEntry };

/**
 * The second caller with a used token (a double click, a retry, another
 * replica) answers with the first one's result: waits briefly for its result
 * row, polling; still none after `timeoutMs`: the first is in flight (or its
 * replica stopped before writing the result).
 */
export async function awaitAuditResult(store: Pick<Store, 'auditByToken'>, previous: AuditEntry, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<AuditOutcome> {
  if (previous.outcome !== undefined) return { status: 'done', entry: previous };
  const end = Date.now() + (opts.timeoutMs ?? 5000);
  let entry = previous;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
    entry = (await store.auditByToken(previous.tokenId)) ?? entry;
    if (entry.outcome !== undefined) return { status: 'done', entry };
  }
  return { status: 'in-flight', entry };
}
