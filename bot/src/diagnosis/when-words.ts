import type { Finding, HistoryScope, SeenAt } from './finding';

/**
 * Times in words, the way an engineer says them: "41 min ago", "between
 * 06:58 and 07:39", "since at least 07:12, still now". Relative durations
 * count from the reference (the snapshot, or a paste's newest line); clock
 * times are the wall clock when the evidence fixes it (shown in the local
 * time zone, or through `clock` — Slack renders a date token in the
 * reader's zone), else the clock the log printed.
 */
export type Reference = HistoryScope['reference'];

export interface WhenStyle {
  reference: Reference;
  /** A wall-clock instant as text; default: HH:MM in this process's time zone. */
  clock?(unixMs: number, text: string): string;
}

/** "4 s", "41 min", "2 h 5 min", "3 days". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 && h < 10 ? `${h} h ${m % 60} min` : `${Math.round(m / 60)} h`;
  return `${Math.round(h / 24)} days`;
}

/** "41 min ago" for a snapshot, "41 min before the last line" for a paste. */
export function ago(seconds: number, reference: Reference): string {
  if (seconds < 1) return reference === 'snapshot' ? 'just now' : 'at the last line';
  return reference === 'snapshot' ? `${duration(seconds)} ago` : `${duration(seconds)} before the last line`;
}

const pad = (n: number): string => String(n).padStart(2, '0');
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LOG_CLOCK = /(\d\d):(\d\d):\d\d/;

function localClock(ms: number, withDay: boolean): string {
  const d = new Date(ms);
  return `${withDay ? `${MON[d.getMonth()]} ${d.getDate()} ` : ''}${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The clock time of a moment ("07:12", "Nov 6 23:58" more than a day back), or undefined for a time since boot with no wall clock. */
export function clockTime(s: SeenAt | undefined, style: WhenStyle): string | undefined {
  if (!s) return undefined;
  const withDay = (s.seconds_ago ?? 0) >= 20 * 3600;
  if (s.at) {
    const ms = Date.parse(s.at);
    const text = localClock(ms, withDay);
    return style.clock ? style.clock(ms, text) : text;
  }
  const m = s.log_time ? LOG_CLOCK.exec(s.log_time) : null;
  if (!m) return undefined;
  if (!withDay) return `${m[1]}:${m[2]}`;
  const day = s
    .log_time!.slice(0, s.log_time!.indexOf(m[0]))
    .replace(/^[A-Z][a-z]{2} (?=[A-Z])/, '')
    .replace(/[T\s]+/g, ' ')
    .trim();
  return `${day} ${m[1]}:${m[2]}`;
}

/** "07:12 (41 min ago)", or "[84629.7] (41 min before the last line)" when the log has no wall clock. */
function moment(s: SeenAt, style: WhenStyle): string {
  const clock = clockTime(s, style);
  const rel = s.seconds_ago !== undefined ? ago(s.seconds_ago, style.reference) : undefined;
  if (clock && rel) return `${clock} (${rel})`;
  return clock ?? rel ?? (s.log_time ? `[${s.log_time}]` : 'at an unknown time');
}

/**
 * The finding's when, in words:
 *   now                                          (a live condition)
 *   since at least 07:12 (41 min ago), still now (a live condition the log recorded earlier)
 *   earlier: 07:12 (41 min ago)                  (one record)
 *   earlier: 5 times between 06:58 and 07:39, last 3 min ago
 */
export function whenWords(f: Finding, style: WhenStyle): string {
  const last = f.last_seen;
  const first = f.first_seen;
  const count = f.count ?? 1;
  const label = f.when === 'earlier' ? 'earlier' : 'now';
  if (count > 1 && first && last?.log_time && first.log_time !== last.log_time) {
    // A series of records (OOM kills, repeated reports): how many, over what span.
    const a = clockTime(first, style);
    const b = clockTime(last, style);
    const rel = last.seconds_ago !== undefined ? `, last ${ago(last.seconds_ago, style.reference)}` : '';
    const same = clockTime(first, { reference: style.reference }) === clockTime(last, { reference: style.reference });
    const span = a && b ? (same ? `at ${b}` : `between ${a} and ${b}`) : `between [${first.log_time}] and [${last.log_time}]`;
    return `${label}: ${count} times ${span}${rel}`;
  }
  if (f.when !== 'earlier') {
    const lastAgo = last?.seconds_ago ?? 0;
    const since = first && (first.seconds_ago ?? 0) >= lastAgo + 1 ? first : undefined;
    if (since) return `since at least ${moment(since, style)}, still now`;
    return lastAgo >= 1 ? `now (${ago(lastAgo, style.reference)})` : 'now';
  }
  if (!last || (!last.log_time && !last.at)) return 'earlier';
  return `earlier: ${count > 1 ? `${count} times, last ` : ''}${moment(last, style)}`;
}

/** "over the last 52 min" — from a series' first record to the reference. */
export function overTheLast(first: SeenAt | undefined, reference: Reference): string {
  if (first?.seconds_ago === undefined) return '';
  return reference === 'snapshot' ? ` over the last ${duration(Math.max(first.seconds_ago, 1))}` : ` in the ${duration(Math.max(first.seconds_ago, 1))} before the last line`;
}
