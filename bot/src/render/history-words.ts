import type { Diagnosis, Finding, HistoryPlace, HistoryScope } from '../diagnosis/finding';
import { ago, clockTime, duration, whenWords, type WhenStyle } from '../diagnosis/when-words';

/**
 * How history is told to a reader, the same in the terminal, the CLI and
 * Slack: which window it comes from, how far back the kernel log reaches,
 * the one-line summary under the current findings, and the per-place
 * breakdown the "history" follow-up shows.
 */
export const isEarlier = (f: Finding): boolean => f.when === 'earlier';

export function styleFor(d: Diagnosis, clock?: WhenStyle['clock']): WhenStyle {
  return { reference: d.history?.reference ?? 'snapshot', ...(clock ? { clock } : {}) };
}

/** "the last 24 h", "since boot (5 h ago)", "all of it". */
export function windowWords(h: HistoryScope): string {
  if (h.window_seconds === 'all') return 'all of it';
  if (h.since_boot) return `since boot, ${duration(h.window_seconds)} ago`;
  return `the last ${duration(h.window_seconds)}${h.reference === 'snapshot' ? '' : ' before the last line'}`;
}

/** "the kernel log reaches back to 05:02 (3 h ago); older records were overwritten", or that it has everything since boot. */
export function spanWords(h: HistoryScope, style: WhenStyle): string {
  if (!h.log_from) return '';
  if (h.reference === 'snapshot' && h.log_overwritten === false) return h.since_boot ? 'the kernel log has all of it' : 'the kernel log has every record since boot';
  const at = clockTime(h.log_from, style);
  const rel = h.log_from.seconds_ago !== undefined ? ago(h.log_from.seconds_ago, style.reference) : '';
  const when = at ? `${at}${rel ? ` (${rel})` : ''}` : rel || `[${h.log_from.log_time}]`;
  const lost = h.log_overwritten ? '; older records were overwritten' : '';
  return `the ${h.reference === 'snapshot' ? 'kernel log' : 'pasted log'} reaches back to ${when}${lost}`;
}

/**
 * The window and the span together: "the last 24 h; the kernel log reaches
 * back to 05:02 (3 h ago); older records were overwritten". A paste's window
 * is left out when nothing in it is older (its own span says enough).
 */
export function scopeWords(h: HistoryScope, style: WhenStyle): string {
  const window = h.reference === 'newest line' && !h.older.length && h.window_seconds !== 'all' ? '' : windowWords(h);
  return [window, spanWords(h, style)].filter(Boolean).join('; ');
}

/** A history finding in a few words: its title, and when when the title does not say. */
export function briefly(f: Finding, style: WhenStyle, esc: (s: string) => string = (s) => s): string {
  if (/most recent|\bago\b|before the last line/.test(f.title)) return esc(f.title);
  const last = f.last_seen?.seconds_ago;
  return last !== undefined ? `${esc(f.title)} (${ago(last, style.reference)})` : esc(f.title);
}

/**
 * The first screen's one line about history: "Earlier (the last 24 h; the
 * kernel log reaches back to 05:02): 17 OOM kills in 14 pods … · Hung task:
 * stat:9419 … (41 min ago)". Empty when there is none.
 */
export function historyLine(d: Diagnosis, style: WhenStyle, max = 3, esc: (s: string) => string = (s) => s): string {
  const earlier = d.findings.filter(isEarlier);
  const older = d.history?.older.length ?? 0;
  if (!earlier.length && !older) return '';
  const scope = d.history ? scopeWords(d.history, style) : '';
  const shown = earlier.slice(0, max).map((f) => briefly(f, style, esc));
  const more = earlier.length > max ? ` · and ${earlier.length - max} more` : '';
  const aside = older ? ` (${older} older group${older === 1 ? '' : 's'} outside the window: "all history")` : '';
  return `Earlier${scope ? ` (${scope})` : ''}: ${shown.join(' · ') || 'nothing'}${more}${aside}`;
}

function placeLine(p: HistoryPlace, style: WhenStyle): string {
  const a = clockTime(p.first_seen, style);
  const b = clockTime(p.last_seen, style);
  const plain = { reference: style.reference };
  const between = p.count > 1 && a && b && clockTime(p.first_seen, plain) !== clockTime(p.last_seen, plain);
  const when = between ? `between ${a} and ${b}` : b ? `at ${b}` : p.last_seen.seconds_ago !== undefined ? ago(p.last_seen.seconds_ago, style.reference) : '';
  const pids = p.pids?.length && !p.place.includes('(pid') ? ` (pid${p.pids.length > 1 ? 's' : ''} ${p.pids.slice(0, 6).join(', ')}${p.pids.length > 6 ? ', …' : ''})` : '';
  const times = `${p.count === 1 ? 'once' : `${p.count} times`}${when ? ` ${when}` : ''}`;
  return `${p.place}: ${times}${p.detail ? ` — ${p.detail}` : ''}${pids}`;
}

/** A history finding with its breakdown by place, for the "history" follow-up. */
export function historyEntry(f: Finding, style: WhenStyle, maxPlaces = 20): string[] {
  const out = [`${f.title}`, `  ${whenWords(f, style)}`];
  const places = f.breakdown ?? [];
  for (const p of places.slice(0, maxPlaces)) out.push(`  • ${placeLine(p, style)}`);
  if (places.length > maxPlaces) out.push(`  • … and ${places.length - maxPlaces} more places`);
  return out;
}
