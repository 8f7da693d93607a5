import type { Task } from '../evidence/evidence';

/**
 * `ps` and `top` tables: columns from the header line, from the command that
 * printed them (`ps -eo pid,stat,wchan:32,comm | grep D` has no header), or
 * from the shape of an `aux` / `-ef` row.
 */
export type Column =
  | 'pid' | 'tid' | 'ppid' | 'user' | 'state' | 'wchan' | 'cmd' | 'comm'
  | 'nlwp' | 'pcpu' | 'start' | 'lstart' | 'skip';

export interface PsTable {
  columns: Column[];
  /** top -H and ps -L: the PID column of top -H is a thread id. */
  pidIsTid: boolean;
  /** top -p PID -H: every row is a thread of this process. */
  tgid?: number;
}

const HEADER_NAMES: Record<string, Column> = {
  PID: 'pid', TGID: 'pid', LWP: 'tid', TID: 'tid', SPID: 'tid', PPID: 'ppid',
  USER: 'user', UID: 'user', RUSER: 'user', EUSER: 'user',
  STAT: 'state', S: 'state', STATE: 'state', WCHAN: 'wchan',
  COMMAND: 'cmd', CMD: 'cmd', ARGS: 'cmd', COMM: 'comm', UCOMM: 'comm',
  NLWP: 'nlwp', THCNT: 'nlwp', '%CPU': 'pcpu', PCPU: 'pcpu',
  START: 'start', STIME: 'start', STARTED: 'lstart', LSTART: 'lstart',
};

const SPEC_NAMES: Record<string, Column> = {
  pid: 'pid', tgid: 'pid', lwp: 'tid', tid: 'tid', spid: 'tid', ppid: 'ppid',
  user: 'user', uid: 'user', euser: 'user', ruser: 'user', uname: 'user',
  stat: 'state', s: 'state', state: 'state', wchan: 'wchan', nwchan: 'skip',
  cmd: 'cmd', args: 'cmd', command: 'cmd', comm: 'comm', ucomm: 'comm', ucmd: 'comm',
  nlwp: 'nlwp', thcount: 'nlwp', pcpu: 'pcpu', '%cpu': 'pcpu',
  start: 'start', stime: 'start', start_time: 'start', lstart: 'lstart', bsdstart: 'start',
};

const HEADER_TOKEN = /^[A-Z%][A-Z0-9%+_]*$/;

/** A header line such as "  PID USER  PR  NI ... S %CPU ... COMMAND" or "UID PID PPID C STIME TTY TIME CMD". */
export function parseHeader(line: string, topMode: boolean): PsTable | null {
  const tokens = line.trim().split(/\s+/);
  if (tokens.length < 3 || !tokens.includes('PID') && !tokens.includes('LWP') && !tokens.includes('TID')) return null;
  if (!tokens.every((t) => HEADER_TOKEN.test(t))) return null;
  const columns = tokens.map((t) => {
    if (topMode && t === 'COMMAND') return 'comm';
    return HEADER_NAMES[t] ?? 'skip';
  });
  return { columns, pidIsTid: false };
}

/** Columns implied by a ps command line, for output without a header. */
export function tableFromPsCommand(args: string): PsTable | null {
  const words = args.trim().split(/\s+/);
  const oIndex = words.findIndex((w) => /^-\w*o$|^o$|^--format$|^-o\S+/.test(w));
  if (oIndex >= 0) {
    const w = words[oIndex];
    const spec = /^-o\S+/.test(w) && w.length > 2 && !/^-\w*o$/.test(w) ? w.slice(2) : (words[oIndex + 1] ?? '');
    const columns = spec.split(',').filter(Boolean).map((s) => SPEC_NAMES[s.replace(/[:=].*$/, '').toLowerCase()] ?? 'skip');
    return columns.length ? { columns, pidIsTid: false } : null;
  }
  if (words.some((w) => /^a?ux$|^aux\w*$|^-?aux$/.test(w))) return { columns: AUX, pidIsTid: false };
  if (words.some((w) => /^-\w*L\w*f|^-\w*f\w*L/.test(w))) return { columns: ELF, pidIsTid: false };
  if (words.some((w) => /^-\w*f/.test(w))) return { columns: EF, pidIsTid: false };
  if (words.some((w) => /^-\w*l/.test(w))) return { columns: EL, pidIsTid: false };
  return null;
}

