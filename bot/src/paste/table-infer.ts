import { CATALOGUE, col, type Column, type TableLayout } from './ps-columns';
import { parseRow, ROW_TOKENS } from './ps-row';
import { isCut, isHex, isState, isTime, isTty, isUint, scanTokens, startWidth, type Token } from './table-cells';

/**
 * Header-less tables: the layout of a block of rows is inferred by typing its
 * cells across the whole block. First the layouts of the common option sets
 * (and the one a preceding command or header implies) are tried on every
 * row; when none fits, the columns are typed one by one (integers, state
 * tokens, tty, times, wait channels) and given roles by their shape and their
 * values (a column whose values are the pids of other rows, or 0/1, is PPID).
 */

const SCAN = 16;

/**
 * Could this line be a row of a header-less ps / top / crash table? Cheap: it
 * needs an integer cell and one more table-shaped cell (a state, tty, time,
 * address, second integer, bracketed or tree-drawn command, "<defunct>").
 */
export function isCandidate(line: string): boolean {
  if (line.length > 8192) return false;
  const tokens = scanTokens(line, SCAN);
  if (tokens.length < 2) return false;
  let ints = 0;
  let shaped = 0;
  for (const { text } of tokens) {
    if (isUint(text)) ints++;
    else if (
      isState(text) ||
      isTty(text) ||
      isTime(text) ||
      isHex(text) ||
      isCut(text) ||
      text === '\\_' ||
      text === '<defunct>' ||
      text === '>' ||
      (text.length > 2 && text[0] === '[' && text[text.length - 1] === ']')
    )
      shaped++;
  }
  if (!ints || ints + shaped < 2) return false;
  // A task line of a sysrq / hung-task dump ("kworker/0:1  D  0  38  2 0x00000000") belongs to the kernel log reader.
  return !tokens[tokens.length - 1].text.startsWith('0x');
}

export interface Inferred {
  layout: TableLayout;
  /** Per row: read with the layout (true) or not a row of it. */
  fit: boolean[];
}

const SAMPLE = 24;

/** The layout that reads most rows of the block; null when the block is not a table. Hints are tried first and win ties. */
export function inferLayout(lines: readonly string[], hints: readonly (TableLayout | null)[]): Inferred | null {
  let best: Inferred | null = null;
  let bestCount = 0;
  const tokens = lines.map((l) => scanTokens(l, ROW_TOKENS));
  const sample = Math.min(lines.length, SAMPLE);
  const candidates = [...hints.filter((h): h is TableLayout => h !== null), ...CATALOGUE];
  const fits = (layout: TableLayout, i: number): boolean => parseRow(layout, lines[i], true, tokens[i]) !== null;
  for (const layout of candidates) {
    let any = false;
    for (let i = 0; i < sample && !any; i++) any = fits(layout, i);
    if (!any) continue;
    const fit = lines.map((_l, i) => fits(layout, i));
    const count = fit.filter(Boolean).length;
    if (count > bestCount) {
      best = { layout, fit };
      bestCount = count;
    }
    if (count === lines.length) return best;
  }
  if (best && bestCount * 2 >= lines.length) return best;
  const typed = typeColumns(tokens.slice(0, sample));
  if (typed) {
    const fit = lines.map((l) => parseRow(typed, l, true) !== null);
    const count = fit.filter(Boolean).length;
    if (count > bestCount) return { layout: typed, fit };
  }
  return best;
}

type Kind = 'U' | 'ST' | 'TTY' | 'TIME' | 'START' | 'HEX' | 'NUM' | 'W' | 'WORD';

function kindOf(s: string): Kind {
  if (isUint(s)) return 'U';
  if (isState(s)) return 'ST';
  if (isTty(s) && s !== '-') return 'TTY';
  if (isTime(s)) return 'TIME';
  if (/^[A-Z][a-z]{2}\d\d$/.test(s)) return 'START';
  if (/^-?\d+\.\d+%?$/.test(s)) return 'NUM';
  if (/^0x[0-9a-f]+$|^[0-9a-f]{12,16}$/.test(s)) return 'HEX';
  if (s === '-' || /^[a-z_][a-z0-9_.]*_[a-z0-9_.]*$/.test(s)) return 'W';
  return 'WORD';
}

