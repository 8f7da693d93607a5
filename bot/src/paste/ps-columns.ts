import type { CellType } from './table-cells';

/**
 * The column vocabulary of ps, top, busybox and crash tables: what a column
 * means (its role), the shape of its cells, and the layouts the common
 * option sets print (procps `-ef`, `aux`, `-eLf`, `-l`, `j`, BSD `l`, busybox,
 * top, crash). A layout comes from a header line, from the command that
 * printed the table, or from typing the cells of a header-less block.
 */
export type Role =
  | 'pid'
  | 'tid'
  | 'ppid'
  | 'user'
  | 'state'
  | 'crash-state'
  | 'wchan'
  /** args: the whole command line ("[name]" when there is none). */
  | 'cmd'
  /** the task name (15 characters at most). */
  | 'comm'
  /** COMMAND of a -o list or a header alone: comm or args, told apart by content. */
  | 'command'
  | 'nlwp'
  | 'pcpu'
  | 'start'
  | 'cgroup'
  | 'pidns'
  | 'sig-pending'
  | 'sig-blocked'
  | 'sig-ignored'
  | 'sig-caught'
  | 'skip';

export interface Column {
  role: Role;
  /** The shape every cell of this column has (checked strictly when no header vouches for the layout). */
  cell: CellType;
  /** Printed width of a column ps cuts to size (wchan:N; WCHAN is 6 by default): a value this long may be truncated. */
  width?: number;
}

export type TableKind = 'ps' | 'top' | 'crash-ps';

export interface TableLayout {
  columns: Column[];
  kind: TableKind;
  /** top -H and crash ps: the PID column holds thread ids. */
  pidIsTid?: boolean;
  /** top -H -p N: every row is a thread of process N. */
  tgid?: number;
  /** ps -o ... -p N with no PID column: every row is process N. */
  onlyPid?: number;
  /** Printed as a tree by indentation alone (ps -H): indentation gives the parent when there is no PPID column. */
  tree?: boolean;
  /** Rows may start with ">" (crash marks the tasks running on a CPU). */
  marker?: boolean;
  source: 'header' | 'command' | 'inferred';
  /** The dialect, for tests and messages ("aux", "-ef", "top", "-o pid,stat,...", "typed"). */
  name: string;
}

export const col = (role: Role, cell: CellType = 'any', width?: number): Column => (width ? { role, cell, width } : { role, cell });

/** The command column at the end of a row is read by content, never by shape. */
const COMMAND_ROLES = new Set<Role>(['cmd', 'comm', 'command']);
export const isCommandRole = (r: Role): boolean => COMMAND_ROLES.has(r);

/** Header words of procps, busybox, top and crash → role and cell shape. Words not here are known to be ignorable only next to a PID column. */
export const HEADER_WORDS: Record<string, [Role, CellType]> = {
  PID: ['pid', 'uint'],
  TGID: ['pid', 'uint'],
  LWP: ['tid', 'uint'],
  TID: ['tid', 'uint'],
  SPID: ['tid', 'uint'],
  PPID: ['ppid', 'uint'],
  USER: ['user', 'user'],
  UID: ['user', 'user'],
  RUSER: ['user', 'user'],
  EUSER: ['user', 'user'],
  RUID: ['user', 'user'],
  EUID: ['user', 'user'],
  OWNER: ['user', 'user'],
  S: ['state', 'state'],
  STAT: ['state', 'state'],
  STATE: ['state', 'state'],
  ST: ['crash-state', 'crash-state'],
  WCHAN: ['wchan', 'wchan'],
  COMMAND: ['command', 'any'],
  CMD: ['cmd', 'any'],
  ARGS: ['cmd', 'any'],
  COMM: ['comm', 'any'],
  UCOMM: ['comm', 'any'],
  UCMD: ['comm', 'any'],
  NLWP: ['nlwp', 'uint'],
  THCNT: ['nlwp', 'uint'],
  nTH: ['nlwp', 'uint'],
  '%CPU': ['pcpu', 'pct'],
  PCPU: ['pcpu', 'pct'],
  START: ['start', 'start'],
  STIME: ['start', 'start'],
  STARTED: ['start', 'start'],
  LSTART: ['start', 'start'],
  PENDING: ['sig-pending', 'sig'],
  BLOCKED: ['sig-blocked', 'sig'],
  IGNORED: ['sig-ignored', 'sig'],
  CAUGHT: ['sig-caught', 'sig'],
  CGROUP: ['cgroup', 'any'],
  PIDNS: ['pidns', 'uint'],
  F: ['skip', 'uint'],
  C: ['skip', 'uint'],
  PRI: ['skip', 'int'],
  PR: ['skip', 'int'],
  NI: ['skip', 'int'],
  ADDR: ['skip', 'hex'],
  SZ: ['skip', 'size'],
  VSZ: ['skip', 'size'],
  RSS: ['skip', 'size'],
  VIRT: ['skip', 'size'],
  RES: ['skip', 'size'],
  SHR: ['skip', 'size'],
  '%MEM': ['skip', 'num'],
  '%VSZ': ['skip', 'pct'],
  MEM: ['skip', 'num'],
  PGID: ['skip', 'uint'],
  PGRP: ['skip', 'uint'],
  SID: ['skip', 'uint'],
  SESS: ['skip', 'uint'],
  TPGID: ['skip', 'int'],
  PSR: ['skip', 'uint'],
  CPU: ['skip', 'uint'],
  P: ['skip', 'uint'],
  TASK: ['skip', 'hex'],
  TIME: ['skip', 'time'],
  'TIME+': ['skip', 'time'],
  ELAPSED: ['skip', 'any'],
  TTY: ['skip', 'tty'],
  TT: ['skip', 'tty'],
  MAJFL: ['skip', 'uint'],
  MINFL: ['skip', 'uint'],
  TRS: ['skip', 'size'],
  DRS: ['skip', 'size'],
  GID: ['skip', 'any'],
  GROUP: ['skip', 'any'],
  NWCHAN: ['skip', 'any'],
  CLS: ['skip', 'any'],
  RTPRIO: ['skip', 'any'],
  POL: ['skip', 'any'],
  LABEL: ['skip', 'any'],
  SWAP: ['skip', 'size'],
  CODE: ['skip', 'size'],
  DATA: ['skip', 'size'],
  USED: ['skip', 'size'],
};