const AUX: Column[] = ['user', 'pid', 'pcpu', 'skip', 'skip', 'skip', 'skip', 'state', 'start', 'skip', 'cmd'];
const EF: Column[] = ['user', 'pid', 'ppid', 'skip', 'start', 'skip', 'skip', 'cmd'];
const ELF: Column[] = ['user', 'pid', 'ppid', 'tid', 'skip', 'nlwp', 'start', 'skip', 'skip', 'cmd'];
const EL: Column[] = ['skip', 'state', 'user', 'pid', 'ppid', 'skip', 'skip', 'skip', 'skip', 'skip', 'wchan', 'skip', 'skip', 'cmd'];

const AUX_ROW = /^\s*\S+\s+\d+\s+[\d.]+\s+[\d.]+\s+\d+\s+\d+\s+\S+\s+[RSDZTtXxIWPKNLsl<+]+\s+\S+\s+\d+:\d\d\s+\S/;
const EF_ROW = /^\s*\S+\s+\d+\s+\d+\s+\d+\s+\S+\s+\S+\s+(?:\d+-)?\d+:\d\d(?::\d\d)?\s+\S/;

/** Recognises a header-less `ps aux` or `ps -ef` row by its shape. */
export function guessTable(line: string): PsTable | null {
  if (AUX_ROW.test(line)) return { columns: AUX, pidIsTid: false };
  if (EF_ROW.test(line)) return { columns: EF, pidIsTid: false };
  return null;
}

const STATE = /^[RSDZTtXxIWPK][NLsl<+]*$/;
const WEEKDAY = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)$/;

/** One row → task facts, or null when the line is not a row of this table. */
export function parseRow(table: PsTable, line: string): { tid: number; facts: Partial<Task> } | null {
  const tokens = line.trim().split(/\s+/);
  const facts: Partial<Task> = {};
  let pid: number | undefined;
  let tid: number | undefined;
  let i = 0;
  for (let c = 0; c < table.columns.length; c++) {
    const col = table.columns[c];
    if (i >= tokens.length) return null;
    if (c === table.columns.length - 1 && (col === 'cmd' || col === 'comm')) {
      const rest = restAfter(line, i);
      applyCommand(facts, col, rest);
      i = tokens.length;
      break;
    }
    const tok = tokens[i++];
    switch (col) {
      case 'pid': if (!/^\d+$/.test(tok)) return null; pid = Number(tok); break;
      case 'tid': if (!/^\d+$/.test(tok)) return null; tid = Number(tok); break;
      case 'ppid': if (!/^\d+$/.test(tok)) return null; facts.ppid = Number(tok); break;
      case 'state':
        if (!STATE.test(tok)) return null;
        facts.state = tok[0]; facts.stateExtra = tok.slice(1); break;
      case 'wchan': if (tok !== '-' && tok !== '0') facts.wchan = tok; break;
      case 'user': facts.user = tok; break;
      case 'nlwp': if (/^\d+$/.test(tok)) facts.numThreads = Number(tok); break;
      case 'pcpu': if (/^[\d.]+$/.test(tok)) facts.cpuPct = Number(tok); break;
      case 'start': facts.started = tok; break;
      case 'lstart':
        if (WEEKDAY.test(tok)) { facts.started = tokens.slice(i - 1, i + 4).join(' '); i += 4; } else facts.started = tok;
        break;
      case 'cmd': case 'comm': applyCommand(facts, col, tok); break;
      default: break;
    }
  }
  if (pid === undefined && tid === undefined) return null;
  if (table.pidIsTid) { tid = pid; pid = table.tgid; }
  const taskTid = tid ?? pid!;
  facts.pid = pid ?? table.tgid;
  if (facts.ppid === 2 || taskTid === 2) facts.isKernelThread = true;
  return { tid: taskTid, facts };
}

function restAfter(line: string, tokenIndex: number): string {
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  let n = 0;
  while ((m = re.exec(line))) {
    if (n++ === tokenIndex) return line.slice(m.index).trimEnd();
  }
  return '';
}

/** "[catatonit]", "\_ /bin/sh -c x", "[prometheus] <defunct>" → comm, cmdline, zombie. */
function applyCommand(facts: Partial<Task>, col: 'cmd' | 'comm', raw: string): void {
  let text = raw.replace(/^[\s|\\_]+(?=\S)/, '').replace(/^\\_\s*/, '');
  if (/\s*<defunct>$/.test(text)) {
    text = text.replace(/\s*<defunct>$/, '');
    facts.state ??= 'Z';
  }
  if (col === 'comm') { facts.comm = text.trim(); return; }
  const bracket = /^\[(.+)\]$/.exec(text.trim());
  if (bracket) {
    facts.comm = bracket[1];
    facts.cmdline = '';
    return;
  }
  facts.cmdline = text.trim();
  const first = text.trim().split(/\s+/)[0] ?? '';
  facts.comm = (first.split('/').pop() ?? first).slice(0, 15) || '?';
}
