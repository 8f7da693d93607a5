import { isBlank, lookahead, type LineSink, type NormalLine, type PassingStage } from './line-stage';

/**
 * Strips the quote prefix of a block quoted from a ticket, a mail or a chat
 * (`> `, `>>`, `> > `, `>` on an empty line, mixed), decided by consistency
 * with the neighbouring lines: a line is quoted when the line before it was
 * quoted or the line after it is, or when it stands alone as "> text".
 *
 * crash's `ps` marks the task active on each CPU with a `>` in place of the
 * first blank of its row (">     0      0   0  ffffffff81a13480  RU ...").
 * Such a line is not a quote when its columns line up with the unquoted
 * lines of the same block; and inside a real quote a deeper `>` followed by
 * spaces and a number is that marker, kept for the crash reader.
 */
export function createQuoteStage(sink: LineSink, window = 4): PassingStage {
  let prev: 'quote' | 'marker' | 'plain' | 'blank' = 'blank';
  /** The last unquoted line of the current block (since the last blank line). */
  let blockPlain: string | null = null;
  /** How many levels the quoted lines around have: a deeper last level shaped like crash's marker is that marker. */
  let depth = 0;

  /** Where the quote prefix to strip ends: every level, but a marker-shaped level beyond the block's depth stays. */
  function strip(text: string, around: number): number {
    const q = quoteLevels(text);
    const keep = q.marker && q.count > 1 && q.count > around;
    depth = keep ? q.count - 1 : q.count;
    return keep ? q.inner : q.end;
  }

  function emitText(r: Extract<NormalLine, { kind: 'text' }>, text: string): void {
    sink(text === r.text ? r : { ...r, text });
  }

  const stage = lookahead(
    window,
    (head, ahead) => {
      if (head.kind !== 'text' || isBlank(head)) {
        prev = 'blank';
        blockPlain = null;
        sink(head);
        return;
      }
      const text = head.text;
      const p = quotePrefix(text);
      if (p === 0) {
        prev = 'plain';
        blockPlain = text;
        sink(head);
        return;
      }
      if (prev === 'quote') {
        emitText(head, text.slice(strip(text, depth)));
        return;
      }
      const next = nextInBlock(ahead);
      if (isMarkerShaped(text)) {
        const aligned = (blockPlain !== null && alignsWith(text, blockPlain)) || next.plain.some((l) => alignsWith(text, l));
        if (aligned || prev === 'marker') {
          prev = 'marker';
          sink(head);
          return;
        }
      }
      if (next.firstQuoted || isLoneQuote(text, p)) {
        prev = 'quote';
        depth = next.firstDepth;
        emitText(head, text.slice(strip(text, depth)));
        return;
      }
      prev = 'plain';
      blockPlain = text;
      sink(head);
    },
    (r) => r.kind === 'text' && quotePrefix(r.text) > 0,
  );
  return {
    push: stage.push,
    end: stage.end,
    // Nothing held back and no quote mark first: an unquoted line, noted as the block's last plain line (as decide does).
    passes(r) {
      if (stage.held > 0 || r.text.charCodeAt(0) === 62 /* > */) return false;
      prev = 'plain';
      blockPlain = r.text;
      return true;
    },
  };
}

/** The lines after the head up to the next blank: is the first one quoted, and the unquoted ones. */
function nextInBlock(ahead: readonly NormalLine[]): { firstQuoted: boolean; firstDepth: number; plain: string[] } {
  const plain: string[] = [];
  let firstDepth = 0;
  for (let i = 0; i < ahead.length; i++) {
    const r = ahead[i];
    if (r.kind !== 'text' || isBlank(r)) break;
    const levels = quoteLevels(r.text).count;
    if (i === 0) firstDepth = levels;
    if (!levels) plain.push(r.text);
  }
  return { firstQuoted: firstDepth > 0, firstDepth, plain };
}

