import * as path from 'node:path';

/**
 * Shell prompts and the commands behind pasted output: they say which pid a
 * bare `cat stat` was about and which columns a header-less `ps` printed.
 *   host22055:/proc/22103 # cat stat
 *   user@host22055:~> sudo cat /proc/22026/stack
 *   [root@node-1 ~]# ps aux | grep fsck
 *   $ dmesg -T
 *   crash> bt 112272
 */
export interface ShellCommand {
  cwd?: string;
  /** The command with sudo and pipes into grep/head/less removed. */
  program: string;
  args: string;
  raw: string;
}

const PROMPTS: RegExp[] = [
  /^(?:[\w.-]+@)?[\w.-]+:([~/][^\s#$>]*)\s*[#$>]\s?(.*)$/,
  /^\[[\w.-]+@[\w.-]+\s+([^\]]*)\][#$]\s?(.*)$/,
  /^()[#$]\s+(.*)$/,
  /^()crash>\s*(.*)$/,
  /^()[\w.-]+@[\w.-]+[#$%>]\s?(.*)$/,
];

const KNOWN =
  /^(?:ps|top|cat|dmesg|journalctl|grep|egrep|head|tail|less|uptime|uname|strace|echo|bt|ls|find|pstree|kubectl|crictl|free|vmstat|iostat|mount|findmnt|crash|docker|systemctl|kill|sleep|awk|cd|w|sudo)$/;
const BARE = /^(?:sudo\s+)?(?:ps(?:\s+(?:a?ux\w*|-\S+)(?:\s+\S+)*)?|top(?:\s+-\S+(?:\s+\S+)*)?|dmesg(?:\s+-\S+)*|journalctl(?:\s+-\S+)*|uptime|cat\s+\/\S+|echo\s+\w\s*>\s*\/proc\/sysrq-trigger)\s*$/;

export function parseShellLine(line: string): ShellCommand | null {
  for (const re of PROMPTS) {
    const m = re.exec(line);
    if (m) {
      const cmd = splitCommand(m[2]);
      if (!cmd && m[2].trim() !== '') return null;
      return { cwd: m[1] || undefined, program: cmd?.program ?? '', args: cmd?.args ?? '', raw: m[2] };
    }
  }
  if (BARE.test(line.trim())) {
    const cmd = splitCommand(line.trim());
    if (cmd) return { program: cmd.program, args: cmd.args, raw: line.trim() };
  }
  return null;
}

/** The text before the first pipe that is not inside quotes. */
function beforePipe(text: string): string {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '|') return text.slice(0, i);
  }
  return text;
}

function splitCommand(text: string): { program: string; args: string } | null {
  const first = beforePipe(text)
    .trim()
    .replace(/^sudo\s+(?:-\S+\s+)*/, '');
  const m = /^(\S+)\s*(.*)$/.exec(first);
  if (!m) return null;
  const program = m[1].split('/').pop() ?? m[1];
  if (!KNOWN.test(program)) return null;
  return { program, args: m[2] };
}

/** What a file argument points at, resolved against the prompt's directory. */
export interface ProcTarget {
  file: string;
  pid?: number;
  tid?: number;
  path: string;
}

export function procTarget(cwd: string | undefined, arg: string): ProcTarget | null {
  if (!arg || arg.startsWith('-')) return null;
  const abs = arg.startsWith('/') ? path.posix.normalize(arg) : path.posix.join(cwd && cwd.startsWith('/') ? cwd : '/', arg);
  const m = /^\/proc\/(\d+)(?:\/task\/(\d+))?\/(\w+)$/.exec(abs);
  if (m) return { file: m[3], pid: Number(m[1]), tid: m[2] ? Number(m[2]) : undefined, path: abs };
  const base = path.posix.basename(abs);
  return { file: base, path: abs };
}

/** The file arguments of cat/grep/head/tail (grep's pattern is skipped). */
export function fileArgs(cmd: ShellCommand): string[] {
  const words = cmd.args.match(/'[^']*'|"[^"]*"|\S+/g) ?? [];
  const plain = words.filter((w) => !w.startsWith('-'));
  if (cmd.program === 'grep' || cmd.program === 'egrep') return plain.slice(1);
  return plain;
}
