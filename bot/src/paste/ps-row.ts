import type { Task } from '../evidence/evidence';
import { isCommandRole, type Column, type Role, type TableLayout } from './ps-columns';
import { fits, isCut, scanTokens, startWidth, type Token } from './table-cells';

/**
 * One row of a ps / top / crash table read with a layout. The command column
 * is the rest of the line: its tree art ("\_ ", "|") gives the indentation a
 * parent link is derived from, "[name]" means no command line (a kernel
 * thread, or a process that has exited), "<defunct>" a zombie.
 */
export interface Row {
  /** Thread id, or the pid when the table lists processes; 0 when the table has no PID column. */
  tid: number;
  facts: Partial<Task>;
  /** Where the command's first character sits in its cell (after spaces and tree art). */
  indent: number;
  /** The command is drawn under "\_" tree art. */
  art: boolean;
  /** The row stops before its last columns (cut by the person: "[...]", or cut by the terminal). */
  truncated: boolean;
}

const CRASH_STATE: Record<string, string> = { RU: 'R', IN: 'S', UN: 'D', ZO: 'Z', ST: 'T', TR: 't', DE: 'X', SW: 'S', ID: 'I', NE: 'R', PA: 'P', WA: 'S', TK: 'D' };
export const crashState = (st: string): string | undefined => (Object.hasOwn(CRASH_STATE, st) ? CRASH_STATE[st] : undefined);

/** Enough tokens for any layout's fixed columns, lstart included. */
export const ROW_TOKENS = 48;

/** Roles a header table still checks (the rest it takes as printed). */
const KEY_ROLES = new Set<Role>(['pid', 'tid', 'ppid', 'state', 'crash-state', 'nlwp']);

/**
 * Reads a row; null when the line is not a row of this layout. `strict`:
 * every cell must have its column's shape (no header vouches for the layout).
 * `scanned`: the line's first ROW_TOKENS tokens, when the caller tries many layouts on one line.
 */
export function parseRow(layout: TableLayout, line: string, strict: boolean, scanned?: readonly Token[]): Row | null {
  let text = line;
  if (layout.marker) {
    const gt = /^\s*>/.exec(text);
    if (gt) text = ' '.repeat(gt[0].length) + text.slice(gt[0].length);
  }
  const cols = layout.columns;
  const tokens = scanned && !layout.marker && cols.length + 8 <= ROW_TOKENS ? scanned : scanTokens(text, cols.length + 8);
  const facts: Partial<Task> = {};
  let pid: number | undefined;
  let tid: number | undefined;
  let indent = 0;
  let art = false;
  let truncated = false;
  let i = 0;
  let c = 0;
  for (; c < cols.length; c++) {
    const column = cols[c];
    const last = c === cols.length - 1;
    if (last && isCommandRole(column.role)) {
      if (i < tokens.length && !isCut(tokens[i].text)) {
        const from = i > 0 ? tokens[i - 1].end + 1 : 0;
        const cmd = readCommand(text.slice(from), column.role, layout.kind === 'crash-ps', facts);
        indent = cmd.indent;
        art = cmd.art;
      } else truncated = true;
      i = tokens.length;
      c++;
      break;
    }
    if (i >= tokens.length || isCut(tokens[i].text)) {
      truncated = true;
      break;
    }
    if (column.role === 'start') {
      const w = startWidth(tokens, i, strict);
      if (!w) return null;
      facts.started = joinTokens(tokens, i, w);
      i += w;
      continue;
    }
    const tok = tokens[i++].text;
    if ((strict || KEY_ROLES.has(column.role)) && !fits(column.cell, tok)) return null;
    switch (column.role) {
      case 'pid':
        pid = Number(tok);
        break;
      case 'tid':
        tid = Number(tok);
        break;
      case 'ppid':
        facts.ppid = Number(tok);
        break;
      case 'state':
        facts.state = tok[0];
        facts.stateExtra = tok.slice(1);
        break;
      case 'crash-state':
        facts.state = crashState(tok);
        break;
      case 'wchan':
        readWchan(facts, tok, column);
        break;
      case 'user':
        facts.user = tok;
        break;
      case 'nlwp':
        facts.numThreads = Number(tok);
        break;
      case 'pcpu':
        if (/^[\d.]+%?$/.test(tok)) facts.cpuPct = Number(tok.replace('%', ''));
        break;
      case 'cgroup':
        if (tok !== '-') facts.cgroupPath = cgroupPath(tok);
        break;
      case 'pidns':
        facts.pidNsInode = Number(tok);
        break;
      case 'sig-pending':
        facts.sigPending = tok;
        break;
      case 'sig-blocked':
        facts.sigBlocked = tok;
        break;
      case 'sig-ignored':
        facts.sigIgnored = tok;
        break;
      case 'sig-caught':
        facts.sigCaught = tok;
        break;
      case 'comm':
      case 'cmd':
      case 'command':
        readCommand(tok, 'comm', layout.kind === 'crash-ps', facts);
        break;
      default:
        break;
    }
  }
  // Cells left over: not this layout (a command column would have taken them).
  if (!truncated && i < tokens.length) return null;
  if (truncated && !readEnough(cols, c)) return null;
  if (layout.pidIsTid && pid !== undefined && tid === undefined) {
    tid = pid;
    pid = layout.tgid;
  }
  if (pid === undefined && tid === undefined && layout.onlyPid) pid = layout.onlyPid;
  if (pid !== undefined) facts.pid = pid;
  const key = tid ?? pid ?? 0;
  if (!key && facts.state === undefined && facts.wchan === undefined && facts.comm === undefined) return null;
  if (facts.ppid === 2 || key === 2) facts.isKernelThread = true;
  return { tid: key, facts, indent, art, truncated };
}

