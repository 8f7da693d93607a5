import type { Finding, HistoryPlace, SeenAt } from './finding';
import { titleHistory } from './history-titles';
import type { Reference } from './when-words';

/**
 * A grouped finding narrowed to one pod or process: only the records of that
 * place, counted, dated and titled again ("3 OOM kills in pod 6f1c…" rather
 * than the node's 17 in 14 pods). Undefined when none of its records are there.
 */
export function scopeGrouped(f: Finding, keep: (p: HistoryPlace) => boolean, reference: Reference): Finding | undefined {
  const all = f.breakdown;
  if (!all?.length) return f;
  const places = all.filter(keep);
  if (!places.length) return undefined;
  if (places.length === all.length) return f;
  const count = places.reduce((n, p) => n + p.count, 0);
  const first = oldest(places.map((p) => p.first_seen));
  const last = newest(places.map((p) => p.last_seen));
  const pids = new Set(places.flatMap((p) => p.pids ?? []));
  const pods = new Set(places.map((p) => p.podUid).filter(Boolean));
  const facts = { count, breakdown: places, first, last, reference, members: [f] };
  // The group's own words are about all its places: the scope's records are told again, with the lines that show them.
  const mine = (line: string): boolean => [...pids].some((p) => line.includes(String(p))) || [...pods].some((u) => u !== undefined && line.includes(u));
  const evidence = f.evidence.filter(mine);
  return {
    ...f,
    title: titleHistory(f, facts),
    explanation: titleHistory(f, { ...facts, sentence: f.when ?? 'earlier' }),
    evidence: evidence.length ? evidence : f.evidence,
    tasks: f.tasks.filter((t) => (t.pid !== null && pids.has(t.pid)) || (t.podUid !== undefined && pods.has(t.podUid))),
    count,
    first_seen: first,
    last_seen: last,
    breakdown: places,
  };
}

const ago = (s: SeenAt): number => s.seconds_ago ?? 0;
const oldest = (xs: SeenAt[]): SeenAt => xs.reduce((a, b) => (ago(b) > ago(a) ? b : a));
const newest = (xs: SeenAt[]): SeenAt => xs.reduce((a, b) => (ago(b) < ago(a) ? b : a));
