/**
 * Marks people leave where they cut a paste: a line that is only "[...]",
 * "...", "…", "[snip]", "<snip>", "(...)", "-- snip --", "[ ... ]",
 * "[... 200 lines omitted ...]", "8<----"; and a bracketed "[...]" closing
 * (or opening) a line whose rest was cut. Lists and reports around a cut are
 * partial. Scanned by hand or with anchored, bounded patterns: linear.
 */
const MAX_MARK = 80;
const DOTS = /^(?:\.{2,}|…+|\. \. \.)$/;
const WORD = /^(?:(?:\.{2,}|…)\s*)?(?:snip(?:ped)?|cut(?: here)?|truncated|trimmed|omitted|elided|skipped|removed for brevity)(?:\s*(?:\.{2,}|…))?$/i;
const COUNT =
  /^(?:(?:\.{2,}|…)\s*)?(?:(?:and|plus)\s+)?\d+\s+(?:more\s+)?(?:lines?|entries|frames|tasks|processes|rows|similar)(?:\s+(?:more|omitted|snipped|truncated|skipped|removed|elided|hidden|not shown|deleted))?(?:\s*(?:\.{2,}|…))?$/i;
const MISSING = /\.\.|…|more|omitted|snipped|truncated|skipped|removed|elided|hidden|not shown|deleted/i;
/** What a mark can start with (a quick test first: most lines start otherwise). */
const MARK_START = '[(<{-=~*#_.…>8';
const WORD_START = /^(?:sni|cut|tru|tri|omi|eli|ski|rem|and|plu)/i;

/** Can a mark start at i? Not a log time ("[  12.3]"), a footnote ("[1]") or a word other than a cut word. */
function mayStartMark(line: string, i: number): boolean {
  const c = line.charCodeAt(i);
  if (c >= 48 && c <= 57) return true;
  if (c === 91 /* [ */) {
    let j = i + 1;
    while (line.charCodeAt(j) === 32) j++;
    if (line.charCodeAt(j) < 48 || line.charCodeAt(j) > 57) return true;
    while (line.charCodeAt(j) >= 48 && line.charCodeAt(j) <= 57) j++;
    return line.charCodeAt(j) === 32;
  }
  if (MARK_START.includes(line[i])) return true;
  return WORD_START.test(line.slice(i, i + 3));
}
const SCISSORS = /^-*\s*(?:8<|>8)\s*-*$/;
const OPEN = '[(<{-=~*#_ ';
const CLOSE = '])>}-=~*#_ ';

/** Is the whole line a cut mark? */
export function isCutLine(line: string): boolean {
  let from = 0;
  let to = line.length;
  while (from < to && line.charCodeAt(from) === 32) from++;
  while (to > from && line.charCodeAt(to - 1) === 32) to--;
  if (from === to || to - from > MAX_MARK || !mayStartMark(line, from)) return false;
  const t = line.slice(from, to);
  if (SCISSORS.test(t)) return true;
  let a = 0;
  let b = t.length;
  while (a < b && OPEN.includes(t[a])) a++;
  while (b > a && CLOSE.includes(t[b - 1])) b--;
  const inner = t.slice(a, b).trim();
  if (inner === '') return false;
  // "(2 rows)" is a count, not a cut: a count needs dots or a word that says lines went missing.
  return DOTS.test(inner) || WORD.test(inner) || (COUNT.test(inner) && MISSING.test(inner));
}

const BRACKETED = /^(?:\[\s*(?:\.{3}|…)\s*\]|\(\s*(?:\.{3}|…)\s*\)|\[snip\])$/i;

/** What `\s` matches. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * A line cut short or cut at its start: "... waiting for container [...]",
 * "[...] flags:0x4000". The line keeps its mark (a table reader reads a cut
 * cell as "the columns after this are unknown"); the cut is recorded.
 */
export function hasInlineCut(line: string): boolean {
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) === 32) end--;
  const c = line.charCodeAt(end - 1);
  if (c === 93 /* ] */ || c === 41 /* ) */) {
    const from = Math.max(0, end - 9);
    const at = line.lastIndexOf(c === 93 ? '[' : '(', end - 1);
    const open = at >= from ? at : from - 1;
    if (open > from - 1 && open > 0 && line.charCodeAt(open - 1) === 32 && BRACKETED.test(line.slice(open, end))) return true;
  }
  let lead = 0;
  while (line.charCodeAt(lead) === 32) lead++;
  // "[...]", "[ … ]", "[snip]" (BRACKETED, any case): after the bracket and its blanks, a dot, an ellipsis or an s.
  let after = lead + 1;
  while (isSpace(line.charCodeAt(after))) after++;
  const d = line.charCodeAt(after);
  if (line.charCodeAt(lead) === 91 /* [ */ && (d === 46 || d === 0x2026 || d === 115 || d === 83)) {
    const at = line.indexOf(']', lead);
    const close = at >= 0 && at < lead + 9 ? at : lead - 1;
    if (close > lead && line.charCodeAt(close + 1) === 32 && BRACKETED.test(line.slice(lead, close + 1))) return true;
  }
  return false;
}
