/**
 * Metamorphic variants of a corpus paste (issue 13): the same evidence as
 * people really paste it — quoted, line-numbered, without timestamps, ps
 * tables without their header, with columns in another order, as `ps f` tree
 * art, thread- or process-level, with `ps -l`'s 6-character wait channels,
 * with rows cut to `[...]`, a stack told in a sentence.
 *
 * The generator is deliberately independent of the readers under test (its
 * own small table grammar, its own timestamp patterns) and exact for the
 * shapes it claims: a table it cannot rewrite as the tool would have printed
 * it, or a rewrite that would drop a fact the rewritten form cannot carry,
 * is a skip with a reason, never a guess.
 */
import type { CorpusCase } from './corpus-cases';

export type TransformName =
  | 'quote >'
  | 'quote >>'
  | 'line numbers cat -n'
  | 'line numbers grep -n'
  | 'line numbers editor gutter'
  | 'kernel timestamps stripped'
  | 'ps header removed'
  | 'ps columns reordered'
  | 'PPID as tree art'
  | 'process-level to thread-level'
  | 'thread-level to process-level'
  | 'wchan truncated to 6'
  | 'rows elided'
  | 'stack restated in a sentence';

export interface Variant {
  text: string;
  /** 1-based numbers of the lines of `text` that the transformation wrote (the moved evidence). */
  changed: number[];
  /** What was done, for failure messages. */
  note: string;
  /** Table rewrites: the thread ids (LWP, else PID) of the rows rewritten, which must be read as the same tasks. */
  rows?: number[];
}

export interface Skip {
  skip: string;
}

export type Outcome = Variant | Skip;

export const isSkip = (o: Outcome): o is Skip => 'skip' in o;

interface OutLine {
  text: string;
  changed: boolean;
}

function assemble(out: OutLine[], note: string): Variant {
  return {
    text: out.map((l) => l.text).join('\n'),
    changed: out.flatMap((l, i) => (l.changed ? [i + 1] : [])),
    note,
  };
}

/** The lines of a paste; a final newline is not a line of its own. */
function linesOf(input: string): string[] {
  const lines = input.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// ---------------------------------------------------------------- whole-paste transformations

function prefixEvery(c: CorpusCase, prefix: (n: number, line: string) => string, note: string): Outcome {
  const lines = linesOf(c.input);
  return assemble(
    lines.map((l, i) => ({ text: prefix(i + 1, l), changed: true })),
    note,
  );
}

/** `> ` on every line as a mail client or GitHub "quote reply" writes it (an empty line becomes `>`). */
const quote =
  (marker: string) =>
  (c: CorpusCase): Outcome =>
    prefixEvery(c, (_n, l) => (l === '' ? marker : `${marker} ${l}`), `every line quoted with "${marker} "`);

/** `cat -n`: the number right-aligned in 6 columns, a tab, the line (empty lines are numbered too). */
const catN = (c: CorpusCase): Outcome => prefixEvery(c, (n, l) => `${String(n).padStart(6)}\t${l}`, 'cat -n numbering');

/** `grep -n '' FILE`: "N:line". */
const grepN = (c: CorpusCase): Outcome => prefixEvery(c, (n, l) => `${n}:${l}`, 'grep -n numbering');

/** An editor gutter ("  12 | line"): numbers right-aligned to the widest, two spaces before, " | " after. */
const gutter = (c: CorpusCase): Outcome => {
  const width = String(linesOf(c.input).length).length;
  return prefixEvery(c, (n, l) => `  ${String(n).padStart(width)} |${l === '' ? '' : ` ${l}`}`, 'editor gutter numbering');
};

// ---------------------------------------------------------------- kernel timestamps

const DMESG = /^(\s*)\[\s*\d+\.\d+\] ?/;
const DMESG_T = /^(\s*)\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d \d{4}\] ?/;
/** syslog / journalctl kernel lines, with an optional `<N>` priority and the kernel's own `[secs]` after "kernel:". */
const SYSLOG_KERNEL =
  /^(\s*)(?:<\d+>)?(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) \S+ kernel: (?:\[\s*\d+\.\d+\] ?)?/;

/**
 * `dmesg -t` for every kernel line: the raw dmesg / dmesg -T stamp, and the
 * whole syslog prefix of kernel lines (date, host, "kernel:", the kernel's
 * own stamp). Lines of other programs keep their prefix: only the kernel's
 * timestamps are stripped.
 */
