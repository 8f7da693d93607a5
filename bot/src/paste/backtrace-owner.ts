/**
 * Whose a pasted debugger backtrace is, from the text around it:
 *   - the command that printed it: `gdb -p 4411`, `gdb --pid=4411`,
 *     `gdb /usr/sbin/agent 4411`, `gdb /usr/sbin/agent core.4411` (a core:
 *     the process had ended), `pstack 4411`, `gstack 4411`, `eu-stack -p 4411`;
 *   - a short label line just above it: "worker (pid 4411):", "pid 4411:",
 *     "linux-sandbox.cc:" (a source file or program name).
 */

export interface DebuggerCommand {
  pid?: number;
  comm?: string;
  core: boolean;
}

/**
 * The process a debugger command looks at, or null when the words after the
 * program's name are not a command ("gdb shows this:" in a sentence).
 */
export function readDebuggerCommand(program: string, args: string): DebuggerCommand | null {
  const words = shellWords(args);
  let pid: number | undefined;
  let core = false;
  const positional: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '-p' || w === '--pid' || w === '-pid') pid = toPid(words[++i]);
    else if (w.startsWith('--pid=')) pid = toPid(w.slice(6));
    else if (w === '-c' || w === '--core') {
      core = true;
      i++;
    } else if (w.startsWith('--core=')) core = true;
    else if (w === '-ex' || w === '-x' || w === '--eval-command' || w === '--args') i++;
    else if (w === '|' || w.startsWith('>') || w.startsWith('2>')) break;
    else if (!w.startsWith('-')) positional.push(w);
  }
  if (program !== 'gdb') {
    // pstack / gstack PID; eu-stack -p PID.
    pid ??= toPid(positional.find((w) => /^\d+$/.test(w)));
    return pid === undefined && !core ? null : { pid, core };
  }
  // gdb PROGRAM PID | gdb PROGRAM CORE | gdb -p PID | gdb -batch -ex bt PROGRAM CORE
  const program1 = positional[0] && !/^\d+$/.test(positional[0]) ? positional[0] : undefined;
  const second = positional[program1 ? 1 : 0];
  if (second !== undefined) {
    if (/^\d+$/.test(second)) pid ??= Number(second);
    else if (/core|^\//.test(second)) core = true;
    else return null;
  }
  if (pid === undefined && !core && !words.some((w) => /^-(?:batch|ex|x|p|-pid)/.test(w))) return null;
  return { pid, comm: program1 && /^[\w./-]+$/.test(program1) ? baseComm(program1) : undefined, core };
}

const LABEL_COMM_PID = /([A-Za-z][\w.:-]{0,30})\s*\((?:pid\s*)?(\d{1,8})\)/;
const LABEL_PID = /\b(?:pid|PID|process|tid|TID|LWP)(?:\s*[=:#]\s*|\s+)(\d{1,8})\b/;
const LABEL_WORD = /^([A-Za-z][\w.+-]{0,63}):$/;
const SOURCE_EXT = /\.(?:cc|c|cpp|cxx|h|hpp|go|rs|py|java|txt|log|out)$/;
const NOT_A_NAME = new Set(['pid', 'tid', 'process', 'thread', 'parent', 'child', 'worker', 'main', 'stack', 'backtrace', 'bt', 'the', 'of', 'and']);

/** A short line ending in ':' just above a backtrace: the pid it gives (stated) or the name (derived). */
export function backtraceLabel(text: string): { pid?: number; comm?: string } | null {
  const t = text.trim();
  if (t.length > 100 || !t.endsWith(':')) return null;
  let m = LABEL_COMM_PID.exec(t);
  if (m) return NOT_A_NAME.has(m[1].toLowerCase()) ? { pid: Number(m[2]) } : { pid: Number(m[2]), comm: m[1] };
  m = LABEL_PID.exec(t);
  if (m) return { pid: Number(m[1]) };
  m = LABEL_WORD.exec(t);
  if (m && !NOT_A_NAME.has(m[1].toLowerCase())) return { comm: m[1].replace(SOURCE_EXT, '') };
  return null;
}

/** "/usr/sbin/agent" -> "agent". */
export function baseComm(path: string): string {
  return (path.split('/').pop() ?? path).slice(0, 64);
}

/** Words of a command line, quotes honoured ("-ex 'thread apply all bt'" is two words), at most 64. */
function shellWords(args: string): string[] {
  const out: string[] = [];
  let word = '';
  let quote = '';
  let has = false;
  for (let i = 0; i < args.length && out.length < 64; i++) {
    const c = args[i];
    if (quote) {
      if (c === quote) quote = '';
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      has = true;
      continue;
    }
    if (c === ' ' || c === '\t') {
      if (has) out.push(word);
      word = '';
      has = false;
      continue;
    }
    word += c;
    has = true;
  }
  if (has && out.length < 64) out.push(word);
  return out;
}

function toPid(w: string | undefined): number | undefined {
  return w !== undefined && /^\d{1,8}$/.test(w) ? Number(w) : undefined;
}
