/**
 * Tree art → parent links.
 *
 * `ps f`, `ps axf`, `ps -ef --forest`, `ps -ejH` draw the process tree in the
 * command column: the parent of a row is the nearest row above it drawn less
 * deep (Forest).
 *
 * `pstree -p` draws it with connectors (PstreeReader):
 *   systemd(1)-+-containerd(812)-+-containerd-shim(1234)---pause(1250)
 *              |                 `-{containerd}(813)
 *              `-sshd(900)
 * A child on a continuation line hangs below the "+" of its parent's "-+-": the
 * "|-" or "`-" marker sits in that column. Unicode art (─┬─ ├─ └─ │) is read the
 * same way. Tabs put in by an editor are expanded at 8 and at 4 columns, and the
 * one that lands on an open branch wins.
 */
export interface Forest {
  reset(): void;
  /** Records a row; returns the pid of the row it is drawn under, when it is drawn under one. */
  place(pid: number, indent: number, drawn: boolean): number | undefined;
}

export function createForest(): Forest {
  let stack: { indent: number; pid: number }[] = [];
  return {
    reset() {
      stack = [];
    },
    place(pid, indent, drawn) {
      if (!drawn) {
        stack = [{ indent, pid }];
        return undefined;
      }
      while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
      const parent = stack.length ? stack[stack.length - 1].pid : undefined;
      stack.push({ indent, pid });
      return parent;
    },
  };
}

export interface PstreeNode {
  pid: number;
  /** As printed, braces of a thread removed. */
  name: string;
  /** The process it is drawn under (for a thread: the process it belongs to). */
  parent?: number;
  /** "{name}(tid)": a thread of its parent. */
  thread: boolean;
}

export interface PstreeReader {
  /**
   * The nodes on a pstree line; [] for a line of vertical bars inside an open
   * tree; null when the line is not pstree output. `rootAlone`: a lone
   * "name(pid)" line starts a tree (pstree was run).
   */
  line(text: string, rootAlone: boolean): PstreeNode[] | null;
  readonly open: boolean;
  reset(): void;
}

const UNICODE: Record<string, string> = { '─': '-', '┬': '+', '├': '|', '└': '`', '│': '|', '┼': '+', '┴': '-', '┤': '|' };
const UNICODE_ART = /[─┬├└│┼┴┤]/;
/** The end of a node: "(pid)" or "(pid,user)" followed by a connector or the end of the line. */
const NODE_END = /\((\d+)(?:,[^()\s]*)?\)(?=---|-\+-|$)/g;
const LEAD = /^[ \t|`]*/;
const MAX_NAME = 256;
/** pstree prints a handful of nodes per line; a line with more is not pstree output. */
const MAX_NODES = 200;

interface Branch {
  col8: number;
  col4: number;
  pid: number;
}

export function createPstreeReader(): PstreeReader {
  let stack: Branch[] = [];

  function columns(text: string): (i: number, tab: number) => number {
    if (!text.includes('\t')) return (i) => i;
    const c8 = new Int32Array(text.length + 1);
    const c4 = new Int32Array(text.length + 1);
    for (let i = 0; i < text.length; i++) {
      const tab = text.charCodeAt(i) === 9;
      c8[i + 1] = tab ? (Math.floor(c8[i] / 8) + 1) * 8 : c8[i] + 1;
      c4[i + 1] = tab ? (Math.floor(c4[i] / 4) + 1) * 4 : c4[i] + 1;
    }
    return (i, tab) => (tab === 8 ? c8[i] : c4[i]);
  }

  /** The open branch a continuation marker at this column hangs from. */
  function branchAt(col8: number, col4: number): number {
    for (let k = stack.length - 1; k >= 0; k--) if (stack[k].col8 === col8) return k;
    for (let k = stack.length - 1; k >= 0; k--) if (stack[k].col4 === col4) return k;
    for (let k = stack.length - 1; k >= 0; k--) if (stack[k].col8 <= col8) return k;
    return -1;
  }

  return {
    get open() {
      return stack.length > 0;
    },
    reset() {
      stack = [];
    },
    line(raw, rootAlone) {
      let text = UNICODE_ART.test(raw) ? raw.replace(/[─┬├└│┼┴┤]/g, (ch) => UNICODE[ch]) : raw;
      text = text.trimEnd();
      const lead = LEAD.exec(text)![0];
      if (lead.length === text.length) return stack.length && text.includes('|') ? [] : null;
      const col = columns(text);
      let parent: number | undefined;
      let pos = lead.length;
      let keep = 0;
      const last = lead[lead.length - 1];
      const marked = (last === '|' || last === '`') && text[pos] === '-';
      // Markdown may eat the "`" of a last child ("`-name(pid)" → "-name(pid)"): its "-" then sits in the marker's column.
      const eaten = !marked && stack.length > 0 && lead.length > 0 && lead.trim() === '' && text[pos] === '-' && text[pos + 1] !== '-';
      if (marked || eaten) {
        const at = marked ? pos - 1 : pos;
        const k = branchAt(col(at, 8), col(at, 4));
        if (k < 0) return null;
        keep = k + 1;
        parent = stack[k].pid;
        pos++;
      } else if (lead.trim() !== '') {
        return null;
      } else if (!rootAlone && !text.includes('---') && !text.includes('-+-')) {
        return null;
      }
      const open = stack.slice(0, keep);
      const nodes: PstreeNode[] = [];
      for (;;) {
        NODE_END.lastIndex = pos;
        const m = NODE_END.exec(text);
        if (!m) break;
        const name = text.slice(pos, m.index);
        if (!name || name.length > MAX_NAME || /^\s|\s$/.test(name)) break;
        if (nodes.length >= MAX_NODES) return null;
        const pid = Number(m[1]);
        const thread = name.length > 2 && name[0] === '{' && name[name.length - 1] === '}';
        nodes.push({ pid, name: thread ? name.slice(1, -1) : name, parent, thread });
        const end = m.index + m[0].length;
        const conn = text.slice(end, end + 3);
        if (conn === '-+-') open.push({ col8: col(end + 1, 8), col4: col(end + 1, 4), pid });
        else if (conn !== '---') break;
        parent = pid;
        pos = end + 3;
      }
      if (!nodes.length) return null;
      stack = open;
      return nodes;
    },
  };
}