const stripTimestamps = (c: CorpusCase): Outcome => {
  let stripped = 0;
  const out = linesOf(c.input).map((l) => {
    for (const re of [SYSLOG_KERNEL, DMESG_T, DMESG]) {
      if (re.test(l)) {
        stripped++;
        return { text: l.replace(re, '$1'), changed: true };
      }
    }
    return { text: l, changed: false };
  });
  return stripped ? assemble(out, `${stripped} kernel timestamps stripped`) : { skip: 'no kernel timestamps' };
};

// ---------------------------------------------------------------- the table grammar

/** Header words of procps `ps` (any format) and `top`, with how their values look. */
const PID_LIKE = /^\d+$/;
const COLUMN_VALUES: Record<string, RegExp> = {
  PID: PID_LIKE,
  PPID: PID_LIKE,
  LWP: PID_LIKE,
  TID: PID_LIKE,
  SPID: PID_LIKE,
  TGID: PID_LIKE,
  PGID: PID_LIKE,
  SID: PID_LIKE,
  NLWP: PID_LIKE,
  THCNT: PID_LIKE,
  C: PID_LIKE,
  PSR: PID_LIKE,
  VSZ: PID_LIKE,
  RSS: PID_LIKE,
  SZ: PID_LIKE,
  PRI: /^-?\d+$/,
  NI: /^(?:-?\d+|-)$/,
  PR: /^(?:-?\d+|rt)$/,
  F: /^\d+$/,
  STAT: /^[RSDZTtXxIWPK][<NLsl+]*$/,
  S: /^[RSDZTtXxIWPK][<NLsl+]*$/,
  STATE: /^[RSDZTtXxIWPK][<NLsl+]*$/,
  '%CPU': /^\d+(?:\.\d+)?$/,
  '%MEM': /^\d+(?:\.\d+)?$/,
  TIME: /^(?:\d+-)?\d+:\d\d(?::\d\d)?$/,
  'TIME+': /^\d+:\d\d\.\d\d$/,
  ELAPSED: /^(?:\d+-)?(?:\d+:)?\d+:\d\d$/,
  VIRT: /^\d+(?:\.\d+)?[kmgtKMGT]?$/,
  RES: /^\d+(?:\.\d+)?[kmgtKMGT]?$/,
  SHR: /^\d+(?:\.\d+)?[kmgtKMGT]?$/,
  UID: /^\S+$/,
  USER: /^\S+$/,
  RUSER: /^\S+$/,
  EUSER: /^\S+$/,
  GROUP: /^\S+$/,
  TTY: /^\S+$/,
  TT: /^\S+$/,
  WCHAN: /^\S+$/,
  ADDR: /^\S+$/,
  START: /^\S+$/,
  STIME: /^\S+$/,
  STARTED: /^.+$/,
  CLS: /^\S+$/,
  CMD: /^.*$/,
  COMMAND: /^.*$/,
  ARGS: /^.*$/,
  COMM: /^.*$/,
};
const COMMAND_COLUMNS = new Set(['CMD', 'COMMAND', 'ARGS', 'COMM']);
/** procps prints these right-aligned. */
const RIGHT_ALIGNED = new Set([
  'PID',
  'PPID',
  'LWP',
  'TID',
  'SPID',
  'TGID',
  'PGID',
  'SID',
  'NLWP',
  'THCNT',
  'C',
  'PSR',
  'VSZ',
  'RSS',
  'SZ',
  'PRI',
  'NI',
  'PR',
  '%CPU',
  '%MEM',
  'TIME',
  'TIME+',
  'ELAPSED',
  'STARTED',
  'VIRT',
  'RES',
  'SHR',
]);
const TOP_ONLY = new Set(['PR', 'VIRT', 'RES', 'SHR', 'TIME+']);
const WEEKDAY = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)$/;
const MONTH = /^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$/;

interface Table {
  kind: 'ps' | 'top';
  /** Index (0-based) of the header line in the paste. */
  header: number;
  /** Indices of the row lines, contiguous after the header. */
  rows: number[];
  names: string[];
  /** cells[r][c]: the text of column c in row r as printed (inner spacing kept). */
  cells: string[][];
  commandLast: boolean;
  /** Whitespace every line of the table starts with (tables in markdown are sometimes indented). */
  indent: string;
}

