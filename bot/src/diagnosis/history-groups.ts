import { parsePodCgroup } from '../../../collector/src';
import { emptyEvidence, newTask, type Evidence, type KernelReport } from '../evidence/evidence';
import type { Finding, HistoryPlace, Remediation, SeenAt } from './finding';
import { titleHistory } from './history-titles';
import type { LogItem } from './recency';
import type { RecencyClock } from './recency-clock';
import type { Rule } from './rule';
import { runRules } from './run-rules';
import { waitSignature } from './wait-signature';
import { ago, type Reference } from './when-words';

/**
 * History, grouped: one finding per condition and place — all memory-cgroup
 * OOM kills of the node, hung-task reports of one wait site, the soft
 * lockups, one storage device's errors — with how many times, the first and
 * the last time, and the breakdown by place (pod, task, CPU, device) for the
 * "history" follow-up. Each group's records go through the same rules (the
 * explanations are theirs), on evidence that has only those records: no
 * live task, no node fact, so nothing historical is counted as current.
 */
export interface HistoryGroup {
  key: string;
  items: LogItem[];
}

const NOTHING_TO_SIGNAL: Remediation = {
  action: 'manual',
  effective: 'unknown',
  risk: 'low',
  why: 'This is history: the kernel log recorded it before this look and nothing live matches it now, so there is nothing to signal. If it comes back, ask again while it happens.',
};

const USAGE = /^memory: usage (\d+)kB, limit (\d+)kB/;

export const isMemcgOom = (r: KernelReport): boolean => r.oomConstraint === 'CONSTRAINT_MEMCG' || Boolean(r.oomMemcg) || r.lines.some((l) => l.includes('Memory cgroup'));

function siteOf(r: KernelReport): string {
  if (!r.frames.length) return '';
  return waitSignature({ ...newTask(r.pid ?? 0, r.comm ?? '?'), state: 'D', stack: r.frames }).site;
}

export function groupKey(it: LogItem): string {
  const r = it.report;
  if (r) {
    switch (r.kind) {
      case 'oom-kill':
        return `oom-kill|${isMemcgOom(r) ? 'memcg' : 'global'}`;
      case 'hung-task':
      case 'task-dump':
        return `hung-task|${siteOf(r)}`;
      case 'kernel-bug':
        return `kernel-bug|${r.headline.replace(/0x[0-9a-f]+|\d+/gi, '#').slice(0, 60)}`;
      default:
        return r.kind;
    }
  }
  if (it.backend) return `backend|${it.backend.subsystem}|${it.backend.target}`;
  return `note|${it.note!.kind}|${it.note!.target}`;
}

export function groupItems(items: LogItem[]): HistoryGroup[] {
  const groups = new Map<string, HistoryGroup>();
  for (const it of items) {
    const key = groupKey(it);
    (groups.get(key) ?? groups.set(key, { key, items: [] }).get(key)!).items.push(it);
  }
  return [...groups.values()];
}

/** Where a record happened, for the breakdown. */
export function placeOf(it: LogItem): Pick<HistoryPlace, 'place' | 'podUid' | 'pids' | 'detail'> {
  const r = it.report;
  if (r?.kind === 'oom-kill') {
    const pod = r.oomMemcg ? parsePodCgroup(r.oomMemcg) : null;
    const usage = r.lines.map((l) => USAGE.exec(l)).find(Boolean);
    const limit = usage ? `, limit ${Math.round(Number(usage[2]) / 1024)} MiB` : '';
    const v = r.victim ?? (r.pid ? { pid: r.pid, comm: r.comm ?? '?' } : undefined);
    return {
      place: pod ? `pod ${pod.podUid}` : r.oomMemcg ? `memory cgroup ${r.oomMemcg}` : isMemcgOom(r) ? 'a memory cgroup the report does not name' : 'the node',
      podUid: pod?.podUid,
      pids: v ? [v.pid] : [],
      detail: `${v?.comm ?? '?'}${limit}`,
    };
  }
  if (r && (r.kind === 'hung-task' || r.kind === 'task-dump')) {
    const site = siteOf(r);
    return { place: `${r.comm ?? '?'} (pid ${r.pid ?? '?'})`, pids: r.pid ? [r.pid] : [], detail: `blocked${r.seconds ? ` more than ${r.seconds} s` : ''}${site ? ` in ${site}` : ''}` };
  }
  if (r) {
    const who = r.comm ? `${r.comm}${r.pid ? ` (pid ${r.pid})` : ''}` : undefined;
    return { place: r.cpu !== undefined ? `CPU ${r.cpu}` : (who ?? 'the kernel'), pids: r.pid ? [r.pid] : [], detail: r.cpu !== undefined && who ? who : r.headline.slice(0, 100) };
  }
  if (it.backend) return { place: `${it.backend.subsystem} ${it.backend.target}`.trim(), detail: it.backend.last.text.slice(0, 120) };
  return { place: it.note!.target || it.note!.kind, detail: it.note!.last.text.slice(0, 120) };
}

/** Items oldest first by when they were last seen. */
const byAgo =
  (clock: RecencyClock) =>
  (a: LogItem, b: LogItem): number =>
    (clock.ago(b.last) ?? 0) - (clock.ago(a.last) ?? 0);

function earliest(items: LogItem[], clock: RecencyClock): SeenAt {
  let best = items[0];
  for (const it of items) if ((clock.ago(it.first) ?? 0) > (clock.ago(best.first) ?? 0)) best = it;
  return clock.seen(best.first);
}