/** `-o` format specifiers → role and cell shape. */
export const SPEC_WORDS: Record<string, [Role, CellType]> = {
  pid: ['pid', 'uint'],
  tgid: ['pid', 'uint'],
  lwp: ['tid', 'uint'],
  tid: ['tid', 'uint'],
  spid: ['tid', 'uint'],
  ppid: ['ppid', 'uint'],
  user: ['user', 'user'],
  uid: ['user', 'user'],
  euser: ['user', 'user'],
  ruser: ['user', 'user'],
  uname: ['user', 'user'],
  euid: ['user', 'user'],
  ruid: ['user', 'user'],
  stat: ['state', 'state'],
  s: ['state', 'state'],
  state: ['state', 'state'],
  wchan: ['wchan', 'wchan'],
  nwchan: ['skip', 'any'],
  cmd: ['cmd', 'any'],
  args: ['cmd', 'any'],
  command: ['cmd', 'any'],
  comm: ['comm', 'any'],
  ucomm: ['comm', 'any'],
  ucmd: ['comm', 'any'],
  fname: ['comm', 'any'],
  nlwp: ['nlwp', 'uint'],
  thcount: ['nlwp', 'uint'],
  pcpu: ['pcpu', 'pct'],
  '%cpu': ['pcpu', 'pct'],
  c: ['skip', 'uint'],
  start: ['start', 'start'],
  stime: ['start', 'start'],
  start_time: ['start', 'start'],
  lstart: ['start', 'start'],
  bsdstart: ['start', 'start'],
  etime: ['skip', 'time'],
  time: ['skip', 'time'],
  cputime: ['skip', 'time'],
  bsdtime: ['skip', 'time'],
  etimes: ['skip', 'uint'],
  times: ['skip', 'uint'],
  tty: ['skip', 'tty'],
  tt: ['skip', 'tty'],
  tname: ['skip', 'tty'],
  pending: ['sig-pending', 'sig'],
  sig: ['sig-pending', 'sig'],
  blocked: ['sig-blocked', 'sig'],
  sigmask: ['sig-blocked', 'sig'],
  ignored: ['sig-ignored', 'sig'],
  sigignore: ['sig-ignored', 'sig'],
  caught: ['sig-caught', 'sig'],
  sigcatch: ['sig-caught', 'sig'],
  cgroup: ['cgroup', 'any'],
  pidns: ['pidns', 'uint'],
  vsz: ['skip', 'size'],
  rss: ['skip', 'size'],
  rssize: ['skip', 'size'],
  sz: ['skip', 'size'],
  pmem: ['skip', 'num'],
  '%mem': ['skip', 'num'],
  pgid: ['skip', 'uint'],
  pgrp: ['skip', 'uint'],
  sid: ['skip', 'uint'],
  sess: ['skip', 'uint'],
  tpgid: ['skip', 'int'],
  psr: ['skip', 'uint'],
  ni: ['skip', 'int'],
  nice: ['skip', 'int'],
  pri: ['skip', 'int'],
  f: ['skip', 'uint'],
  flags: ['skip', 'uint'],
  flag: ['skip', 'uint'],
};

/** Header labels ps prints left-aligned: the width of the column before one of them can be read off the header. */
export const LEFT_ALIGNED = new Set(['USER', 'RUSER', 'EUSER', 'TTY', 'TT', 'STAT', 'S', 'WCHAN', 'COMMAND', 'CMD', 'ARGS', 'COMM', 'UCOMM', 'LABEL', 'CGROUP']);

/** ps prints WCHAN 6 characters wide unless told otherwise (wchan:N). */
export const WCHAN_DEFAULT_WIDTH = 6;