/** A header line of ps or top: every word a known column, a PID-like column among them. */
function parseHeader(line: string): { names: string[]; kind: 'ps' | 'top' } | null {
  const names = line.trim().split(/\s+/);
  if (names.length < 2 || !names.every((n) => Object.hasOwn(COLUMN_VALUES, n))) return null;
  if (!names.some((n) => n === 'PID' || n === 'LWP' || n === 'TID' || n === 'SPID')) return null;
  if (new Set(names).size !== names.length) return null;
  // A command column anywhere but last could hold spaces: not a layout this grammar reads exactly.
  if (names.slice(0, -1).some((n) => COMMAND_COLUMNS.has(n))) return null;
  return { names, kind: names.some((n) => TOP_ONLY.has(n)) ? 'top' : 'ps' };
}

/** Splits a row into the header's columns, or null when the line is not a row of this table. */
function splitRow(line: string, names: string[]): string[] | null {
  const tokens = [...line.matchAll(/\S+/g)].map((m) => ({ text: m[0], start: m.index!, end: m.index! + m[0].length }));
  const cells: string[] = [];
  let i = 0;
  for (let c = 0; c < names.length; c++) {
    const name = names[c];
    if (i >= tokens.length) return null;
    if (c === names.length - 1 && COMMAND_COLUMNS.has(name)) {
      cells.push(line.slice(tokens[i].start).trimEnd());
      i = tokens.length;
      break;
    }
    // lstart ("Sun Mar  3 02:00:04 2024") is five words, `start` of an older day ("Mar 03") two.
    let span = 1;
    if (name === 'STARTED' && WEEKDAY.test(tokens[i].text)) span = 5;
    else if (name === 'STARTED' && MONTH.test(tokens[i].text)) span = 2;
    if (i + span > tokens.length) return null;
    const text = line.slice(tokens[i].start, tokens[i + span - 1].end);
    if (!COLUMN_VALUES[name].test(text)) return null;
    cells.push(text);
    i += span;
  }
  return i === tokens.length ? cells : null;
}

/** Every ps/top table with a header in the paste, rows as far as they parse. */
function findTables(lines: string[]): Table[] {
  const tables: Table[] = [];
  for (let h = 0; h < lines.length; h++) {
    const head = parseHeader(lines[h]);
    if (!head) continue;
    const rows: number[] = [];
    const cells: string[][] = [];
    for (let r = h + 1; r < lines.length; r++) {
      const row = splitRow(lines[r], head.names);
      if (!row) break;
      rows.push(r);
      cells.push(row);
    }
    if (!rows.length) continue;
    tables.push({
      kind: head.kind,
      header: h,
      rows,
      names: head.names,
      cells,
      commandLast: COMMAND_COLUMNS.has(head.names[head.names.length - 1]),
      // Leading blanks before a right-aligned first column are its padding, not an indent.
      indent: RIGHT_ALIGNED.has(head.names[0]) ? '' : [h, ...rows].map((i) => /^\s*/.exec(lines[i])![0]).reduce((a, b) => (a.length <= b.length ? a : b)),
    });
    h = rows[rows.length - 1];
  }
  return tables;
}

/** Prints a table as procps does: each column as wide as its widest cell, one space between, the last column unpadded. */
function renderTable(names: string[], cells: string[][], indent: string): string[] {
  const widths = names.map((n, c) => Math.max(n.length, ...cells.map((r) => r[c].length)));
  const line = (row: string[]): string =>
    indent +
    row
      .map((cell, c) => {
        if (c === names.length - 1) return RIGHT_ALIGNED.has(names[c]) ? cell.padStart(widths[c]) : cell;
        return RIGHT_ALIGNED.has(names[c]) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]);
      })
      .join(' ')
      .trimEnd();
  return [line(names), ...cells.map(line)];
}

// ---------------------------------------------------------------- the command that printed a table

/** Header → `-o` spec printing it, for the fixed formats (-ef, -eLf, aux) rewritten as -o lists. */
const SPEC_FOR_HEADER: Record<string, string> = {
  UID: 'user=UID',
  USER: 'user',
  PID: 'pid',
  PPID: 'ppid',
  LWP: 'lwp',
  C: 'c',
  NLWP: 'nlwp',
  STIME: 'stime',
  TTY: 'tty=TTY',
  TIME: 'time',
  CMD: 'cmd',
  COMMAND: 'command',
  '%CPU': '%cpu',
  '%MEM': '%mem',
  VSZ: 'vsz',
  RSS: 'rss',
  STAT: 'stat',
  START: 'start_time',
};
/** The fixed ps formats: option word → the columns it prints. */
const FIXED_FORMATS: { word: RegExp; names: string[]; threads: boolean }[] = [
  { word: /^-(?:e|A)f$|^-f(?:e|A)$/, names: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], threads: false },
  { word: /^-(?:e|A)Lf$|^-Lef$|^-(?:e|A)fL$|^-fLe$/, names: ['UID', 'PID', 'PPID', 'LWP', 'C', 'NLWP', 'STIME', 'TTY', 'TIME', 'CMD'], threads: true },
  { word: /^-?(?=[auxfw]*a)(?=[auxfw]*u)(?=[auxfw]*x)[auxfw]+$/, names: ['USER', 'PID', '%CPU', '%MEM', 'VSZ', 'RSS', 'TTY', 'STAT', 'START', 'TIME', 'COMMAND'], threads: false },
];

