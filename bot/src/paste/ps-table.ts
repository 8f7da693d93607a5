import type { KubeObject, Task } from '../evidence/evidence';
import type { TaskTable } from '../evidence/task-table';
import { parseLogPrefix } from './kernel-log-prefix';
import { parseShellLine } from './shell-context';
import { containerTableFromCommand, parseContainerHeader, parseContainerRow, type ContainerTable } from './container-table';
import { parseCrashPsM } from './crash-ps';
import { DIALECTS, isCommandRole, type TableLayout } from './ps-columns';
import { innerPsArgs, psMention, psOptions } from './ps-command';
import { mergeWithCommand, parseHeader } from './ps-header';
import { parseRow, taskName, type Row } from './ps-row';
import { createForest, createPstreeReader } from './ps-tree';
import { isState, isUint, scanTokens } from './table-cells';
import { inferLayout, isCandidate } from './table-infer';

/**
 * One reader for every ps / top dialect (procps, BSD clusters, busybox, top,
 * crash, docker top), `pstree -p`, and the runtime tables (`crictl ps`,
 * `crictl pods`, `docker ps`).
 *
 * A header line fixes the layout; the command that printed the table refines
 * it (comm or args, wchan:N, -p N) and stands in for a missing header. Rows
 * with neither are buffered as a block until the block ends (blank line, a
 * line of another shape, end of input) and the layout is inferred from the
 * whole block; lines of the block that are not rows are handed back to the
 * paste reader in their original order. A block is cut at MAX_BLOCK_LINES
 * and the rest read line by line with the layout found.
 */
export interface TableSink {
  tasks: TaskTable;
  objects: KubeObject[];
  /** Records what a line was read as (buffered rows are recorded when their block is read). */
  input(kind: string, line: number): void;
  /** A buffered line that is not a row after all: read it as anything else; returns what it was read as (recorded by the table reader). */
  replay(text: string, line: number): string;
}

export interface TableContext {
  /** The program of the last shell command ('top' also after a "top - " summary line). */
  program: string;
  topThreads: boolean;
  topPid?: number;
}

export interface TableReader {
  /** Called first for every line: a buffered block ends at a line that cannot be one of its rows. */
  before(text: string): void;
  /** A shell command (`ps -eo ...`, `crash> ps`, `kubectl exec ... -- ps -ef`, `pstree -p`, `crictl ps`). */
  command(program: string, args: string, line: string): void;
  /**
   * A line no earlier reader took: the kind it was read as ('ps', 'top',
   * 'crash-ps', 'pstree', 'crictl', 'docker'), '' when it waits in a block
   * (recorded later), null when it is not table output.
   */
  line(text: string, n: number, ctx: TableContext): string | null;
  blank(): void;
  finish(): void;
}

export const MAX_BLOCK_LINES = 2000;
const MAX_OBJECTS = 2000;

/** A pstree line that only continues the vertical bars of open branches. */
const BARS_ONLY = /^[ \t|│]*$/;
const verticalOnly = (text: string): boolean => BARS_ONLY.test(text) && (text.includes('|') || text.includes('│'));

