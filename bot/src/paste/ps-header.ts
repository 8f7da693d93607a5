import { col, HEADER_WORDS, isCommandRole, LEFT_ALIGNED, WCHAN_DEFAULT_WIDTH, type Column, type TableLayout } from './ps-columns';
import { scanTokens } from './table-cells';

/**
 * The header line of a ps, top, busybox or crash table, any column order:
 *   "  PID USER      PR  NI    VIRT    RES    SHR S  %CPU %MEM     TIME+ COMMAND"
 *   "F S   UID     PID    PPID  C PRI  NI ADDR SZ WCHAN  TTY          TIME CMD"
 *   "   PID    PPID  CPU       TASK        ST  %MEM     VSZ    RSS  COMM"
 *   "STAT WCHAN                            COMMAND"          (ps -o stat,wchan:32,comm -p N)
 * A header names a PID, LWP or TID column, or else is made only of column
 * names ps knows and holds a STAT or WCHAN column.
 */
export interface HeaderContext {
  /** The lines come from top: COMMAND is the task name unless top was run with -c. */
  top: boolean;
  topCmdline?: boolean;
  /** top -H: PID is a thread id; topPid: the -p process they belong to. */
  topThreads?: boolean;
  topPid?: number;
}

const LABEL = /^[A-Z%][A-Za-z0-9%+_]*$|^nTH$/;
const MAX_HEADER_COLUMNS = 40;

export function parseHeader(line: string, ctx: HeaderContext): TableLayout | null {
  if (line.length > 2000) return null;
  // Every word of a header is a LABEL: the first one starts with a capital, "%" or the n of nTH (most lines fail here).
  let i = 0;
  while (isBlank(line.charCodeAt(i))) i++;
  const first = line.charCodeAt(i);
  if (!((first >= 65 && first <= 90) || first === 37 || first === 110)) return null;
  const tokens = scanTokens(line, MAX_HEADER_COLUMNS + 1);
  if (tokens.length < 2 || tokens.length > MAX_HEADER_COLUMNS) return null;
  const words = tokens.map((t) => t.text);
  if (!words.every((w) => LABEL.test(w))) return null;
  const hasId = words.some((w) => w === 'PID' || w === 'LWP' || w === 'TID' || w === 'SPID' || w === 'TGID');
  if (!hasId && !(words.every((w) => Object.hasOwn(HEADER_WORDS, w)) && words.some((w) => w === 'STAT' || w === 'WCHAN' || w === 'S'))) return null;
  const crash = words.includes('TASK') && words.includes('ST');
  const top = ctx.top || words.includes('PR') || words.includes('VIRT') || words.includes('TIME+');
  const busyboxTop = words.includes('%VSZ');
  const columns: Column[] = tokens.map((t, i) => {
    const w = t.text;
    const [role, cell] = Object.hasOwn(HEADER_WORDS, w) ? HEADER_WORDS[w] : (['skip', 'any'] as const);
    if (role === 'command' && top && !busyboxTop) return col(ctx.topCmdline ? 'cmd' : 'comm');
    if (role === 'command' && crash) return col('comm');
    if (role === 'wchan') return col('wchan', 'wchan', wchanWidth(tokens, i));
    return col(role, cell);
  });
  // Only the last column may hold spaces; a command column elsewhere is one word.
  columns.forEach((c, i) => {
    if (i < columns.length - 1 && isCommandRole(c.role)) c.role = 'comm';
  });
  const kind = crash ? 'crash-ps' : top || busyboxTop ? 'top' : 'ps';
  const layout: TableLayout = { name: words.join(' '), columns, kind, source: 'header' };
  if (crash) {
    layout.pidIsTid = true;
    layout.marker = true;
  }
  if (top && ctx.topThreads) {
    layout.pidIsTid = true;
    layout.tgid = ctx.topPid;
  }
  return layout;
}

/** What scanTokens takes for a blank. */
const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 11 || c === 12 || c === 13 || c === 160;

/**
 * How wide ps printed the WCHAN column: the distance to the next label when
 * that label is left-aligned (ps pads a left-aligned label to its width), the
 * ps -l default (6) when the header is the -l / l long format.
 */
function wchanWidth(tokens: readonly { text: string; start: number }[], i: number): number | undefined {
  const next = tokens[i + 1];
  if (!next) return undefined;
  if (LEFT_ALIGNED.has(next.text)) return Math.max(next.start - tokens[i].start - 1, 'WCHAN'.length);
  const words = tokens.map((t) => t.text);
  if (words.includes('ADDR') || (words.includes('F') && words.includes('VSZ'))) return WCHAN_DEFAULT_WIDTH;
  return undefined;
}

/**
 * A header read together with the command that printed it: the command knows
 * what the header cannot (comm or args under COMMAND, wchan:N, -p N), the header
 * what the command may get wrong (an alias, a wrapper, the real column order).
 */
export function mergeWithCommand(header: TableLayout, command: TableLayout | null, onlyPid?: number): TableLayout {
  const merged: TableLayout = { ...header, onlyPid: header.columns.some((c) => c.role === 'pid' || c.role === 'tid') ? undefined : onlyPid };
  if (!command || command.columns.length !== header.columns.length) return merged;
  const same = header.columns.every((h, i) => {
    const c = command.columns[i];
    return h.role === c.role || h.role === 'skip' || c.role === 'skip' || (isCommandRole(h.role) && isCommandRole(c.role));
  });
  if (!same) return merged;
  merged.columns = header.columns.map((h, i) => {
    const c = command.columns[i];
    if (isCommandRole(h.role) && isCommandRole(c.role)) return { ...h, role: c.role };
    if (h.role === 'wchan' && c.width) return { ...h, width: c.width };
    return h.role === 'skip' && c.role !== 'skip' ? { ...c } : h;
  });
  merged.tree = command.tree;
  return merged;
}
