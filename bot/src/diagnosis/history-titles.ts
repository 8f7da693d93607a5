import type { Finding, HistoryPlace, SeenAt } from './finding';
import { plural } from './rule';
import { ago, overTheLast, type Reference } from './when-words';

/**
 * The title of a group of history records, summarised, not repeated:
 * "17 OOM kills in 14 pods over the last 52 min (python3, limit 32 MiB; most
 * recent 3 min ago)". Relative times only (the reference is the snapshot or
 * the paste's newest line), so a title reads the same in any time zone.
 */
export interface HistoryFacts {
  count: number;
  breakdown: HistoryPlace[];
  first: SeenAt;
  last: SeenAt;
  reference: Reference;
  members: Finding[];
  /** As the opening sentence of the explanation rather than a title: of a series still current ('now') or past ('earlier'). */
  sentence?: 'now' | 'earlier';
}

const NOUN: Partial<Record<Finding['id'], [string, string]>> = {
  'oom-kill': ['OOM kill', 'OOM kills'],
  'hung-task': ['hung-task report', 'hung-task reports'],
  'soft-lockup': ['soft lockup', 'soft lockups'],
  'hard-lockup': ['hard lockup', 'hard lockups'],
  'rcu-stall': ['RCU stall', 'RCU stalls'],
  'kernel-bug': ['kernel BUG/Oops report', 'kernel BUG/Oops reports'],
};

const count = (n: number, id: Finding['id']): string => {
  const noun = NOUN[id];
  return noun ? `${n} ${n === 1 ? noun[0] : noun[1]}` : `${n} records`;
};

/** "python3, limit 32 MiB" or "python3, limit 32 MiB / java, limit 1024 MiB". */
function details(b: HistoryPlace[]): string {
  const all = [...new Set(b.flatMap((p) => (p.detail ? p.detail.split('; ') : [])))];
  return all.slice(0, 2).join(' / ') + (all.length > 2 ? ' / …' : '');
}

function where(id: Finding['id'], b: HistoryPlace[]): string {
  const pods = b.filter((p) => p.podUid);
  if (id === 'oom-kill') {
    if (b.length === 1) return ` in ${b[0].place}`;
    const others = b.length - pods.length;
    if (!pods.length) return ` in ${plural(b.length, 'memory cgroup')}`;
    return ` in ${pods.length === 1 ? pods[0].place : `${pods.length} pods`}${others ? ` and ${plural(others, 'other memory cgroup')}` : ''}`;
  }
  if (id === 'hung-task' || id === 'uninterruptible-io') return b.length > 1 ? ` for ${b.length} tasks` : ` for ${b[0]?.place ?? 'a task'}`;
  if (id === 'soft-lockup' || id === 'hard-lockup' || id === 'rcu-stall') {
    const cpus = b
      .map((p) => p.place)
      .filter((p) => p.startsWith('CPU '))
      .map((p) => p.slice(4));
    return cpus.length ? ` on CPU${cpus.length > 1 ? 's' : ''} ${cpus.slice(0, 6).join(', ')}${cpus.length > 6 ? ', …' : ''}` : '';
  }
  return b.length === 1 ? ` (${b[0].place})` : b.length > 1 ? ` in ${plural(b.length, 'place')}` : '';
}

export function titleHistory(latest: Finding, h: HistoryFacts): string {
  const id = latest.id;
  const recent = h.last.seconds_ago !== undefined ? `most recent ${ago(h.last.seconds_ago, h.reference)}` : '';
  const over = h.count > 1 ? overTheLast(h.first, h.reference) : recent ? ` ${recent.replace('most recent ', '')}` : '';
  if (!NOUN[id]) {
    // Not an event counted by name (a storage or runtime message): the most recent finding, and how often.
    const n = `${h.count} log record${h.count === 1 ? '' : 's'}${h.members.length > 1 ? ` behind ${h.members.length} findings` : ''}`;
    return h.sentence
      ? `The kernel log shows this in ${n}${over}${recent ? ` (${recent})` : ''}${h.sentence === 'earlier' ? '; none of it is live in this evidence' : ''}.`
      : `${latest.title} (${n}${over}${recent ? `; ${recent}` : ''})`;
  }
  const what = `${count(h.count, id)}${where(id, h.breakdown)}`;
  const site = id === 'hung-task' ? hungSite(h.breakdown) : '';
  const detail = id === 'oom-kill' ? details(h.breakdown) : id === 'soft-lockup' || id === 'hard-lockup' || id === 'rcu-stall' ? details(h.breakdown) : '';
  const paren = [detail, h.count > 1 ? recent : ''].filter(Boolean).join('; ');
  if (h.sentence) {
    return `The kernel log records ${what}${site}${over}${paren ? ` (${paren})` : ''}${h.sentence === 'earlier' ? '; none of it is live in this evidence' : ''}.`;
  }
  return `${what}${site}${over}${paren ? ` (${paren})` : ''}`;
}

/** " blocked in request_wait_answer" when every reported task waited at the same site. */
function hungSite(b: HistoryPlace[]): string {
  const sites = new Set(b.map((p) => /in (\S+)$/.exec(p.detail ?? '')?.[1] ?? ''));
  const [only] = [...sites];
  return sites.size === 1 && only ? ` blocked in ${only}` : '';
}
