/**
 * Suggested commands are copied into a root shell. Strings a tenant controls
 * — comm, cmdline, cgroup paths, mount points seen from a container — never
 * go into one unquoted: commands name explicit pids where they can, and
 * otherwise quote with these helpers.
 */

/** Characters that never need quoting in a POSIX shell word. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One POSIX shell word that stands for exactly `s`: single quotes, with a
 * quote inside written as '\''. Control characters (a newline in a comm)
 * are kept literally inside the quotes, where they are harmless.
 */
export function shellQuote(s: string): string {
  if (s !== '' && PLAIN.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `s` as a regular expression (ERE or BRE, pgrep/grep -E/awk) that matches only `s`. */
export function regexEscape(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** `kill -TERM 2001 2002 …` for explicit pids (at most `max`), never a name. */
export function killPids(signal: 'TERM' | 'KILL' | 'CONT', pids: readonly number[], max = 64): string {
  const list = [...new Set(pids.filter((p) => Number.isInteger(p) && p > 0))].slice(0, max);
  return list.length ? `kill -${signal} ${list.join(' ')}` : `kill -${signal} PID`;
}