const U = (role: Role = 'skip'): Column => col(role, 'uint');
const I = col('skip', 'int');
const N = col('skip', 'num');
const Z = col('skip', 'size');
const USER = col('user', 'user');
const STATE = col('state', 'state');
const TTY = col('skip', 'tty');
const TIME = col('skip', 'time');
const START = col('start', 'start');
const CMD = col('cmd');
const COMM = col('comm');
const WCHAN6 = col('wchan', 'wchan', WCHAN_DEFAULT_WIDTH);
const SIG = (role: Role): Column => col(role, 'sig');

const layout = (name: string, columns: Column[], extra: Partial<TableLayout> = {}): TableLayout => ({ name, columns, kind: 'ps', source: 'inferred', ...extra });

/** Layouts of the common option sets, most specific first (the order breaks ties between equally good fits). */
export const DIALECTS: Record<string, TableLayout> = {
  eLF: layout('-eLF', [USER, U('pid'), U('ppid'), U('tid'), U(), U('nlwp'), Z, Z, U(), START, TTY, TIME, CMD]),
  el: layout('-el', [U(), STATE, USER, U('pid'), U('ppid'), U(), I, I, col('skip', 'hex'), Z, WCHAN6, TTY, TIME, CMD]),
  elf: layout('-elf', [U(), STATE, USER, U('pid'), U('ppid'), U(), I, I, col('skip', 'hex'), Z, WCHAN6, START, TTY, TIME, CMD]),
  bsdl: layout('l', [U(), USER, U('pid'), U('ppid'), I, I, Z, Z, WCHAN6, STATE, TTY, TIME, CMD]),
  ely: layout('-ely', [STATE, USER, U('pid'), U('ppid'), U(), I, I, Z, Z, WCHAN6, TTY, TIME, CMD]),
  eF: layout('-eF', [USER, U('pid'), U('ppid'), U(), Z, Z, U(), START, TTY, TIME, CMD]),
  aux: layout('aux', [USER, U('pid'), col('pcpu', 'pct'), N, Z, Z, TTY, STATE, START, TIME, CMD]),
  eLf: layout('-eLf', [USER, U('pid'), U('ppid'), U('tid'), U(), U('nlwp'), START, TTY, TIME, CMD]),
  crash: layout('crash ps', [U('pid'), U('ppid'), U(), col('skip', 'hex'), col('crash-state', 'crash-state'), N, Z, Z, COMM], { kind: 'crash-ps', pidIsTid: true, marker: true }),
  s: layout('s', [USER, U('pid'), SIG('sig-pending'), SIG('sig-blocked'), SIG('sig-ignored'), SIG('sig-caught'), STATE, TTY, TIME, CMD]),
  bsdj: layout('j', [U('ppid'), U('pid'), U(), U(), TTY, I, STATE, USER, TIME, CMD]),
  top: layout('top', [U('pid'), USER, I, I, Z, Z, Z, STATE, col('pcpu', 'pct'), N, TIME, COMM], { kind: 'top' }),
  v: layout('v', [U('pid'), TTY, STATE, TIME, U(), Z, Z, Z, N, CMD]),
  busyboxTop: layout('busybox top', [U('pid'), U('ppid'), USER, STATE, Z, col('skip', 'pct'), U(), col('pcpu', 'pct'), CMD], { kind: 'top' }),
  busyboxTopNoCpu: layout('busybox top', [U('pid'), U('ppid'), USER, STATE, Z, col('skip', 'pct'), col('pcpu', 'pct'), CMD], { kind: 'top' }),
  ef: layout('-ef', [USER, U('pid'), U('ppid'), U(), START, TTY, TIME, CMD]),
  jf: layout('-jf', [USER, U('pid'), U('ppid'), U(), U(), U(), START, TTY, TIME, CMD]),
  j: layout('-j', [U('pid'), U(), U(), TTY, TIME, CMD]),
  bsd: layout('x', [U('pid'), TTY, STATE, TIME, CMD]),
  L: layout('-L', [U('pid'), U('tid'), TTY, TIME, CMD]),
  busyboxPsOld: layout('busybox ps', [U('pid'), USER, Z, STATE, CMD]),
  busyboxPs: layout('busybox ps', [U('pid'), USER, TIME, CMD]),
  e: layout('-e', [U('pid'), TTY, TIME, CMD]),
};

/** The layouts a header-less block is tried against. */
export const CATALOGUE: TableLayout[] = Object.values(DIALECTS);

/** The columns a `-o` list prints ("pid,stat,wchan:32,comm"); specifiers not read here are kept as columns to skip. */
export function layoutFromSpec(spec: string): Column[] {
  const items = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const columns: Column[] = [];
  items.forEach((item, i) => {
    const m = /^([%\w]+)(?::(\d+))?(?:=.*)?$/.exec(item);
    const name = (m?.[1] ?? item).toLowerCase();
    const [role, cell]: [Role, CellType] = Object.hasOwn(SPEC_WORDS, name) ? SPEC_WORDS[name] : ['skip', 'any'];
    const last = i === items.length - 1;
    const width = role === 'wchan' && !last ? (m?.[2] ? Number(m[2]) : WCHAN_DEFAULT_WIDTH) : undefined;
    columns.push(col(role, cell, width));
  });
  return columns;
}
