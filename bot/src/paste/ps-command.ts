import { col, DIALECTS, layoutFromSpec, type Column, type TableLayout } from './ps-columns';

/**
 * The columns a ps command prints, from its options: UNIX (`-ef`, `-eLf`,
 * `-l`, `-j`, `-L`, `-o LIST`, `-O LIST`), BSD letter clusters (`aux`, `axl`,
 * `axjf`, `fx`, `s`, `v`, `o LIST`), `--forest`, `-p N`. Output pasted without
 * its header is read with these; a header, when there is one, wins.
 */
export interface PsOptions {
  layout: TableLayout | null;
  /** f, --forest, -H: the command column is drawn as a tree. */
  tree: boolean;
  /** -p N / p N / --pid N with one pid. */
  onlyPid?: number;
}

const MAX_WORDS = 200;

/** Options that take the next word as their argument (UNIX after "-", BSD without). */
const UNIX_ARG = new Set(['o', 'O', 'p', 'u', 'U', 'g', 'G', 'C', 't', 's', 'q']);
const BSD_ARG = new Set(['o', 'O', 'p', 'U', 't', 'k']);
/** "ps -aux" is read by procps as BSD "aux". */
const DASHED_BSD = /^-(?=[a-z]*u)(?=[a-z]*x)[auxfwcehmr]+$/;

