import { parseFrameLine } from '../evidence/frames';
import { parseLogPrefix } from './kernel-log-prefix';
import { lookahead, type LineSink, type NormalLine, type PassingStage } from './line-stage';
import { parseShellLine } from './shell-context';

/**
 * Strips a line-number column put in front of the evidence by `cat -n`,
 * `nl`, `less -N`, `grep -n` (and its "N-" context lines and "--" group
 * separators) or an editor ("12 | ...", "12│ ...", "  12 ..."). A column is a
 * gutter only when consecutive lines carry numbers that go up by one (for
 * `grep -n`: go up) — a ps table's PID column does not, and when a ps header
 * sits above the numbers they are pids, not a gutter. Bare numbers followed
 * by a blank ("  12 text") must also show something no pid column holds: a
 * kernel log line, a stack frame, a header, a prompt, a fence, a whole ps row
 * with its own pid, or an empty numbered line among numbered text.
 */
type Style = 'tab' | 'pipe' | 'grep' | 'space';

interface Numbered {
  num: number;
  content: string;
}

const TAB = /^ *(\d{1,9})\t(.*)$/;
const PIPE = /^ *(\d{1,9}) *[|│┃¦](.*)$/;
const GREP = /^([1-9]\d{0,8})[:-](.*)$/;
const SPACE = /^ *(\d{1,9})(?: (.*))?$/;
/** "10:21:05", "2:0:0:0", "1.5": the number was part of a time, an address or a decimal, not a gutter. */
const NUMBER_GOES_ON = /^\d+[:.]\d/;
const PS_HEADER = /(?:^|\s)(?:PID|TID|LWP|SPID)(?:\s|$)/;
const CAPS_LINE = /^\s*[A-Z%][A-Z0-9%+_-]*(?:\s+[A-Z%][A-Z0-9%+_()-]*){2,}\s*$/;
const FENCE = /^\s*(?:```|~~~)/;
/** A procps row with its own pid: user, pid, then ppid (-ef) or %CPU (aux). */
const PS_ROW = /^[A-Za-z_][\w.+-]*\s+\d+\s+(?:\d+\.\d+|\d+)\s/;

export function numbered(style: Style, s: string, inRun = true): Numbered | null {
  const c = s.charCodeAt(0);
  if (!(c === 32 || (c >= 48 && c <= 57))) return null;
  let m: RegExpExecArray | null;
  switch (style) {
    case 'tab':
      if ((m = TAB.exec(s))) return { num: Number(m[1]), content: m[2] };
      // A numbered empty line whose trailing tab was lost on copy.
      if (inRun && (m = /^ *(\d{1,9})\s*$/.exec(s))) return { num: Number(m[1]), content: '' };
      return null;
    case 'pipe':
      if ((m = PIPE.exec(s))) return { num: Number(m[1]), content: m[2].startsWith(' ') ? m[2].slice(1) : m[2] };
      return null;
    case 'grep':
      if ((m = GREP.exec(s)) && !NUMBER_GOES_ON.test(m[2])) return { num: Number(m[1]), content: m[2] };
      return null;
    case 'space': {
      if (!(m = SPACE.exec(s))) return null;
      const content = m[2] ?? '';
      // `cat -n` copied from a terminal: the number ends at column 6 and its tab became two blanks.
      return { num: Number(m[1]), content: m[0].length - content.length === 7 && content.startsWith(' ') ? content.slice(1) : content };
    }
  }
}

const STYLES: Style[] = ['tab', 'pipe', 'grep', 'space'];

/** Content that a pid column never precedes: only then are bare "N text" numbers a gutter. */
function provesGutter(content: string): boolean {
  const t = content.trim();
  return (
    t !== '' &&
    (parseLogPrefix(t) !== null ||
      parseFrameLine(content) !== null ||
      FENCE.test(t) ||
      CAPS_LINE.test(t) ||
      // A whole ps row or a shell prompt after the number: the number is not that row's pid.
      PS_ROW.test(t) ||
      parseShellLine(t) !== null)
  );
}

export function createGutterStage(sink: LineSink, window = 8): PassingStage {
  let run: { style: Style; last: number } | null = null;
  /** A ps/top header was seen in the current block (since the last blank line) outside a gutter. */
  let headerInBlock = false;

  function emit(r: Extract<NormalLine, { kind: 'text' }>, text: string): void {
    sink(text === r.text ? r : { ...r, text });
  }

  /** Does the head start a gutter (the next lines carry the following numbers)? */
  function start(first: Numbered, style: Style, ahead: readonly NormalLine[]): boolean {
    const need = style === 'tab' || style === 'pipe' ? 1 : 2;
    if (style === 'space' && headerInBlock) return false;
    let last = first.num;
    let proof = style !== 'space' || provesGutter(first.content);
    // cat -n and editors number empty lines too; a list of bare numbers (pgrep) is no gutter.
    let empty = first.content.trim() === '';
    let text = !empty;
    let seen = 0;
    for (const r of ahead) {
      if (r.kind !== 'text') break;
      if (style === 'grep' && r.text === '--') continue;
      const n = numbered(style, r.text);
      if (!n || !follows(style, last, n.num)) break;
      last = n.num;
      seen++;
      proof ||= provesGutter(n.content);
      if (n.content.trim() === '') empty = true;
      else text = true;
    }
    return seen >= need && (proof || (empty && text));
  }

  const stage = lookahead(
    window,
    (head, ahead) => {
      if (head.kind !== 'text') {
        run = null;
        headerInBlock = false;
        sink(head);
        return;
      }
      const text = head.text;
      if (run) {
        const n = numbered(run.style, text);
        if (n && follows(run.style, run.last, n.num)) {
          run.last = n.num;
          emit(head, n.content);
          return;
        }
        if (run.style === 'grep' && text === '--') {
          emit(head, '');
          return;
        }
        // An unnumbered line inside the run (an editor's soft wrap): the numbers go on right after it.
        const resumes = ahead.slice(0, 2).some((r) => r.kind === 'text' && numbered(run!.style, r.text)?.num === run!.last + 1);
        if (text.trim() !== '' && !n && resumes) {
          sink(head);
          return;
        }
        run = null;
      }
      const first = firstNonBlank(text);
      if (isDigit(first)) {
        for (const style of STYLES) {
          const n = numbered(style, text, false);
          if (n && start(n, style, ahead)) {
            run = { style, last: n.num };
            emit(head, n.content);
            return;
          }
        }
      }
      if (Number.isNaN(first)) headerInBlock = false;
      else if (first >= 65 && first <= 90 && CAPS_LINE.test(text) && PS_HEADER.test(text)) headerInBlock = true;
      sink(head);
    },
    (r) => run !== null || (r.kind === 'text' && isDigit(firstNonBlank(r.text))),
  );
  return {
    push: stage.push,
    end: stage.end,
    // No run of numbers going on, nothing held back, not a number first: the line is no gutter's (a ps header is noted, as decide does).
    passes(r) {
      const first = r.text.charCodeAt(0);
      if (stage.held > 0 || run !== null || isDigit(first)) return false;
      if (first >= 65 && first <= 90 && CAPS_LINE.test(r.text) && PS_HEADER.test(r.text)) headerInBlock = true;
      return true;
    },
  };
}

/** The first character that is not a blank (NaN on an empty or blank line). */
function firstNonBlank(s: string): number {
  let i = 0;
  while (s.charCodeAt(i) === 32) i++;
  return s.charCodeAt(i);
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** Consecutive gutter numbers: one more each line; `grep -n` skips lines that did not match. */
const follows = (style: Style, last: number, num: number): boolean => (style === 'grep' ? num > last : num === last + 1);
