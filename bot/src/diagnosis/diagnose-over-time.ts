import type { Evidence } from '../evidence/evidence';
import type { Finding, HistoryScope, SeenAt } from './finding';
import { diagnoseGroup, groupItems } from './history-groups';
import { splitByRecency, type LogItem } from './recency';
import { recencyClock, type RecencyClock } from './recency-clock';
import type { Rule } from './rule';
import { runRules } from './run-rules';

export interface RecencyOptions {
  /** History kept, in seconds before the reference (default 24 h; since boot when that is shorter), or 'all'. */
  historyWindow?: number | 'all';
}

export const DEFAULT_HISTORY_WINDOW_SECONDS = 24 * 3600;
/** Records of the first minute after boot: a ring that lost only those still tells everything since boot. */
const BOOT_MESSAGES_SECONDS = 60;

/**
 * The rules over time: once on the present (recency.ts), once per group of
 * history records (history-groups.ts). Every finding comes back with `when`
 * and `last_seen`; a current finding the kernel log recorded earlier too
 * says since when (`first_seen`). History older than the window is kept
 * aside (`history.older`) for "all history".
 */
export function diagnoseOverTime(ev: Evidence, rules: Rule[], opts: RecencyOptions = {}): { findings: Finding[]; history?: HistoryScope } {
  const clock = recencyClock(ev);
  const split = splitByRecency(ev, clock);
  const now: Finding[] = [];
  const counted: Finding[] = [];
  for (const f of runRules(split.current, rules, ev.missing)) (f.when === 'earlier' ? counted : now).push(f);
  dateCurrent(now, split.currentItems, clock);
  if (!clock.timed) return { findings: [...now, ...counted.map((f) => ({ ...f, last_seen: f.last_seen ?? {} }))] };

  const uptime = clock.uptime;
  const asked = opts.historyWindow ?? DEFAULT_HISTORY_WINDOW_SECONDS;
  const window = asked === 'all' ? 'all' : uptime !== undefined ? Math.min(asked, Math.ceil(uptime)) : asked;
  const inWindow: LogItem[] = [];
  const older: LogItem[] = [];
  for (const it of split.history) {
    const a = clock.ago(it.last);
    (window !== 'all' && a !== undefined && a > window ? older : inWindow).push(it);
  }
  const earlier = groupItems(inWindow).flatMap((g) => diagnoseGroup(g, ev, clock, rules, ev.missing));
  const olderFindings = groupItems(older).flatMap((g) => diagnoseGroup(g, ev, clock, rules, ev.missing));
  // Facts that count past events (a memory cgroup's OOM counter): history, unless the log already tells it.
  for (const f of counted) {
    const told = [...earlier, ...olderFindings].some((h) => h.id === f.id && (h.breakdown ?? []).some((p) => p.podUid && f.title.includes(p.podUid)));
    if (!told) earlier.push({ ...f, when: 'earlier', last_seen: f.last_seen ?? {} });
  }
  const c = ev.clock;
  const logFrom = c?.logFrom ?? oldestSpan(ev);
  // A ring that lost only the first boot messages still reaches back to boot.
  const fromBoot = c?.logFrom !== undefined && Number(c.logFrom) < BOOT_MESSAGES_SECONDS;
  return {
    findings: [...now, ...earlier],
    history: {
      window_seconds: window,
      ...(window !== 'all' && uptime !== undefined && window >= uptime ? { since_boot: true } : {}),
      reference: clock.reference,
      reference_at: clock.now(),
      ...(logFrom ? { log_from: clock.seen(logFrom) } : {}),
      ...(c?.logOverwritten !== undefined ? { log_overwritten: c.logOverwritten && !fromBoot } : {}),
      older: olderFindings,
    },
  };
}

/** A paste's oldest line, on the clock its newest line is on. */
function oldestSpan(ev: Evidence): string | undefined {
  const spans = ev.clock?.logSpans ?? {};
  return (spans.iso ?? spans.local ?? spans.syslog ?? spans.mono)?.first;
}

/**
 * Current findings: `when: now`, last seen at the reference (a paste's
 * finding drawn from timed lines: their newest), first seen at the oldest
 * current record naming the same task or quoted in its evidence — a task in
 * D now that the watchdog reported ten minutes ago has been stuck since at
 * least then.
 */
function dateCurrent(findings: Finding[], items: LogItem[], clock: RecencyClock): void {
  const related = relatedItems(items);
  for (const f of findings) {
    f.when = 'now';
    let first: LogItem | undefined;
    let last: LogItem | undefined;
    for (const it of related(f)) {
      const a = clock.ago(it.first);
      if (a !== undefined && (!first || a > (clock.ago(first.first) ?? 0))) first = it;
      const b = clock.ago(it.last);
      if (b !== undefined && (!last || b < (clock.ago(last.last) ?? Infinity))) last = it;
    }
    f.last_seen = clock.reference === 'snapshot' || !last ? clock.now() : clock.seen(last.last);
    const since: SeenAt | undefined = first ? clock.seen(first.first) : undefined;
    if (since && (since.seconds_ago ?? 0) > (f.last_seen.seconds_ago ?? 0)) f.first_seen = since;
  }
}

/**
 * The current records a finding rests on: reports naming one of its tasks
 * (as theirs, a victim, a stalled task) or quoted in its evidence, storage
 * and log notes quoted in its evidence. Indexed once: a 100 MB log has
 * thousands of records and hundreds of findings.
 */
function relatedItems(items: LogItem[]): (f: Finding) => Set<LogItem> {
  const byPid = new Map<number, LogItem[]>();
  const byHeadline = new Map<string, LogItem[]>();
  const texts: LogItem[] = [];
  const add = <K>(m: Map<K, LogItem[]>, k: K | undefined, it: LogItem): void => {
    if (k === undefined || k === 0) return;
    (m.get(k) ?? m.set(k, []).get(k)!).push(it);
  };
  for (const it of items) {
    const r = it.report;
    if (!r) {
      texts.push(it);
      continue;
    }
    add(byPid, r.pid, it);
    add(byPid, r.victim?.pid, it);
    for (const p of r.stalledPids ?? []) add(byPid, p, it);
    add(byHeadline, r.headline, it);
  }
  return (f) => {
    const out = new Set<LogItem>();
    for (const t of f.tasks) for (const p of [t.pid, t.tid]) if (p) for (const it of byPid.get(p) ?? []) out.add(it);
    for (const e of f.evidence) {
      for (const it of byHeadline.get(e.replace(/^\[[^\]]*\] /, '')) ?? []) out.add(it);
      for (const it of texts) {
        const ts = it.backend ? [it.backend.first.text, it.backend.last.text] : [it.note!.first.text, it.note!.last.text];
        if (ts.some((t) => t && e.includes(t))) out.add(it);
      }
    }
    return out;
  };
}