export function psOptions(args: string): PsOptions {
  // A ps command line has a few dozen words at most.
  const words = args
    .trim()
    .split(/\s+/, MAX_WORDS)
    .filter(Boolean)
    .map((w) => w.replace(/^['"]|['"]$/g, ''));
  const unix = new Set<string>();
  const bsd = new Set<string>();
  const spec: string[] = [];
  let preloaded = false;
  let tree = false;
  const pids: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w.startsWith('--')) {
      const [name, value] = w.slice(2).split('=', 2);
      const arg = (): string => value ?? words[++i] ?? '';
      if (name === 'forest') tree = true;
      else if (name === 'format' || name === 'o') spec.push(arg());
      else if (name === 'pid' || name === 'p') pids.push(arg());
      else if (['sort', 'ppid', 'user', 'User', 'group', 'Group', 'cols', 'columns', 'lines', 'rows', 'width', 'sid', 'tty', 'pid-namespace'].includes(name) && value === undefined) i++;
      continue;
    }
    if (w.startsWith('-') && !DASHED_BSD.test(w)) {
      const letters = w.slice(1);
      for (let j = 0; j < letters.length; j++) {
        const c = letters[j];
        if (UNIX_ARG.has(c)) {
          const rest = letters.slice(j + 1);
          const value = rest || words[++i] || '';
          if (c === 'o' || c === 'O') {
            spec.push(value);
            preloaded ||= c === 'O';
          } else if (c === 'p' || c === 'q') pids.push(value);
          break;
        }
        unix.add(c);
      }
      continue;
    }
    if (/^[a-zA-Z]+$/.test(w) || DASHED_BSD.test(w)) {
      const letters = w.replace(/^-/, '');
      for (let j = 0; j < letters.length; j++) {
        const c = letters[j];
        if (BSD_ARG.has(c)) {
          const rest = letters.slice(j + 1);
          const value = rest || words[++i] || '';
          if (c === 'o' || c === 'O') {
            spec.push(value);
            preloaded ||= c === 'O';
          } else if (c === 'p') pids.push(value);
          break;
        }
        bsd.add(c);
      }
      continue;
    }
    if (/^\d+(?:,\d+)*$/.test(w)) pids.push(w);
  }
  if (bsd.has('f') || unix.has('H')) tree = true;
  const pidList = pids.join(',').split(',').filter(Boolean);
  const onlyPid = pidList.length === 1 && /^\d+$/.test(pidList[0]) ? Number(pidList[0]) : undefined;
  return { layout: pick(unix, bsd, spec, preloaded, tree), tree, onlyPid };
}

function pick(unix: Set<string>, bsd: Set<string>, spec: string[], preloaded: boolean, tree: boolean): TableLayout | null {
  const named = (l: TableLayout): TableLayout => ({ ...l, source: 'command', tree: tree && !l.columns.some((c) => c.role === 'ppid') });
  if (spec.length) {
    const columns: Column[] = layoutFromSpec(spec.join(','));
    // -O LIST: pid, the list, then the default columns.
    const all = preloaded ? [col('pid', 'uint'), ...columns, col('state', 'state'), col('skip', 'tty'), col('skip', 'time'), col('cmd')] : columns;
    return all.length ? named({ name: `-o ${spec.join(',')}`, columns: all, kind: 'ps', source: 'command' }) : null;
  }
  if (bsd.size) {
    if (bsd.has('u')) return named(DIALECTS.aux);
    if (bsd.has('l')) return named(DIALECTS.bsdl);
    if (bsd.has('j')) return named(DIALECTS.bsdj);
    if (bsd.has('s')) return named(DIALECTS.s);
    if (bsd.has('v')) return named(DIALECTS.v);
    return named(DIALECTS.bsd);
  }
  const threads = unix.has('L');
  if (unix.has('l')) return named(unix.has('y') ? DIALECTS.ely : unix.has('f') ? DIALECTS.elf : DIALECTS.el);
  if (unix.has('F')) return named(threads ? DIALECTS.eLF : DIALECTS.eF);
  if (unix.has('f')) return named(threads ? DIALECTS.eLf : unix.has('j') ? DIALECTS.jf : DIALECTS.ef);
  if (unix.has('j')) return named(DIALECTS.j);
  if (threads || unix.has('T')) return named(DIALECTS.L);
  return named(DIALECTS.e);
}

/**
 * The ps run by a wrapper: `kubectl exec POD -- ps -ef`, `docker exec C ps aux`,
 * `nsenter -t 1 -p -- ps`, `docker top C [ps options]`. Null when no ps is run.
 */
export function innerPsArgs(program: string, args: string): string | null {
  if (program === 'ps') return args;
  const words = args.trim().split(/\s+/);
  if (program === 'docker' && words[0] === 'top') return words.length > 2 ? words.slice(2).join(' ') : '-ef';
  const at = words.findIndex((w) => w === 'ps' || /\/ps$/.test(w));
  return at >= 0 ? words.slice(at + 1).join(' ') : null;
}

const MENTION_BEFORE = new Set([' ', '\t', "'", '"', '`', '$', '(', ';', '|', '#', '>']);
const MENTION_END = /['"`|;)]/;
/** A BSD cluster as people type it: aux, axl, fxa, axjf, fx ... (an a or an x, BSD letters only). */
const BSD_CLUSTER = /^(?=[a-zA-Z]*[ax])[auxfljswvehmcrTLHSnog]+$/;
const MAX_MENTIONS = 8;

/**
 * The arguments of a ps run the shell reader did not see as a command: inside
 * `ssh host "ps -eo ..."`, `watch 'ps ...'`, backticks in prose ("I ran
 * `ps -eo pid,stat,wchan:32,comm`"). Null when the line names no ps run.
 */
export function psMention(text: string): string | null {
  if (text.length > 4000) return null;
  let from = 0;
  for (let k = 0; k < MAX_MENTIONS; k++) {
    const at = text.indexOf('ps ', from);
    if (at < 0) return null;
    from = at + 3;
    if (at > 0 && !MENTION_BEFORE.has(text[at - 1])) continue;
    const rest = text.slice(at + 3);
    const end = MENTION_END.exec(rest);
    const args = (end ? rest.slice(0, end.index) : rest).trim();
    const first = args.split(/\s+/, 1)[0] ?? '';
    if ((first.startsWith('-') && first.length > 1) || BSD_CLUSTER.test(first)) return args;
  }
  return null;
}
