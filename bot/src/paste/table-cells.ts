/**
 * The cell shapes of ps / top / crash tables, and a token scanner that keeps
 * positions (the command column is the rest of the line, tree art included).
 * Every test here is anchored and linear: rows can be 64 KB long.
 */

export type CellType = 'uint' | 'int' | 'num' | 'pct' | 'size' | 'state' | 'crash-state' | 'tty' | 'time' | 'start' | 'hex' | 'wchan' | 'user' | 'sig' | 'any';

export interface Token {
  text: string;
  start: number;
  end: number;
}

const UINT = /^\d+$/;
const INT = /^-?\d+$|^-$/;
const NUM = /^-?\d+(?:\.\d+)?$/;
const PCT = /^\d+(?:\.\d+)?%?$/;
const SIZE = /^\d+(?:\.\d+)?[kmgtpeKMGTPE]?$/;
/** ps STAT / top S: a state letter and BSD modifiers (busybox adds W). */
const STATE = /^[RSDZTtXxIWPK][<NLslW+]{0,5}$/;
const CRASH_STATE = /^(?:RU|IN|UN|ZO|ST|TR|DE|SW|ID|NE|PA|WA|TK)$/;
const TTY = /^(?:\?|-|console|pts\/\d+|tty[\w/]{0,8}|hvc\d+|[a-z]{2,8}\/\d+)$/;
/** TIME, TIME+, ELAPSED: 0:00, 00:00:01, 1-02:03:04, 7316:53, 130:01.68 */
const TIME = /^(?:\d+-)?\d+:\d\d(?::\d\d)?(?:\.\d+)?$/;
/** START / STIME as one word: 14:23, 10:00:01, Jul30, 2023. */
const START_WORD = /^(?:\d\d?:\d\d(?::\d\d)?|[A-Z][a-z]{2}\d\d|\d{4})$/;
const HEX = /^(?:0x)?[0-9a-f]{6,16}$/;
/** A kernel symbol as ps prints it as a wait channel, or '-' / '0' for none. */
const WCHAN = /^(?:-|0|[A-Za-z_.][\w.]{0,127})$/;
const USER = /^[A-Za-z0-9_][\w.$+-]{0,63}$/;
const SIG = /^[0-9a-f]{8,16}$/;

const MONTH = /^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$/;
const WEEKDAY = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)$/;
const DAY = /^\d\d?$/;
const CLOCK = /^\d\d?:\d\d:\d\d$/;
const YEAR = /^\d{4}$/;

const MAX_CELL = 512;

export const isUint = (s: string): boolean => UINT.test(s);
export const isState = (s: string): boolean => STATE.test(s);
export const isCrashState = (s: string): boolean => CRASH_STATE.test(s);
export const isTty = (s: string): boolean => TTY.test(s);
export const isTime = (s: string): boolean => TIME.test(s);
export const isHex = (s: string): boolean => HEX.test(s);

/** Does one token have this shape? ('start' is checked by startWidth, which may take several tokens.) */
export function fits(type: CellType, s: string): boolean {
  // No fixed-width cell is this long (a cgroup path is the longest): skip the patterns.
  if (s.length > MAX_CELL && type !== 'any') return false;
  switch (type) {
    case 'uint':
      return UINT.test(s);
    case 'int':
      return INT.test(s) || s === 'rt';
    case 'num':
      return NUM.test(s);
    case 'pct':
      return PCT.test(s);
    case 'size':
      return SIZE.test(s) || s === '-';
    case 'state':
      return STATE.test(s);
    case 'crash-state':
      return CRASH_STATE.test(s);
    case 'tty':
      return TTY.test(s);
    case 'time':
      return TIME.test(s);
    case 'start':
      return START_WORD.test(s);
    case 'hex':
      return HEX.test(s) || s === '-';
    case 'wchan':
      return (WCHAN.test(s) && !UINT.test(s)) || s === '0';
    // A lone state letter is a STAT column, not a user name.
    case 'user':
      return USER.test(s) && !STATE.test(s);
    case 'sig':
      return SIG.test(s);
    default:
      return true;
  }
}

/**
 * How many tokens a start time takes at index i: 5 for lstart
 * ("Tue Apr  9 07:02:11 2024"), 2 for "Jul 30" (start, bsdstart), else 1.
 * 0 when typed and the token is not a time.
 */
export function startWidth(tokens: readonly Token[], i: number, typed: boolean): number {
  const t = tokens[i]?.text;
  if (t === undefined) return 0;
  if (WEEKDAY.test(t) && MONTH.test(tokens[i + 1]?.text ?? '') && DAY.test(tokens[i + 2]?.text ?? '') && CLOCK.test(tokens[i + 3]?.text ?? '') && YEAR.test(tokens[i + 4]?.text ?? '')) return 5;
  if (MONTH.test(t) && DAY.test(tokens[i + 1]?.text ?? '')) return 2;
  return !typed || START_WORD.test(t) ? 1 : 0;
}

/** The first `max` whitespace-separated tokens with their positions; linear in the line. */
export function scanTokens(line: string, max: number): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = line.length;
  while (out.length < max) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(line.charCodeAt(i))) i++;
    out.push({ text: line.slice(start, i), start, end: i });
  }
  return out;
}

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 11 || c === 12 || c === 13 || c === 160;

/** A place where the person cut the row ("[...]", "...", "…"): the columns after it are unknown. */
export const isCut = (s: string): boolean => s === '[...]' || s === '...' || s === '…' || s === '[…]' || s === '[snip]';
