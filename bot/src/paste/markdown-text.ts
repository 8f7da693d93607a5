import { parseLogPrefix } from './kernel-log-prefix';

/**
 * Undoes what markdown, chat and HTML did to one pasted line:
 *   code fences (``` and ~~~, with a language tag or a command after them)
 *     become an empty line, so the blocks on either side stay apart;
 *   backticks wrapping the whole line (or one left dangling at its start or
 *     end by a multi-line `...` span) are dropped;
 *   `<br>` splits the line, formatting tags (<b>, <code>, <details> ...) go,
 *     and entities (&lt; &gt; &amp; &quot; &#39; &nbsp; &#NN;) are decoded —
 *     kernel and ps text in angle brackets (<defunct>, <TASK>, <IRQ>) stays;
 *   backslash escapes (\<defunct\>, \[kworker\], \_) are removed, but not
 *     `ps f` tree art (" \_ child"), `\\` or the `\"` of strace strings;
 *   an indented kernel log line (an indented code block) loses its indent.
 * Every pattern here is linear in the line length.
 */
export interface MarkdownLine {
  /** The line was a fence or a lone backtick: a block boundary. */
  fence: boolean;
  lines: string[];
}

const FENCE = /^\s*(?:`{3,}|~{3,})(.*)$/;
const TAG_NAMES = 'br|p|b|i|u|s|em|strong|code|pre|kbd|samp|tt|sup|sub|span|div|details|summary|blockquote|ul|ol|li|hr|del|ins|mark|small|big|font|a|img|table|thead|tbody|tr|td|th|h[1-6]';
const TAG = new RegExp(`<\\/?(?:${TAG_NAMES})(?:\\s[^<>]*)?\\/?>`, 'g');
const BR = /<[Bb][Rr]\s*\/?>/;
const ENTITY = /&(?:(lt|gt|amp|quot|apos|nbsp)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ' };
/** Markdown's escapable ASCII punctuation, minus backslash and quotes (strace strings escape those). */
const ESCAPE = /\\([!#$%&()*+,\-./:;<=>?@[\]^_`{|}~])/g;

/** A line without any of these (and not indented) is left as it is: one scan for most lines of a log. */
const SPECIAL = /[\t`~<&\\]/;
export const mayNeedMarkdown = (s: string): boolean => s.charCodeAt(0) === 32 || SPECIAL.test(s);

export function markdownLine(text: string): MarkdownLine {
  let s = text;
  const fence = fenceLine(s);
  if (fence) return fence;
  s = stripLineBackticks(s);
  let lines = [s];
  if (s.includes('<')) lines = s.split(BR).map((l) => l.replace(TAG, ''));
  lines = lines.map(unescapeLine);
  return { fence: false, lines };
}

function unescapeLine(line: string): string {
  let s = line;
  if (s.includes('\\')) s = s.replace(ESCAPE, (m, c: string, at: number) => (c === '_' && isTreeArt(s, at) ? m : c));
  if (s.includes('&')) s = s.replace(ENTITY, decodeEntity);
  if (s.charCodeAt(0) === 32 && s.length > 1) {
    const t = s.trimStart();
    if (parseLogPrefix(t)) return t;
  }
  return s;
}

/** `ps f` draws children as " \_ name": a `\_` followed by a blank or the end. */
function isTreeArt(s: string, at: number): boolean {
  const after = s.charCodeAt(at + 2);
  return Number.isNaN(after) || after === 32;
}

function decodeEntity(m: string, name: string | undefined, dec: string | undefined, hex: string | undefined): string {
  if (name) return NAMED[name];
  const code = dec ? Number(dec) : parseInt(hex!, 16);
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
}

function fenceLine(s: string): MarkdownLine | null {
  const c = s.charCodeAt(0);
  if (c !== 96 && c !== 126 && c !== 32) return null;
  const m = FENCE.exec(s);
  if (m) {
    // "```4.15.0-45-generic```": code on one line, not a fence.
    const inline = /^\s*(`{3,})([^`]+)\1\s*$/.exec(s);
    if (inline) return { fence: false, lines: [inline[2].trim()] };
    // "```docker ps -a | grep influx": more than a language tag is a command worth reading.
    const info = m[1].trim();
    const command = /\s/.test(info) && !info.includes('`') ? [info] : [];
    return { fence: true, lines: command };
  }
  const t = s.trim();
  if (t === '`' || t === '``') return { fence: true, lines: [] };
  return null;
}

/** "`ps -ef`" -> "ps -ef"; a lone backtick opening or closing a multi-line span is dropped. */
function stripLineBackticks(s: string): string {
  const first = s.indexOf('`');
  if (first < 0) return s;
  const last = s.lastIndexOf('`');
  const t = s.trim();
  if (first !== last) {
    if (t.startsWith('`') && t.endsWith('`') && s.indexOf('`', first + 1) === last) return s.slice(0, first) + s.slice(first + 1, last) + s.slice(last + 1);
    return s;
  }
  if (t.startsWith('`') || t.endsWith('`')) return s.slice(0, first) + s.slice(first + 1);
  return s;
}