export function breakdownOf(items: LogItem[], clock: RecencyClock): HistoryPlace[] {
  const places = new Map<string, { items: LogItem[]; p: ReturnType<typeof placeOf>; pids: Set<number>; details: Set<string> }>();
  for (const it of items) {
    const p = placeOf(it);
    const entry = places.get(p.place) ?? places.set(p.place, { items: [], p, pids: new Set(), details: new Set() }).get(p.place)!;
    entry.items.push(it);
    for (const pid of p.pids ?? []) entry.pids.add(pid);
    if (p.detail) entry.details.add(p.detail);
  }
  return [...places.values()]
    .map(({ items: its, p, pids, details }) => {
      const sorted = [...its].sort(byAgo(clock));
      return {
        place: p.place,
        ...(p.podUid ? { podUid: p.podUid } : {}),
        ...(pids.size ? { pids: [...pids].slice(0, 50) } : {}),
        count: its.reduce((n, it) => n + it.count, 0),
        first_seen: earliest(its, clock),
        last_seen: clock.seen(sorted[sorted.length - 1].last),
        ...(details.size ? { detail: [...details].slice(0, 3).join('; ') } : {}),
      };
    })
    .sort((a, b) => (a.last_seen.seconds_ago ?? 0) - (b.last_seen.seconds_ago ?? 0))
    .slice(0, MAX_PLACES);
}

/** Places kept in a breakdown (the most recent): enough for any follow-up, bounded for the thread store. */
const MAX_PLACES = 200;

/**
 * The findings of one group of history records: the rules run on evidence
 * holding only these records, then each finding id collapses into one
 * finding with count, first and last time and the breakdown.
 */
export function diagnoseGroup(group: HistoryGroup, ev: Evidence, clock: RecencyClock, rules: Rule[], missing: string[]): Finding[] {
  const items = [...group.items].sort(byAgo(clock));
  const gev = emptyEvidence(ev.source);
  gev.node.kernelRelease = ev.node.kernelRelease;
  gev.clock = ev.clock;
  gev.reports = items.flatMap((i) => (i.report ? [i.report] : []));
  gev.backend = items.flatMap((i) => (i.backend ? [i.backend] : []));
  gev.notes = items.flatMap((i) => (i.note ? [i.note] : []));
  const byId = new Map<string, Finding[]>();
  for (const f of runRules(gev, rules, missing)) (byId.get(f.id) ?? byId.set(f.id, []).get(f.id)!).push(f);
  const breakdown = breakdownOf(items, clock);
  const count = items.reduce((n, it) => n + it.count, 0);
  const first = earliest(items, clock);
  const last = clock.seen(items[items.length - 1].last);
  // A series that reaches into the present (a paste's recent OOM kills) is current; the rest is history.
  const when = items.some((i) => i.current) ? ('now' as const) : ('earlier' as const);
  return [...byId.values()].map((members) => {
    const latest = members[members.length - 1];
    const merged: Finding = {
      ...latest,
      title: members.length > 1 || count > 1 ? titleHistory(latest, { count, breakdown, first, last, reference: clock.reference, members }) : latest.title,
      explanation:
        members.length > 1
          ? `${titleHistory(latest, { count, breakdown, first, last, reference: clock.reference, members, sentence: when })} The most recent: ${latest.explanation}`
          : when === 'earlier'
            ? `${recorded(last, count, clock.reference)} ${latest.explanation}`
            : latest.explanation,
      evidence: [...new Set(members.slice(-3).flatMap((m) => m.evidence))].slice(0, 40),
      tasks: uniqueTasks(members.flatMap((m) => m.tasks)).slice(0, 100),
      remediations: when === 'earlier' ? historyRemediations(members.flatMap((m) => m.remediations)) : uniqueRemediations(members.flatMap((m) => m.remediations)),
      references: [...new Set(members.flatMap((m) => m.references))],
      when,
      first_seen: first,
      last_seen: last,
      count,
      ...(breakdown.length ? { breakdown } : {}),
    };
    return merged;
  });
}

/** "The kernel log recorded this 41 min ago; nothing live in this evidence shows it now." */
function recorded(last: SeenAt, count: number, reference: Reference): string {
  const when = last.seconds_ago !== undefined ? ` ${count > 1 ? `${count} times, last ` : ''}${ago(last.seconds_ago, reference)}` : '';
  return `The kernel log recorded this${when}; nothing live in this evidence shows it now.`;
}

function uniqueTasks(tasks: Finding['tasks']): Finding['tasks'] {
  const seen = new Set<string>();
  return tasks.filter((t) => {
    const k = `${t.tid ?? t.pid}|${t.comm}|${t.role}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function uniqueRemediations(rs: Remediation[]): Remediation[] {
  const seen = new Set<string>();
  return rs.filter((r) => {
    const k = `${r.action}|${r.pid ?? ''}|${r.signal ?? ''}|${r.why}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** History is never a remediation target: no signal, the rest once. */
export function historyRemediations(rs: Remediation[]): Remediation[] {
  const kept = new Map<string, Remediation>();
  let signals = false;
  for (const r of rs) {
    if (r.action === 'signal') {
      signals = true;
      continue;
    }
    if (!kept.has(r.why)) kept.set(r.why, r);
  }
  if (signals || !kept.size) kept.set(NOTHING_TO_SIGNAL.why, NOTHING_TO_SIGNAL);
  return [...kept.values()];
}
