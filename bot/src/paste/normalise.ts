import { hasInlineCut, isCutLine } from './cut-marks';
import { createGutterStage } from './line-gutter';
import { perLine, type LineSink, type LineStage, type NormalLine } from './line-stage';
import { markdownLine, mayNeedMarkdown } from './markdown-text';
import { createQuoteStage } from './quote-prefix';
import { createTabExpander } from './tab-stops';
import { createWrapStage } from './wrapped-lines';

export type { NormalLine } from './line-stage';

/**
 * The first step of reading a paste: undoes what quoting, line numbering,
 * markdown and wrapping did to the evidence, before any recogniser sees it.
 * Streaming, with a lookahead of a few lines at most:
 *   1. characters: binary data is a `skip`; CRLF, terminal colour codes,
 *      zero-width characters, NBSP and its kin go (smart quotes stay);
 *   2. a consistent quote prefix (quote-prefix.ts);
 *   3. a line-number gutter (line-gutter.ts);
 *   4. tabs at the author's tab stops (tab-stops.ts), markdown and HTML
 *      (markdown-text.ts);
 *   5. cut marks: a line that is only a mark becomes a `cut` record, a line
 *      cut short is followed by one (cut-marks.ts);
 *   6. kernel log lines wrapped onto the next line (wrapped-lines.ts).
 * Records come out in input order with their original line numbers.
 */
export interface Normaliser {
  line(raw: string, lineNo: number): void;
  /** A line the reader could not take at all: passed on in order as a `skip`. */
  skip(lineNo: number, reason: string): void;
  end(): void;
}

/** One scan for the common case: printable ASCII without ` ~ < & \ needs no cleaning and holds no markdown. */
const ROUGH = /[^\x20-\x25\x27-\x3b\x3d-\x5b\x5d-\x5f\x61-\x7d]/;
const BINARY = /[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]/;
const ODD_CHARS = /[\u00a0\u2007\u202f\u200b-\u200d\u2060\ufeff\x1b]/;
const SPACES = /[\u00a0\u2007\u202f]/g;
const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff]/g;
const ANSI = /\x1b\[[0-9;?]{0,32}[A-Za-z]/g;

export function cleanChars(raw: string): string {
  let s = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (!ODD_CHARS.test(s)) return s;
  s = s.replace(SPACES, ' ').replace(ZERO_WIDTH, '');
  if (s.includes('\x1b')) s = s.replace(ANSI, '');
  return s;
}

export function createNormaliser(sink: LineSink): Normaliser {
  const wrap = createWrapStage(sink);
  const marks = perLine(wrap.push, (r, emit) => {
    if (r.kind !== 'text') {
      emit(r);
      return;
    }
    if (isCutLine(r.text)) {
      emit({ kind: 'cut', line: r.line });
      return;
    }
    emit(r);
    if (hasInlineCut(r.text)) emit({ kind: 'cut', line: r.line });
  });
  const tabs = createTabExpander();
  const markdown = perLine(marks.push, (r, emit) => {
    if (r.kind !== 'text') {
      emit(r);
      return;
    }
    if (r.plain ? r.text.charCodeAt(0) !== 32 : !mayNeedMarkdown(r.text)) {
      tabs.expand(r.text, false);
      emit(r);
      return;
    }
    const md = markdownLine(tabs.expand(r.text));
    if (md.fence) emit({ kind: 'text', text: '', line: r.line });
    for (const text of md.lines) emit(text === r.text ? r : { kind: 'text', text, line: r.line });
  });
  const gutter = createGutterStage(markdown.push);
  const quote = createQuoteStage(gutter.push);
  const stages: LineStage[] = [quote, gutter, markdown, marks, wrap];
  return {
    line(raw, lineNo) {
      if (!ROUGH.test(raw)) {
        const r = { kind: 'text' as const, text: raw, line: lineNo, plain: true };
        // Most lines of a log: plain, not blank, no blank first. When neither the quote nor the gutter stage
        // holds lines back or wants this one, and markdown has nothing to undo, it goes straight to the cut marks.
        const c = raw.charCodeAt(0);
        if (c !== 32 && raw.length > 0 && quote.passes(r)) {
          if (!gutter.passes(r)) {
            gutter.push(r);
            return;
          }
          tabs.expand(raw, false);
          marks.push(r);
          return;
        }
        quote.push(r);
        return;
      }
      if (BINARY.test(raw)) {
        quote.push({ kind: 'skip', line: lineNo, reason: 'binary data' });
        return;
      }
      quote.push({ kind: 'text', text: cleanChars(raw), line: lineNo });
    },
    skip(lineNo, reason) {
      quote.push({ kind: 'skip', line: lineNo, reason });
    },
    end() {
      for (const s of stages) s.end();
    },
  };
}

/** For tests and small inputs: the whole text at once. */
export function normaliseText(text: string): NormalLine[] {
  const out: NormalLine[] = [];
  const n = createNormaliser((r) => out.push(r));
  text.split('\n').forEach((l, i) => n.line(l, i + 1));
  n.end();
  return out;
}