/**
 * The quote levels of a line: how many `>` levels (each with its one optional
 * space, spaces allowed between levels; up to 3 spaces before the first),
 * where the last one ends (`end`) and where the one before it ends (`inner`).
 * `marker`: the last level is `>` followed by two blanks and a digit, the
 * shape of crash's active-task marker. Scanned once by hand: linear.
 */
const MAX_LEVELS = 32;

export interface QuoteLevels {
  count: number;
  end: number;
  inner: number;
  marker: boolean;
}

/** Not quoted (shared: never changed). */
const UNQUOTED: Readonly<QuoteLevels> = Object.freeze({ count: 0, end: 0, inner: 0, marker: false });

export function quoteLevels(s: string): QuoteLevels {
  let i = 0;
  while (i < 3 && s.charCodeAt(i) === 32) i++;
  if (s.charCodeAt(i) !== 62 /* > */) return UNQUOTED;
  const out: QuoteLevels = { count: 0, end: 0, inner: 0, marker: false };
  while (s.charCodeAt(i) === 62 /* > */) {
    // Nobody quotes 32 deep: a run of `>` that long is text (an arrow, an ASCII rule), not a quote.
    if (out.count === MAX_LEVELS) return UNQUOTED;
    out.marker = isMarkerAt(s, i);
    i++;
    if (s.charCodeAt(i) === 32) i++;
    out.inner = out.end;
    out.end = i;
    out.count++;
    const j = blanks(s, i, 3);
    if (s.charCodeAt(j) !== 62) break;
    i = j;
  }
  return out;
}

/** Length of the whole quote prefix (0: not quoted). */
export const quotePrefix = (s: string): number => quoteLevels(s).end;

/** Past at most `max` blanks from i (every scan here is bounded: constant time whatever the line). */
function blanks(s: string, i: number, max: number): number {
  const end = i + max;
  while (i < end && s.charCodeAt(i) === 32) i++;
  return i;
}

const isDigitAt = (s: string, i: number): boolean => s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;

/** A pid right-aligned in crash's 7-wide column: a `>` then 1 to 8 blanks then a digit. */
const MARKER_BLANKS = 8;

/** `>` at i followed by at least two blanks and a digit. */
function isMarkerAt(s: string, i: number): boolean {
  if (s.charCodeAt(i + 1) !== 32 || s.charCodeAt(i + 2) !== 32) return false;
  return isDigitAt(s, blanks(s, i + 1, MARKER_BLANKS));
}

/** ">" then blanks then a number: the shape of crash's active-task row (or of a quoted number column). */
const isMarkerShaped = (s: string): boolean => {
  const i = blanks(s, 0, 3);
  if (s.charCodeAt(i) !== 62 || s.charCodeAt(i + 1) !== 32) return false;
  return isDigitAt(s, blanks(s, i + 1, MARKER_BLANKS));
};

/** A single quoted line among unquoted ones: only the canonical "> text". */
const isLoneQuote = (s: string, p: number): boolean => s.charCodeAt(p - 1) === 32 && s.charCodeAt(p) !== 32 && p < s.length;

/** Where the first three blank-separated words end. */
function wordEnds(s: string, count = 3): number[] {
  const ends: number[] = [];
  let inWord = false;
  for (let i = 0; i < s.length && ends.length < count; i++) {
    const space = s.charCodeAt(i) === 32;
    if (inWord && space) ends.push(i);
    inWord = !space;
  }
  if (inWord && ends.length < count) ends.push(s.length);
  return ends;
}

/** With its `>` read as a blank, do at least two of the line's first three columns end where the other line's do (right-aligned numbers)? */
export function alignsWith(marked: string, plain: string): boolean {
  const i = marked.indexOf('>');
  const a = wordEnds(`${marked.slice(0, i)} ${marked.slice(i + 1)}`);
  const b = wordEnds(plain);
  let same = 0;
  for (let k = 0; k < Math.min(a.length, b.length); k++) if (Math.abs(a[k] - b[k]) <= 1) same++;
  return same >= 2;
}
