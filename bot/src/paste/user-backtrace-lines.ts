import type { UserFrame } from '../evidence/evidence';

/**
 * The lines of a user-space debugger backtrace, one at a time, without
 * regular expressions on the frames (demangled C++ names carry parentheses,
 * spaces and templates):
 *   #1  0x00007f8c706faa0c in __libc_waitpid (pid=9124, stat_loc=0x7ffc…, options=0) at ../waitpid.c:31   gdb, pstack
 *   #0  do_sigwait (sig=0x7f8c7141cf5c, set=<optimized out>) at sigwait.c:63                             gdb, inlined / no address
 *   #3  0x000000000040339d in main ()                                                                     gdb
 *   #0  0x00007f2b4e0f0d2d __poll                                                                         eu-stack
 *   Thread 2 (Thread 0x7f3c9c4bf700 (LWP 4412) "worker"):                                                thread apply all bt, pstack
 *   * 1    Thread 0x7f3c9d4c0740 (LWP 4411) "app" 0x00007f… in __libc_waitpid (pid=9124, …) at …           info threads
 *   PID 4411 - process / TID 4412:                                                                        eu-stack
 * A crash `bt` frame ("#4 [ffff9adf48673788] schedule at ffffffffb61da5f5") is not one of these.
 */
export interface ParsedFrame {
  /** The frame number (#N); 0 for a frame printed without one (gdb's stop line, an `info threads` row). */
  n: number;
  frame: UserFrame;
  /** The address when printed ("0x00007f8c706faa0c"). */
  addr?: string;
  /** The argument list was not closed on this line (cut, or wrapped onto the next). */
  open: boolean;
}

const MAX_FN = 200;
const MAX_ARGS = 300;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isBlank = (c: number): boolean => c === 32 || c === 9;
const isHex = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
/** What a function name printed by a debugger can start with: a letter, `_`, `~`, `:`, `.`, `?` (for "??"), `<`. */
const isNameStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 126 || c === 58 || c === 46 || c === 63 || c === 60;

