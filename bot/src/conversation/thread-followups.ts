import { pidOf, type Evidence, type Task } from '../evidence/evidence';
import { formatFrame } from '../evidence/frames';
import type { Diagnosis, Finding, Remediation } from '../diagnosis/finding';
import { recencyClock } from '../diagnosis/recency-clock';
import { ago, type WhenStyle } from '../diagnosis/when-words';
import { historyEntry, isEarlier, scopeWords, styleFor, windowWords } from '../render/history-words';

/** Answers to follow-ups inside a thread, from the thread's last snapshot. */
const block = (lines: string[]): string => `\`\`\`${lines.join('\n').slice(0, 2800)}\`\`\``;

export function stackAnswer(ev: Evidence, pidText: string): string {
  if (!/^\d{1,7}$/.test(pidText)) return `"${pidText.slice(0, 40)}" is not a pid.`;
  const pid = Number(pidText);
  const tasks = ev.tasks.filter((t) => t.tid === pid || pidOf(t) === pid);
  if (!tasks.length) return `pid ${pid} was not in the last snapshot of this thread (press Recheck for a fresh one).`;
  const lines: string[] = [];
  for (const t of tasks.slice(0, 8)) {
    lines.push(`${t.tid} ${t.comm} state=${t.state ?? '?'}${t.wchan ? ` wchan=${t.wchan}` : ''}`);
    if (t.stack?.length) lines.push(...t.stack.map((f) => `  ${formatFrame(f)}`));
    else lines.push(`  (no stack: ${t.missing.find((m) => /stack/.test(m)) ?? 'the collector reads stacks for tasks in D, Z, T states'})`);
  }
  return block(lines);
}

export function dmesgAnswer(ev: Evidence): string {
  // Each record with how long before the snapshot (or the paste's newest line) it was logged.
  const clock = recencyClock(ev);
  const rel = (time: string): string => {
    const a = clock.timed ? clock.ago(time) : undefined;
    return a === undefined ? '' : ` — ${ago(a, clock.reference)}`;
  };
  const lines = [
    ...ev.backend.map((e) => `[${e.last.time}] ${e.last.text}${e.count > 1 ? ` (×${e.count})` : ''}${rel(e.last.time)}`),
    ...ev.reports.filter((r) => r.kind !== 'task-dump' && r.kind !== 'backtrace').map((r) => `[${r.time}] ${r.headline}${r.count > 1 ? ` (×${r.count})` : ''}${rel(r.lastTime ?? r.time)}`),
    ...ev.notes.map((n) => `[${n.last.time}] ${n.last.text}${n.count > 1 ? ` (×${n.count})` : ''}${rel(n.last.time)}`),
  ];
  return lines.length ? block(lines.slice(-40)) : 'The kernel log in the last snapshot has nothing about hangs, lockups, OOM kills or storage faults.';
}

