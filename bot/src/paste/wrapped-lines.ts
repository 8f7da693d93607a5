import { HARD, HUNG, NETDEV, OOM_KILLED, RCU, SOFT } from '../../../collector/src';
import { parseFrameLine } from '../evidence/frames';
import { parseLogPrefix } from './kernel-log-prefix';
import type { LineSink, LineStage, NormalLine } from './line-stage';

/**
 * Re-joins a kernel log line that a terminal, a mail client or a tracker
 * wrapped onto the next line. Only a line carrying a log prefix is joined,
 * only with following lines that carry none, and only when the wrap is
 * evident:
 *   - a hard wrap at the terminal's width: the prefixed line (or the previous
 *     continuation) is exactly as long as the longest line of the log, a
 *     width other wrapped lines share; the pieces are concatenated as they
 *     are (the break can fall inside a word or a cgroup path);
 *   - a word wrap that leaves the message visibly unfinished: it ends on
 *     "than", "for", "of", a comma, an open parenthesis..., or only the
 *     joined text reads as a kernel headline ("INFO: task x:1 blocked for
 *     more than" + "120 seconds.").
 * A stack frame, a register or report line, a table row, a prompt, a fence
 * or a new log line is never a continuation.
 */
const MIN_WRAP = 60;
/** No terminal or mail client wraps wider. */
const MAX_WRAP = 4096;
const MAX_CHAIN = 16;
const MAX_JOINED = 64 * 1024;
const HEADLINE_WORDS = /INFO: task|soft lockup|LOCKUP|stall|Kill|unregister_netdevice|oom-killer|killed as a result|likely owned by/;
const HEADLINES = [HUNG, SOFT, HARD, RCU, OOM_KILLED, NETDEV, /invoked oom-killer: gfp_mask=/, /killed as a result of limit of \S/, /likely owned by task \S+:\d+/];
const OPEN_WORDS = new Set([
  'than',
  'for',
  'of',
  'by',
  'to',
  'in',
  'at',
  'on',
  'the',
  'a',
  'an',
  'and',
  'or',
  'with',
  'from',
  'as',
  'is',
  'was',
  'are',
  'were',
  'after',
  'before',
  'because',
  'while',
  'via',
]);
const STRUCTURAL = /^\s*(?:\[<[0-9a-fx]+>\]|\?\s|<\/?[A-Z]+>|[A-Z][A-Z0-9_]{1,7}:(?:\s|$)|---\[|Call [Tt]race|Modules linked in|Hardware name|Workqueue:|[$#>]\s|```|~~~|#\d+\s+\[)/;
const RULE = /^\s*[-=_*#~]{3,}\s*$/;
const TABLE_ROW = /^\s*\d+\s+\d+\s/;
const CAPS_LINE = /^\s*[A-Z%][A-Z0-9%+_-]*(?:\s+[A-Z%][A-Z0-9%+_()-]*){2,}\s*$/;
const CONTINUES = /^[a-z0-9(\[\/_.,;:)\]-]/;

type Text = Extract<NormalLine, { kind: 'text' }>;

export function createWrapStage(sink: LineSink): LineStage {
  let pending: Text | null = null;
  let piece = 0;
  let chain = 0;
  /** Lengths of lines in a kernel log (prefixed lines and the lines right after them). */
  const widths = new Uint32Array(MAX_WRAP + 1);
  let maxWidth = 0;
  let wrapSeen = false;

  function measure(len: number): void {
    if (len < MIN_WRAP || len > MAX_WRAP) return;
    widths[len]++;
    if (len > maxWidth) maxWidth = len;
  }

  function flush(): void {
    if (pending) sink(pending);
    pending = null;
  }

  /** The joined text, or null when `next` does not continue `pending`. */
  function join(p: Text, next: string): string | null {
    if (chain >= MAX_CHAIN || p.text.length + next.length + 1 > MAX_JOINED || isStructural(next)) return null;
    if (chain === 0 && parseLogPrefix(p.text) === null) return null;
    if (piece >= MIN_WRAP && piece <= MAX_WRAP && piece === maxWidth && widths[piece] >= 2 && (next.length === piece || wrapSeen)) {
      wrapSeen = true;
      return p.text + next;
    }
    const cont = next.trimStart();
    if (!CONTINUES.test(cont)) return null;
    const joined = `${p.text}${p.text.endsWith(' ') ? '' : ' '}${cont}`;
    if (leftOpen(p.text) || completesHeadline(p.text, joined)) return joined;
    return null;
  }

  return {
    push(r) {
      if (r.kind !== 'text' || isBlankText(r.text)) {
        flush();
        sink(r);
        return;
      }
      const log = looksPrefixed(r.text);
      if (log || pending) measure(r.text.length);
      if (pending && !log) {
        const joined = join(pending, r.text);
        if (joined !== null) {
          pending = { kind: 'text', text: joined, line: pending.line, last: r.line };
          piece = r.text.length;
          chain++;
          return;
        }
      }
      flush();
      if (log) {
        pending = r;
        piece = r.text.length;
        chain = 0;
      } else sink(r);
    },
    end: flush,
  };
}

/**
 * Does the line start with a log prefix? A cheap look at its first
 * characters ("[ 12.3", "[1234.5", "[Mon ", "Jan 12 ", "2024-01-12", "<3>",
 * "kern  :"), enough to tell a new log line from a continuation; a join is
 * confirmed with the full parse.
 */
export function looksPrefixed(s: string): boolean {
  const c = s.charCodeAt(0);
  if (c === 91 /* [ */) {
    const d = s.charCodeAt(1);
    return d === 32 || (d >= 48 && d <= 57) || WEEKDAYS.has(s.slice(1, 4));
  }
  if (c === 60 /* < */) return isDigit(s.charCodeAt(1));
  if (c >= 65 && c <= 83) return MONTHS.has(s.slice(0, 3)) && s.charCodeAt(3) === 32;
  if (isDigit(c)) return isDigit(s.charCodeAt(1)) && isDigit(s.charCodeAt(2)) && isDigit(s.charCodeAt(3)) && s.charCodeAt(4) === 45; /* - */
  return (c === 107 || c === 117 || c === 100) && DMESG_X.test(s);
}

const DMESG_X = /^(?:kern|user|daemon) *:/;
const MONTHS = new Set(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']);
const WEEKDAYS = new Set(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isBlankText = (s: string): boolean => (s.charCodeAt(0) !== 32 ? s.length === 0 : s.trim() === '');

function isStructural(s: string): boolean {
  if (STRUCTURAL.test(s) || RULE.test(s) || TABLE_ROW.test(s) || CAPS_LINE.test(s)) return true;
  if (parseFrameLine(s)) return true;
  const t = s.trimStart();
  return t !== s && parseLogPrefix(t) !== null;
}

/** The line stops mid-phrase: a trailing comma, "=", an open parenthesis, or a word a sentence cannot end on. */
function leftOpen(text: string): boolean {
  const t = text.trimEnd();
  const last = t.charCodeAt(t.length - 1);
  if (last === 44 /* , */ || last === 61 /* = */ || last === 40 /* ( */) return true;
  let opens = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 40) opens++;
    else if (c === 41 && opens > 0) opens--;
  }
  if (opens > 0) return true;
  const word = t.slice(t.lastIndexOf(' ') + 1);
  return OPEN_WORDS.has(word);
}

/** Only the joined text reads as one of the kernel's report headlines. */
function completesHeadline(before: string, joined: string): boolean {
  if (joined.length > 4096) return false;
  const a = parseLogPrefix(before)?.text ?? before;
  const b = parseLogPrefix(joined)?.text ?? joined;
  if (!HEADLINE_WORDS.test(b)) return false;
  return HEADLINES.some((re) => !re.test(a) && re.test(b));
}