/** "#N  …": a numbered frame (leading blanks allowed), or null. */
export function parseNumberedFrame(line: string): ParsedFrame | null {
  let i = 0;
  while (isBlank(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 35 /* # */) return null;
  const start = ++i;
  while (isDigit(line.charCodeAt(i)) && i - start < 6) i++;
  if (i === start || !isBlank(line.charCodeAt(i))) return null;
  const n = Number(line.slice(start, i));
  while (isBlank(line.charCodeAt(i))) i++;
  return parseFrameBody(line.slice(i), n);
}

/** What follows "#N  ": "0x… in fn (args) at file:line", "fn (args) from lib", "0x… fn" (eu-stack). */
export function parseFrameBody(body: string, n: number): ParsedFrame | null {
  let rest = body;
  let addr: string | undefined;
  let gdb = false;
  if (rest.startsWith('0x')) {
    let j = 2;
    while (isHex(rest.charCodeAt(j))) j++;
    if (j === 2 || (j < rest.length && !isBlank(rest.charCodeAt(j)))) return null;
    addr = rest.slice(0, j);
    while (isBlank(rest.charCodeAt(j))) j++;
    rest = rest.slice(j);
    if (rest.startsWith('in ')) {
      gdb = true;
      rest = rest.slice(3).trimStart();
    }
    // An address alone: a frame gdb or eu-stack could not name.
    if (!rest) return { n, addr, frame: { fn: '??' }, open: false };
  }
  if (!isNameStart(rest.charCodeAt(0))) return null;
  if (addr && !gdb) {
    // eu-stack: the name is one word; "- 1", a module path or a source position may follow.
    const sp = rest.indexOf(' ');
    const fn = sp < 0 ? rest : rest.slice(0, sp);
    const where = sp < 0 ? undefined : lastWord(rest);
    return { n, addr, frame: where && where !== fn && where !== '1' ? { fn: fn.slice(0, MAX_FN), where } : { fn: fn.slice(0, MAX_FN) }, open: false };
  }
  // gdb: "fn (args) at file:line" | "fn (args) from lib" | "fn ()" | "fn (args" (cut or wrapped).
  let where: string | undefined;
  for (const kw of [' at ', ' from ']) {
    const w = rest.lastIndexOf(kw);
    if (w > 0 && rest.indexOf(' ', w + kw.length) < 0 && w + kw.length < rest.length) {
      where = rest.slice(w + kw.length);
      rest = rest.slice(0, w);
      break;
    }
  }
  rest = rest.trimEnd();
  let fn: string;
  let args: string | undefined;
  let open = false;
  if (rest.endsWith(')')) {
    let depth = 0;
    let j = rest.length - 1;
    for (; j >= 0; j--) {
      const c = rest.charCodeAt(j);
      if (c === 41 /* ) */) depth++;
      else if (c === 40 /* ( */ && --depth === 0) break;
    }
    if (j <= 0) return null;
    args = rest.slice(j + 1, rest.length - 1);
    fn = rest.slice(0, j).trimEnd();
  } else {
    const p = rest.indexOf(' (');
    if (p <= 0) {
      // A name with neither arguments nor a place: gdb always prints "()" at least, so only with an address.
      if (!addr) return null;
      fn = rest;
    } else {
      fn = rest.slice(0, p);
      args = rest.slice(p + 2);
      open = true;
    }
  }
  if (!fn) return null;
  // Without an address a line must look like gdb's: a one-word name, and "(name=value, …)" or "()".
  if (!addr && ((fn.includes(' ') && !fn.includes('::')) || (args !== undefined && args !== '' && !args.includes('=')))) return null;
  const frame: UserFrame = { fn: fn.slice(0, MAX_FN) };
  if (args !== undefined) frame.args = args.slice(0, MAX_ARGS);
  if (where) frame.where = where.slice(0, MAX_FN);
  return { n, addr, frame, open };
}

function lastWord(s: string): string {
  const t = s.trimEnd();
  return t.slice(t.lastIndexOf(' ') + 1);
}

/** "Thread 2 (Thread 0x7f… (LWP 4412) "worker"):", "Thread 1 (process 977):", "Thread 3 (LWP 12):". */
const THREAD_HEADER = /^Thread (\d{1,7}) \((?:Thread 0x[0-9a-fA-F]{1,16} \((?:LWP|process) (\d{1,8})\)|(?:LWP|process) (\d{1,8}))(?: "([^"]{0,64})")?\)/;
/** `info threads`: "* 1    Thread 0x7f… (LWP 4411) "app" 0x… in poll () from …" (the frame follows the identity). */
const INFO_ROW = /^(?:\*\s*)?(\d{1,7})\s+(?:Thread 0x[0-9a-fA-F]{1,16} \((?:LWP|process) (\d{1,8})\)|(?:LWP|process) (\d{1,8}))(?:\s+"([^"]{0,64})")?\s+(.*)$/;
const EU_PID = /^PID (\d{1,8}) - /;
const EU_TID = /^TID (\d{1,8}):\s*$/;

export interface ThreadHeader {
  num: number;
  tid: number;
  comm?: string;
}

export function parseThreadHeader(t: string): ThreadHeader | null {
  const m = THREAD_HEADER.exec(t);
  if (!m) return null;
  return { num: Number(m[1]), tid: Number(m[2] ?? m[3]), comm: m[4] || undefined };
}

export function parseInfoThreadsRow(t: string): (ThreadHeader & { frame: ParsedFrame | null }) | null {
  const m = INFO_ROW.exec(t);
  if (!m) return null;
  return { num: Number(m[1]), tid: Number(m[2] ?? m[3]), comm: m[4] || undefined, frame: parseFrameBody(m[5].trim(), 0) };
}

/** eu-stack: "PID 4411 - process" (the process), "TID 4412:" (one of its threads). */
export function parseEuStackLine(t: string): { pid?: number; tid?: number } | null {
  let m = EU_PID.exec(t);
  if (m) return { pid: Number(m[1]) };
  m = EU_TID.exec(t);
  return m ? { tid: Number(m[1]) } : null;
}

/** Kernel text addresses (0xffff8…): a gdb backtrace of a kernel (vmcore, kgdb) rather than of a program. */
export const isKernelAddress = (addr: string): boolean => addr.length === 18 && addr.startsWith('0xffff');