export function treeAnswer(ev: Evidence): string {
  const procs = new Map<number, Task>();
  for (const t of ev.tasks) if (t.tid === pidOf(t)) procs.set(t.tid, t);
  const children = new Map<number, Task[]>();
  for (const p of procs.values()) if (p.ppid !== undefined) (children.get(p.ppid) ?? children.set(p.ppid, []).get(p.ppid)!).push(p);
  const roots = [...procs.values()].filter((p) => p.ppid === undefined || !procs.has(p.ppid));
  const lines: string[] = [];
  const walk = (p: Task, depth: number): void => {
    if (lines.length > 60) return;
    lines.push(`${'  '.repeat(depth)}${p.tid} ${p.state ?? '?'} ${p.comm}${p.numThreads && p.numThreads > 1 ? ` (${p.numThreads} threads)` : ''}${p.wchan ? ` [${p.wchan}]` : ''}`);
    for (const c of children.get(p.tid) ?? []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return lines.length ? block(lines) : 'No processes in the last snapshot.';
}

/** "kill N": the remediation the diagnosis has for N, or why there is none. */
export function killAnswer(d: Diagnosis, ev: Evidence, pidText: string, signal: 'SIGKILL' | 'SIGTERM'): { text: string; remediation?: Remediation; findingId?: string } {
  if (!/^\d{1,7}$/.test(pidText)) return { text: `"${pidText.slice(0, 40)}" is not a pid.` };
  const pid = Number(pidText);
  for (const f of d.findings) {
    const r = f.remediations.find((x) => x.action === 'signal' && x.pid === pid && x.signal === signal);
    if (r && r.effective === 'yes') return { text: `${signal} to ${pid}: ${r.why}`, remediation: r, findingId: f.id };
    if (r) return { text: `${signal} cannot end pid ${pid}: ${r.why}` };
  }
  const t = ev.tasks.find((x) => x.tid === pid);
  if (!t) return { text: `pid ${pid} was not in the last snapshot of this thread; press Recheck first.` };
  return { text: `The diagnosis has no finding that ${signal} to ${pid} (${t.comm}, state ${t.state ?? '?'}) would fix, so I won't offer it. Ask again after a Recheck if the situation changed.` };
}

const NAMES: Record<string, string> = {
  'oom-kill': 'OOM kills',
  'hung-task': 'hung-task reports',
  'soft-lockup': 'lockups or RCU stalls',
  'storage-backend-fault': 'storage errors',
  'kernel-bug': 'kernel BUG/Oops reports',
};

/**
 * "history", "all history", "show the OOM kills": what the kernel log shows
 * from earlier, each condition with where (pod, task, CPU, device), how many
 * times and when — and the current findings the log recorded before (since
 * when). `clock` renders wall-clock times (Slack date tokens).
 */
export function historyAnswer(d: Diagnosis, ask: { all?: boolean; what?: string[] }, clock?: WhenStyle['clock']): string {
  const style = styleFor(d, clock);
  const h = d.history;
  if (!h) return 'This evidence has no times (a paste without timestamps), so nothing in it can be told apart as earlier: everything above is as of the paste.';
  const wanted = (f: Finding): boolean => !ask.what || ask.what.includes(f.id);
  const dated = (f: Finding): boolean => isEarlier(f) || Boolean(f.breakdown?.length) || (f.first_seen?.seconds_ago ?? 0) > (f.last_seen?.seconds_ago ?? 0);
  const shown = d.findings.filter((f) => dated(f) && wanted(f));
  const older = h.older.filter(wanted);
  const scope = scopeWords(h, style);
  const what = ask.what ? (NAMES[ask.what[0]] ?? ask.what.join(', ')) : undefined;
  const lines: string[] = [];
  const now = shown.filter((f) => !isEarlier(f));
  const earlier = shown.filter(isEarlier);
  if (now.length) lines.push('*Still now* (the log recorded it earlier too):', ...now.flatMap((f) => historyEntry(f, style).map(escape)));
  if (earlier.length) lines.push(`*Earlier* (${scope}):`, ...earlier.flatMap((f) => historyEntry(f, style).map(escape)));
  if (ask.all && older.length) lines.push(`*Older than that*:`, ...older.flatMap((f) => historyEntry(f, style).map(escape)));
  const hidden =
    !ask.all && older.length
      ? `\n${older.length} more ${older.length === 1 ? 'group' : 'groups'} of ${what ?? 'history'} from before ${windowWords(h)}: say "all history"${ask.what ? ` or "all ${what}"` : ''}.`
      : '';
  if (!lines.length) return `No ${what ?? 'history'} in the kernel log of this look (${scope}).${hidden}`;
  return clipText(`${lines.join('\n')}${hidden}`);
}

const escape = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/&lt;(!date\^[^&]*?)&gt;/g, '<$1>');
const clipText = (s: string): string => (s.length <= 39_000 ? s : `${s.slice(0, 38_990)}\n…`);