export function createTableReader(sink: TableSink): TableReader {
  let active: TableLayout | null = null;
  let command: TableLayout | null = null;
  let onlyPid: number | undefined;
  let lastLayout: TableLayout | null = null;
  let pstreeRun = false;
  let topCmdline = false;
  let containers: ContainerTable | null = null;
  let containerHint: ContainerTable | null = null;
  let buffer: { text: string; n: number }[] = [];
  let replaying = false;
  let ctx: TableContext = { program: '', topThreads: false };
  const forest = createForest();
  const pstree = createPstreeReader();

  /** The parent read off tree art; an observed PPID of the same task wins over it. */
  function derivedParent(facts: Partial<Task>, tid: number, parent: number): void {
    const seen = sink.tasks.get(tid);
    if (seen?.ppid !== undefined && !seen.provenance?.ppid) return;
    facts.ppid = parent;
    facts.provenance = { ...seen?.provenance, ...facts.provenance, ppid: 'derived' };
    if (parent === 2) facts.isKernelThread = true;
  }

  function emit(layout: TableLayout, row: Row, text: string): void {
    const facts = row.facts;
    if (row.tid && !layout.columns.some((c) => c.role === 'ppid')) {
      const pid = facts.pid ?? row.tid;
      const parent = forest.place(pid, row.indent, row.art || (row.indent > 0 && (!!layout.tree || indentIsTree(layout))));
      if (parent !== undefined && parent !== pid) derivedParent(facts, row.tid, parent);
    }
    sink.tasks.upsert(row.tid, facts, text.trim());
  }

  /** Thread rows of `top -H -p N` pasted without their header. */
  function withTopContext(layout: TableLayout): TableLayout {
    return layout.kind === 'top' && ctx.program === 'top' && ctx.topThreads ? { ...layout, pidIsTid: true, tgid: ctx.topPid } : layout;
  }

  function endBlock(): void {
    if (!buffer.length) return;
    const block = buffer;
    buffer = [];
    const found = inferLayout(
      block.map((b) => b.text),
      [command, lastLayout && strongEnough(lastLayout) ? lastLayout : null],
    );
    const layout = found ? withTopContext(found.layout) : null;
    forest.reset();
    for (let i = 0; i < block.length; i++) {
      const { text, n } = block[i];
      const row = layout && found!.fit[i] ? parseRow(layout, text, true) : null;
      if (row) {
        emit(layout!, row, text);
        sink.input(layout!.kind, n);
        continue;
      }
      replaying = true;
      let kind: string;
      try {
        kind = sink.replay(text, n);
      } finally {
        replaying = false;
      }
      // A row-shaped line nothing could read: said as an unread table row, not as prose.
      if (kind) sink.input(kind === 'unrecognised' && rowShaped(text) ? UNREAD_ROW : kind, n);
    }
    if (layout) lastLayout = layout;
  }

  function startTable(layout: TableLayout | null): void {
    active = layout;
    forest.reset();
  }

  function readPstree(text: string): string | null {
    if (pstree.open && verticalOnly(text)) return 'pstree';
    if (!text.includes('(')) return null;
    if (!pstreeRun && !pstree.open && !text.includes('---') && !text.includes('-+-') && !/[─┬]/.test(text)) return null;
    const nodes = pstree.line(text, pstreeRun);
    if (nodes === null) return null;
    endBlock();
    startTable(null);
    for (const node of nodes) {
      const facts: Partial<Task> = { comm: pstreeName(node.name) };
      if (node.thread) facts.pid = node.parent;
      else if (node.parent !== undefined) derivedParent(facts, node.pid, node.parent);
      sink.tasks.upsert(node.pid, facts, text.trim());
    }
    return 'pstree';
  }

  function readContainers(text: string): string | null {
    const header = parseContainerHeader(text);
    if (header) {
      endBlock();
      startTable(null);
      containers = header;
      return header.what === 'docker-ps' ? 'docker' : 'crictl';
    }
    const table = containers ?? containerHint;
    if (!table) return null;
    const objects = parseContainerRow(table, text);
    if (!objects) {
      containers = null;
      return null;
    }
    endBlock();
    for (const o of objects) addObject(o);
    return table.what === 'docker-ps' ? 'docker' : 'crictl';
  }

  /** The layout a ps run prints: rows that fit it are read at once, and it is the first guess for a header-less block. */
  function useCommand(psArgs: string): void {
    const options = psOptions(psArgs);
    onlyPid = options.onlyPid;
    const layout = options.layout;
    command = layout && { ...layout, onlyPid: layout.columns.some((c) => c.role === 'pid' || c.role === 'tid') ? undefined : onlyPid };
  }

  /** Objects keep their container / pod links (id, pod, podId); one per kind, name and namespace. */
  function addObject(o: KubeObject): void {
    const same = sink.objects.find((x) => x.kind === o.kind && x.name === o.name && (x.namespace === undefined || o.namespace === undefined || x.namespace === o.namespace));
    if (same) Object.assign(same, Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
    else if (sink.objects.length < MAX_OBJECTS) sink.objects.push(Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as KubeObject);
  }

  return {
    before(text) {
      // A log line or a command that happens to hold table-shaped cells still ends the block: other readers take it.
      if (buffer.length && (!isCandidate(text) || parseLogPrefix(text) || parseShellLine(text))) endBlock();
    },

    command(program, args, line) {
      endBlock();
      startTable(null);
      containers = null;
      pstree.reset();
      lastLayout = null;
      command = null;
      onlyPid = undefined;
      pstreeRun = program === 'pstree';
      topCmdline = program === 'top' && /(?:^|\s)-\w*c/.test(args);
      containerHint = containerTableFromCommand(program, args);
      if (/^\s*crash>/.test(line)) {
        // crash's own ps: its table, or (-m, -l) one self-describing line per task.
        if (program === 'ps' && !/(?:^|\s)-\w*[ml]/.test(args)) command = { ...DIALECTS.crash, source: 'command' };
        return;
      }
      const psArgs = innerPsArgs(program, args);
      if (psArgs !== null) useCommand(psArgs);
    },

    line(text, n, context) {
      if (replaying) return null;
      ctx = context;
      const tree = readPstree(text);
      if (tree) return tree;
      if (!text.includes('(')) pstree.reset();
      const taskLine = parseCrashPsM(text);
      if (taskLine) {
        endBlock();
        sink.tasks.upsert(taskLine.tid, taskLine.facts, text.trim());
        return 'crash-ps';
      }
      const runtime = readContainers(text);
      if (runtime) return runtime;
      const header = parseHeader(text, { top: ctx.program === 'top', topCmdline, topThreads: ctx.topThreads, topPid: ctx.topPid });
      if (header) {
        endBlock();
        startTable(mergeWithCommand(header, command, onlyPid));
        lastLayout = active;
        return active!.kind;
      }
      if (active) {
        const row = parseRow(active, text, active.source !== 'header');
        if (row) {
          endBlock();
          emit(active, row, text);
          return active.kind;
        }
        startTable(null);
      }
      if (command) {
        const row = parseRow(command, text, true);
        if (row) {
          endBlock();
          startTable(command);
          emit(command, row, text);
          return command.kind;
        }
      }
      if (!isCandidate(text)) {
        // "ssh node \"ps -eo ...\"", "I ran `ps axl`": a ps run the shell reader did not take as a command.
        const mention = text.includes('ps ') ? psMention(text) : null;
        if (mention !== null) useCommand(mention);
        return null;
      }
      buffer.push({ text, n });
      if (buffer.length >= MAX_BLOCK_LINES) {
        endBlock();
        // The rest of a long block is read line by line with what the block showed.
        if (lastLayout?.source === 'inferred') startTable(lastLayout);
      }
      return '';
    },

    blank() {
      endBlock();
      startTable(null);
      containers = null;
      pstree.reset();
    },

    finish() {
      endBlock();
    },
  };
}

/**
 * After a right-aligned column (TIME, a number, a start time) ps puts one
 * space before the command: more is indentation, which only -H prints.
 */
function indentIsTree(layout: TableLayout): boolean {
  const before = layout.columns[layout.columns.length - 2];
  return before !== undefined && isCommandRole(layout.columns[layout.columns.length - 1].role) && RIGHT_ALIGNED_CELLS.has(before.cell);
}
const RIGHT_ALIGNED_CELLS = new Set(['time', 'uint', 'int', 'num', 'pct', 'size', 'start']);

/** The input kind of a line shaped like a process row that no layout could read. */
export const UNREAD_ROW = 'unread: a process-table row no column layout fits';

/** A pid-like integer and a state token among a few typed cells. */
function rowShaped(text: string): boolean {
  const tokens = scanTokens(text, 12);
  return tokens.length >= 3 && tokens.some((t) => isUint(t.text)) && tokens.some((t) => isState(t.text));
}

/** A layout typed enough to be tried on rows that have no header: a state column or three typed columns. */
function strongEnough(layout: TableLayout): boolean {
  return layout.columns.some((c) => c.role === 'state' || c.role === 'crash-state') || layout.columns.filter((c) => c.cell !== 'any').length >= 3;
}

/** pstree prints the task name, or the command line's first word (a path) when the name was cut. */
function pstreeName(name: string): string {
  if (name[0] === '/') return taskName(name);
  const title = /^([\w.-]+): /.exec(name);
  return title ? title[1] : name;
}