/** A cut row still says something when its identity and state were printed before the cut. */
function readEnough(cols: readonly Column[], upTo: number): boolean {
  if (upTo < 2) return false;
  for (let c = upTo; c < cols.length; c++) if (['pid', 'tid', 'state', 'crash-state'].includes(cols[c].role)) return false;
  return cols.slice(0, upTo).some((c) => c.role === 'pid' || c.role === 'tid' || c.role === 'state');
}

function joinTokens(tokens: readonly Token[], from: number, n: number): string {
  const out: string[] = [];
  for (let k = from; k < from + n; k++) out.push(tokens[k].text);
  return out.join(' ');
}

function readWchan(facts: Partial<Task>, tok: string, column: Column): void {
  if (tok === '-' || tok === '0') return;
  facts.wchan = tok;
  if (column.width && tok.length === column.width) facts.wchanWidth = column.width;
}

/** `ps -o cgroup`: "0::/kubepods/..." (v2) or "12:freezer:/kubepods/...,11:...": the first path. */
function cgroupPath(tok: string): string {
  const first = tok.split(',')[0];
  const at = first.indexOf(':/');
  return at >= 0 ? first.slice(at + 1) : first;
}

const DEFUNCT = ['<defunct>', '\\<defunct\\>'];

/**
 * The command cell: tree art, "[name]", "<defunct>", args or a task name.
 * `role` says what ps printed there: args (cmd), the task name (comm), or a
 * COMMAND header that can be either (command), told apart by content.
 */
export function readCommand(raw: string, role: Role, crash: boolean, facts: Partial<Task>): { indent: number; art: boolean } {
  let i = 0;
  let art = false;
  while (i < raw.length) {
    const ch = raw[i];
    if (ch === ' ' || ch === '|' || ch === '\t' || ch === '│') {
      i++;
      continue;
    }
    // "\_ " of ps f / --forest, "`- " of top's forest view.
    if ((ch === '\\' && raw[i + 1] === '_') || (ch === '`' && raw[i + 1] === '-')) {
      art = true;
      i += 2;
      continue;
    }
    break;
  }
  let text = raw.slice(i).trimEnd();
  // An inline-code backtick closing after the command (markdown).
  if (text.length > 2 && text.endsWith('`') && /\s/.test(text[text.length - 2])) text = text.slice(0, -1).trimEnd();
  for (const d of DEFUNCT) {
    if (text.endsWith(d)) {
      text = text.slice(0, -d.length).trimEnd();
      facts.state ??= 'Z';
    }
  }
  if (!text || isCut(text)) return { indent: i, art };
  if (text.length > 2 && text[0] === '[' && text[text.length - 1] === ']' && !text.includes(' ')) {
    facts.comm = text.slice(1, -1);
    if (crash) facts.isKernelThread = true;
    else facts.cmdline = '';
    return { indent: i, art };
  }
  // A task name never starts with "/": that is a command line (top -c, a mislabelled column).
  if ((role === 'comm' && text[0] !== '/') || (role === 'command' && !looksLikeArgs(text))) {
    facts.comm = text;
    return { indent: i, art };
  }
  facts.cmdline = text;
  facts.comm = taskName(text);
  return { indent: i, art };
}

/** A command line rather than a task name: it has arguments or a path. */
function looksLikeArgs(text: string): boolean {
  return /\s/.test(text) || text[0] === '/' || text[0] === '-' || text.startsWith('./') || text.length > 15;
}

/** The task name a command line runs as: "/usr/bin/python3 x" → python3, "-bash" → bash, "postgres: logger" → postgres. */
export function taskName(cmdline: string): string {
  const first = cmdline.split(/\s/, 1)[0].replace(/^-/, '');
  const base = first.slice(first.lastIndexOf('/') + 1).replace(/:$/, '');
  return base.slice(0, 15) || '?';
}