/** One cell of a row: a token, or the several tokens of a start time ("Tue Apr  9 07:02:11 2024", "Jul 30"). */
interface Cell {
  kind: Kind;
  tokens: Token[];
}

function cellsOf(tokens: readonly Token[]): Cell[] {
  const cells: Cell[] = [];
  for (let i = 0; i < tokens.length;) {
    const w = startWidth(tokens, i, true);
    if (w >= 2) {
      cells.push({ kind: 'START', tokens: tokens.slice(i, i + w) });
      i += w;
      continue;
    }
    cells.push({ kind: kindOf(tokens[i].text), tokens: [tokens[i]] });
    i++;
  }
  return cells;
}

/** Start times print as a clock within the day and as a date before: one column. */
const together = (a: Kind, b: Kind): Kind | null => (a === b ? a : (a === 'TIME' || a === 'START') && (b === 'TIME' || b === 'START') ? 'START' : null);

const CELL: Record<Kind, Column['cell']> = { U: 'uint', ST: 'state', TTY: 'tty', TIME: 'time', START: 'start', HEX: 'hex', NUM: 'num', W: 'wchan', WORD: 'any' };

/**
 * Column roles from cell shapes (`ps -eo pid,ppid,stat,wchan:32,comm | grep D`
 * pasted without its command): the fixed columns are the leading positions
 * whose cells have one shape in every row; the rest of the row is the command.
 */
function typeColumns(scanned: readonly (readonly Token[])[]): TableLayout | null {
  const rows: Cell[][] = [];
  for (const all of scanned) {
    const t = all.slice(0, SCAN);
    const cut = t.findIndex((x) => isCut(x.text));
    const cells = cellsOf(cut >= 0 ? t.slice(0, cut) : t);
    if (cells.length >= 2) rows.push(cells);
  }
  if (!rows.length) return null;
  const shortest = Math.min(...rows.map((r) => r.length));
  const kinds: Kind[] = [];
  for (let p = 0; p < shortest; p++) {
    let k: Kind | null = rows[0][p].kind;
    for (const r of rows) if (k) k = together(k, r[p].kind);
    if (!k) break;
    kinds.push(k);
  }
  // The last cell of the shortest row starts the command unless every row ends on a typed cell there.
  const sameLength = rows.every((r) => r.length === shortest);
  let fixed = kinds.length;
  if (fixed === shortest && !(sameLength && kinds[fixed - 1] !== 'WORD')) fixed--;
  const head = kinds.slice(0, fixed);
  const stateAt = head.indexOf('ST');
  const pidAt = head.indexOf('U');
  if (stateAt < 0 || head.lastIndexOf('ST') !== stateAt || pidAt < 0 || pidAt > 2) return null;
  if (head.filter((k) => k === 'WORD').length > 1) return null;
  if (rows.length === 1 && fixed < 3) return null;
  const columns: Column[] = head.map((k) => col(k === 'START' ? 'start' : 'skip', CELL[k]));
  columns[pidAt] = col('pid', 'uint');
  columns[stateAt] = col('state', 'state');
  const second = pidAt + 1;
  if (head[second] === 'U') columns[second] = col(secondInteger(rows, pidAt), 'uint');
  const wchanAt = head.indexOf('W');
  if (wchanAt >= 0) columns[wchanAt] = col('wchan', 'wchan');
  const wordAt = head.indexOf('WORD');
  if (wordAt === 0 && pidAt === 1) columns[0] = col('user', 'user');
  else if (wordAt >= 0) columns[wordAt] = col(fixed === shortest && sameLength ? 'comm' : 'skip', 'any');
  if (fixed < shortest || !sameLength) columns.push(col('command'));
  return { name: 'typed', columns, kind: 'ps', source: 'inferred' };
}

/**
 * The integer column right after PID: LWP when a row repeats its pid there or
 * a pid comes back with other values (threads), PPID otherwise.
 */
function secondInteger(rows: readonly Cell[][], pidAt: number): 'tid' | 'ppid' {
  const seen = new Map<string, string>();
  for (const r of rows) {
    const pid = r[pidAt].tokens[0].text;
    const next = r[pidAt + 1].tokens[0].text;
    if (pid === next) return 'tid';
    const other = seen.get(pid);
    if (other !== undefined && other !== next) return 'tid';
    seen.set(pid, next);
  }
  return 'ppid';
}