interface PsCommand {
  /** The line with the format rewritten to LIST (threads: as ps -L; extra: options after the list); null when it cannot be said. */
  render(list: string[], threads: boolean | null, extra?: string): string | null;
  /** The -o items as written (e.g. "wchan:32"), one per column. */
  items: string[];
  threads: boolean;
}

/**
 * The ps (or `docker top`) invocation on the line just above a table, with its
 * format as a list of -o items that can be rewritten; null when the line is
 * not a command, undefined when it is one this generator cannot rewrite.
 */
function psCommandAbove(lines: string[], t: Table): PsCommand | null | undefined {
  const above = t.header > 0 ? lines[t.header - 1] : '';
  const m = /(?:^|[\s'"(;|$#>])(ps|docker top \S+)\s+/.exec(above);
  if (!m) return /(?:^|\s)(?:ps|top)(?:\s|$)/.test(above) ? undefined : null;
  const start = m.index + m[0].length;
  const end = above.slice(start).search(/[|;&'")]|$/) + start;
  const args = above.slice(start, end);
  const words = [...args.matchAll(/\S+/g)].map((w) => ({ text: w[0], start: start + w.index!, end: start + w.index! + w[0].length }));
  const threadWord = (w: string): boolean => /^-[A-Za-z]*[LT]/.test(w);
  // -o LIST, -eo LIST, -Lo LIST, -eLo LIST (also after `docker top NAME`), --format LIST
  for (let i = 0; i < words.length; i++) {
    const w = words[i].text;
    if (!/^(?:-[A-Za-z]*o|--format)$/.test(w) || i + 1 >= words.length) continue;
    const items = words[i + 1].text.split(',');
    if (items.length !== t.names.length) return undefined;
    const threads = words.some((x) => threadWord(x.text));
    return {
      items,
      threads,
      render(list, wantThreads, extra) {
        let opt = w;
        let before = above.slice(0, words[i].start);
        if (wantThreads === true && !threads) {
          if (w === '--format') return null;
          opt = `${w.slice(0, -1)}Lo`;
        }
        if (wantThreads === false && threads) {
          if (threadWord(w)) opt = w.replace(/[LT]/, '');
          else if (/(^|\s)-[LT]\s/.test(before)) before = before.replace(/(^|\s)-[LT]\s+/, '$1');
          else return null;
          if (opt === '-') return null;
        }
        return `${before}${opt} ${list.join(',')}${extra ? ` ${extra}` : ''}${above.slice(words[i + 1].end)}`;
      },
    };
  }
  for (const w of words) {
    const fixed = FIXED_FORMATS.find((f) => f.word.test(w.text.replace(/(?<=^-?[A-Za-z]+)w+$/, '')));
    if (!fixed) continue;
    if (fixed.names.join(' ') !== t.names.join(' ')) return undefined;
    return {
      items: fixed.names.map((n) => SPEC_FOR_HEADER[n]),
      threads: fixed.threads,
      // The same columns as an -o list (BSD `ax` selects what -e does).
      render(list, wantThreads, extra) {
        const opt = (wantThreads ?? fixed.threads) ? '-eLo' : '-eo';
        // BSD `f` (auxf) draws the forest: as an -o list that is --forest.
        const forest = !w.text.startsWith('-') && w.text.includes('f') && extra !== '--forest' ? '--forest' : '';
        const more = [extra, forest].filter(Boolean).join(' ');
        return `${above.slice(0, w.start)}${opt} ${list.join(',')}${more ? ` ${more}` : ''}${above.slice(w.end)}`;
      },
    };
  }
  return undefined;
}

interface TableEdit {
  names: string[];
  cells: string[][];
  /** The command's new -o list (required when a command printed the table and the columns change). */
  items?: string[];
  threads?: boolean;
  extra?: string;
  /** Lines to print instead of rendering names and cells. */
  lines?: string[];
  /** The thread ids the rewritten rows show, when not those of the table's rows. */
  rows?: number[];
}

/**
 * Rewrites tables: `edit` returns the new header names and rows and the
 * command's -o list (or a reason to leave the table); the command line above
 * is rewritten to print exactly that. With `keepCommand` the command is left
 * alone (the edit does not change what it prints).
 */
function rewriteTables(c: CorpusCase, which: (t: Table) => boolean, edit: (t: Table, cmd: PsCommand | null) => TableEdit | string, note: string, keepCommand = false): Outcome {
  const lines = linesOf(c.input);
  const tables = findTables(lines).filter(which);
  if (!tables.length) return { skip: 'no table this applies to' };
  const replace = new Map<number, OutLine[]>();
  const drop = new Set<number>();
  const reasons: string[] = [];
  const tids: number[] = [];
  let done = 0;
  for (const t of tables) {
    const cmd = keepCommand ? null : psCommandAbove(lines, t);
    if (cmd === undefined) {
      reasons.push(`line ${t.header + 1}: cannot rewrite the command above the table`);
      continue;
    }
    const e = edit(t, cmd);
    if (typeof e === 'string') {
      reasons.push(`line ${t.header + 1}: ${e}`);
      continue;
    }
    let command: string | null = null;
    if (cmd) {
      command = e.items ? cmd.render(e.items, e.threads ?? null, e.extra) : null;
      if (!command) {
        reasons.push(`line ${t.header + 1}: cannot say the rewrite as this command`);
        continue;
      }
    }
    const rendered = e.lines ?? renderTable(e.names, e.cells, t.indent);
    replace.set(
      t.header,
      rendered.map((text) => ({ text, changed: true })),
    );
    for (const r of t.rows) drop.add(r);
    if (command !== null) replace.set(t.header - 1, [{ text: command, changed: true }]);
    if (!e.lines) tids.push(...(e.rows ?? rowTids(t)));
    done++;
  }
  if (!done) return { skip: reasons.join('; ') || 'nothing to rewrite' };
  const out: OutLine[] = [];
  lines.forEach((l, i) => {
    if (drop.has(i)) return;
    out.push(...(replace.get(i) ?? [{ text: l, changed: false }]));
  });
  const v = assemble(out, `${note} (${done} table${done > 1 ? 's' : ''}${reasons.length ? `; not rewritten: ${reasons.join('; ')}` : ''})`);
  return tids.length ? { ...v, rows: tids } : v;
}

const isPs = (t: Table): boolean => t.kind === 'ps';
/** The thread ids of a table's rows: LWP when printed, else PID. */
const rowTids = (t: Table): number[] => {
  const i = t.names.findIndex((n) => /^(?:LWP|TID|SPID)$/.test(n));
  const p = i >= 0 ? i : t.names.indexOf('PID');
  return p < 0 ? [] : t.cells.map((r) => Number(r[p]));
};
const col = (t: Table, ...names: string[]): number => t.names.findIndex((n) => names.includes(n));

// ---------------------------------------------------------------- table transformations

/** The header line of every ps table deleted (output piped through grep, or copied without it). */
const headerRemoved = (c: CorpusCase): Outcome => {
  const lines = linesOf(c.input);
  const tables = findTables(lines).filter(isPs);
  if (!tables.length) return { skip: 'no ps table with a header' };
  const headers = new Set(tables.map((t) => t.header));
  const out: OutLine[] = [];
  lines.forEach((l, i) => {
    if (headers.has(i)) return;
    out.push({ text: l, changed: tables.some((t) => t.rows.includes(i)) });
  });
  return { ...assemble(out, `${tables.length} ps header line(s) removed`), rows: tables.flatMap(rowTids) };
};

/**
 * The columns of every ps table in reverse order (the command column stays
 * last, as `ps -o` prints a command that is not last truncated), and the -o
 * list of the command above permuted the same way.
 */
const columnsReordered = (c: CorpusCase): Outcome =>
  rewriteTables(
    c,
    isPs,
    (t, cmd) => {
      const n = t.names.length;
      const fixed = t.commandLast ? n - 1 : n;
      if (fixed < 2) return 'fewer than two columns to move';
      const order = [...Array.from({ length: fixed }, (_, i) => fixed - 1 - i), ...(t.commandLast ? [n - 1] : [])];
      return {
        names: order.map((i) => t.names[i]),
        cells: t.cells.map((r) => order.map((i) => r[i])),
        items: cmd ? order.map((i) => cmd.items[i]) : undefined,
        threads: cmd?.threads,
      };
    },
    'ps columns in reverse order',
  );

/**
 * `ps --forest` for a table with PID and PPID: the PPID column dropped, rows
 * in tree order, the command indented with " \_ " and " |  " exactly as
 * procps draws it. procps draws children of pid 1 and rows whose parent is
 * not listed as roots, so the parent of those rows is lost: the rewrite is
 * skipped when such a row is a zombie (its parent is the finding) or when the
 * case rests on parentage to init (orphans, missing-init zombies).
 */
const treeArt = (c: CorpusCase): Outcome => {
  const aboutInit = [...c.expected.must, ...(c.expected.may ?? [])].includes('orphan-accumulation') || [c.expected.zombie_kind ?? []].flat().includes('missing-init');
  return rewriteTables(
    c,
    (t) => isPs(t) && col(t, 'PID') >= 0 && col(t, 'PPID') >= 0 && t.commandLast,
    (t, cmd) => {
      if (col(t, 'LWP', 'TID', 'SPID') >= 0) return 'a thread table: ps draws processes, not threads, as a tree';
      const pi = col(t, 'PID');
      const ppi = col(t, 'PPID');
      const si = col(t, 'STAT', 'S', 'STATE');
      const pids = t.cells.map((r) => r[pi]);
      if (new Set(pids).size !== pids.length) return 'a pid listed twice';
      const listed = new Set(pids);
      const isRoot = (r: string[]): boolean => r[ppi] === '1' || r[ppi] === '0' || !listed.has(r[ppi]);
      if (t.cells.every(isRoot)) return 'no parent of a row is listed: nothing to draw';
      for (const r of t.cells.filter(isRoot)) {
        if (r[ppi] === '0') continue;
        if (si >= 0 && r[si].startsWith('Z')) return `zombie ${r[pi]} would lose its parent ${r[ppi]}`;
        if (si < 0 && /<defunct>/.test(r[r.length - 1])) return `zombie ${r[pi]} would lose its parent ${r[ppi]}`;
        if (aboutInit) return `the case rests on parentage to init and ${r[pi]} would lose its parent ${r[ppi]}`;
      }
      const children = new Map<string, string[][]>();
      for (const r of t.cells) if (!isRoot(r)) children.set(r[ppi], [...(children.get(r[ppi]) ?? []), r]);
      const keep = t.names.map((_, i) => i).filter((i) => i !== ppi);
      const names = keep.map((i) => t.names[i]);
      const cells: string[][] = [];
      // procps: " \_ " before the command of a child, and for each ancestor level above it " |  " while that ancestor has later siblings, "    " when it has none.
      const walk = (r: string[], levels: boolean[]): void => {
        const art = levels.length
          ? `${levels
              .slice(0, -1)
              .map((more) => (more ? ' |  ' : '    '))
              .join('')} \\_ `
          : '';
        cells.push(keep.map((i) => (i === r.length - 1 ? `${art}${r[i]}` : r[i])));
        const kids = children.get(r[pi]) ?? [];
        kids.forEach((k, j) => walk(k, [...levels, j < kids.length - 1]));
      };
      for (const r of t.cells.filter(isRoot)) walk(r, []);
      return {
        names,
        cells,
        items: cmd ? keep.map((i) => cmd.items[i]) : undefined,
        threads: cmd?.threads,
        extra: cmd ? '--forest' : undefined,
      };
    },
    'PPID column replaced by ps --forest tree art',
  );
};

/**
 * `ps -L`: a process table of single-threaded processes (STAT without `l`,
 * or NLWP 1) printed per thread: an LWP column equal to PID. A multi-threaded
 * process's other threads cannot be derived: skip.
 */
const toThreads = (c: CorpusCase): Outcome =>
  rewriteTables(
    c,
    (t) => isPs(t) && col(t, 'PID') >= 0 && col(t, 'LWP', 'TID', 'SPID') < 0,
    (t, cmd) => {
      const pi = col(t, 'PID');
      const si = col(t, 'STAT');
      const ni = col(t, 'NLWP', 'THCNT');
      if (si < 0 && ni < 0) return 'no STAT or NLWP column: threads unknown';
      for (const r of t.cells) {
        if (ni >= 0 ? r[ni] !== '1' : r[si].includes('l')) return `process ${r[pi]} is multi-threaded: its other threads cannot be derived`;
      }
      const at = pi + 1;
      const ins = <T>(xs: T[], x: T): T[] => [...xs.slice(0, at), x, ...xs.slice(at)];
      if (cmd && cmd.items.length !== t.names.length) return 'the -o list does not match the header';
      return {
        names: ins(t.names, 'LWP'),
        cells: t.cells.map((r) => ins(r, r[pi])),
        items: cmd ? ins(cmd.items, 'lwp') : undefined,
        threads: true,
      };
    },
    'process table printed per thread (ps -L)',
  );

/**
 * The reverse: a thread table printed per process, derivable only when every
 * process's leader row is listed and its threads differ from it in nothing but
 * LWP and thread name (a process row shows the leader's state and wchan; a
 * thread in another state or wait would be lost).
 */
const toProcesses = (c: CorpusCase): Outcome =>
  rewriteTables(
    c,
    (t) => isPs(t) && col(t, 'PID') >= 0 && col(t, 'LWP', 'TID', 'SPID') >= 0,
    (t, cmd) => {
      const pi = col(t, 'PID');
      const li = col(t, 'LWP', 'TID', 'SPID');
      const last = t.names.length - 1;
      const groups = new Map<string, string[][]>();
      for (const r of t.cells) groups.set(r[pi], [...(groups.get(r[pi]) ?? []), r]);
      const leaders: string[][] = [];
      for (const [pid, rows] of groups) {
        const leader = rows.find((r) => r[li] === pid);
        if (!leader) return `the leader of ${pid} is not listed`;
        for (const r of rows) {
          const differs = t.names.findIndex((_n, i) => i !== li && !(i === last && t.commandLast) && r[i] !== leader[i]);
          if (differs >= 0) return `thread ${r[li]} of ${pid} differs from its leader in ${t.names[differs]}`;
        }
        leaders.push(leader);
      }
      // `ps -eLf` per process is `ps -ef`: no LWP and no NLWP column.
      const eLf = t.names.join(' ') === FIXED_FORMATS[1].names.join(' ');
      const keep = t.names.map((_n, i) => i).filter((i) => i !== li && !(eLf && t.names[i] === 'NLWP'));
      return {
        names: keep.map((i) => t.names[i]),
        cells: leaders.map((r) => keep.map((i) => r[i])),
        items: cmd ? keep.map((i) => cmd.items[i]) : undefined,
        threads: false,
        rows: leaders.map((r) => Number(r[pi])),
      };
    },
    'thread table printed per process',
  );

/** `ps -l` / `wchan:6`: every wait channel cut to 6 characters. */
const wchan6 = (c: CorpusCase): Outcome =>
  rewriteTables(
    c,
    (t) => isPs(t) && col(t, 'WCHAN') >= 0,
    (t, cmd) => {
      const wi = col(t, 'WCHAN');
      if (!t.cells.some((r) => r[wi].length > 6)) return 'no wait channel longer than 6';
      return {
        names: t.names,
        cells: t.cells.map((r) => r.map((x, i) => (i === wi ? x.slice(0, 6) : x))),
        items: cmd ? cmd.items.map((x, i) => (i === wi ? 'wchan:6' : x)) : undefined,
        threads: cmd?.threads,
      };
    },
    'wait channels cut to 6 characters',
  );

/** Each run of rows that are not key tasks replaced by one `[...]` line (ps and top tables); kept lines as printed. */
const rowsElided = (c: CorpusCase): Outcome => {
  const keyPids = new Set(c.expected.key_tasks.flatMap((k) => (k.pid === null ? [] : [String(k.pid)])));
  const keyComms = c.expected.key_tasks.flatMap((k) => (k.pid === null && k.comm ? [k.comm] : []));
  const lines = linesOf(c.input);
  return rewriteTables(
    c,
    () => true,
    (t) => {
      const ids = t.names.map((n, i) => (/^(?:PID|LWP|TID|SPID)$/.test(n) ? i : -1)).filter((i) => i >= 0);
      const isKey = (r: string[]): boolean =>
        ids.some((i) => keyPids.has(r[i])) || (t.commandLast && keyComms.some((k) => new RegExp(`(?:^|[\\s/\\[])${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:$|[\\s\\]:])`).test(r[r.length - 1])));
      if (t.cells.every(isKey)) return 'every row is a key task';
      const out: string[] = [lines[t.header]];
      t.cells.forEach((r, i) => {
        if (isKey(r)) out.push(lines[t.rows[i]]);
        else if (out[out.length - 1] !== '[...]') out.push('[...]');
      });
      return { names: t.names, cells: t.cells, lines: out };
    },
    'runs of non-key rows replaced by [...]',
    true,
  );
};

// ---------------------------------------------------------------- stacks in prose

const STACK_FRAME = /^\s*\[<[0-9a-f]+>\] (\?\s+)?([\w.]+)\+0x[0-9a-f]+\/0x[0-9a-f]+/;
const STACK_END = /^\s*\[<f{16}>\] 0xf{16}\s*$/;
/** Scheduler and wait primitives a person skips when saying where a task is stuck. */
const GENERIC =
  /^(?:__)?schedule(?:_\w+)?$|^io_schedule\w*$|^preempt_schedule\w*$|^do_wait$|^kernel_wait4$|^__?wait_on_bit\w*$|^out_of_line_wait_on_bit\w*$|^bit_wait\w*$|^wait_for_completion\w*$|^__wait_for_common$|^wait_for_common\w*$|^__?x64_sys_\w+$|^do_syscall_64$|^entry_SYSCALL\w*$/;

/**
 * Each `/proc/PID[/task/TID]/stack` (the command line and its frames) replaced
 * by the sentence "pid N is stuck in FN.", FN the innermost frame that is not
 * a scheduler or wait primitive. Stacks whose pid the line above does not name
 * are left as they are.
 */
const stackInProse = (c: CorpusCase): Outcome => {
  const lines = linesOf(c.input);
  const out: OutLine[] = [];
  let done = 0;
  for (let i = 0; i < lines.length; i++) {
    const target = /\/proc\/(\d+)(?:\/task\/(\d+))?\/stack\b/.exec(lines[i]);
    if (!target || !/\bcat\b/.test(lines[i]) || !STACK_FRAME.test(lines[i + 1] ?? '')) {
      out.push({ text: lines[i], changed: false });
      continue;
    }
    const frames: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const f = STACK_FRAME.exec(lines[j]);
      if (f) {
        if (!f[1]) frames.push(f[2]);
        continue;
      }
      if (STACK_END.test(lines[j])) continue;
      break;
    }
    const fn = frames.find((f) => !GENERIC.test(f)) ?? frames[0];
    out.push({ text: `pid ${target[2] ?? target[1]} is stuck in ${fn}.`, changed: true });
    done++;
    i = j - 1;
  }
  return done ? assemble(out, `${done} /proc stack(s) restated as "pid N is stuck in FN"`) : { skip: 'no /proc/PID/stack whose pid the paste names' };
};

// ----------------------------------------------------------------

export const TRANSFORMS: { name: TransformName; apply: (c: CorpusCase) => Outcome }[] = [
  { name: 'quote >', apply: quote('>') },
  { name: 'quote >>', apply: quote('>>') },
  { name: 'line numbers cat -n', apply: catN },
  { name: 'line numbers grep -n', apply: grepN },
  { name: 'line numbers editor gutter', apply: gutter },
  { name: 'kernel timestamps stripped', apply: stripTimestamps },
  { name: 'ps header removed', apply: headerRemoved },
  { name: 'ps columns reordered', apply: columnsReordered },
  { name: 'PPID as tree art', apply: treeArt },
  { name: 'process-level to thread-level', apply: toThreads },
  { name: 'thread-level to process-level', apply: toProcesses },
  { name: 'wchan truncated to 6', apply: wchan6 },
  { name: 'rows elided', apply: rowsElided },
  { name: 'stack restated in a sentence', apply: stackInProse },
];

/**
 * What a variant drops that the case is scored on: a key pid or key object
 * name the original shows and the variant no longer does (a node named only
 * in syslog prefixes, a parent shown only in a PPID column). Such a variant
 * is not the same evidence: it is skipped.
 */
function dropsKeyEvidence(c: CorpusCase, v: Variant): string | null {
  const words = [...c.expected.key_tasks.flatMap((k) => (k.pid === null ? [] : [String(k.pid)])), ...(c.expected.key_objects ?? []).map((o) => o.name)];
  for (const w of words) {
    const re = new RegExp(`(?<![\\w.-])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`);
    if (re.test(c.input) && !re.test(v.text)) return `the variant drops ${w}, which the case is scored on`;
  }
  return null;
}

/** Every transformation of a case: the variant, or why it does not apply. */
export function variantsOf(c: CorpusCase): { name: TransformName; outcome: Outcome }[] {
  return TRANSFORMS.map((t) => {
    const outcome = t.apply(c);
    if (isSkip(outcome)) return { name: t.name, outcome };
    const drops = dropsKeyEvidence(c, outcome);
    return { name: t.name, outcome: drops ? { skip: drops } : outcome };
  });
}

/** For the generator's own tests. */
export const internals = { findTables, renderTable, splitRow, parseHeader };
