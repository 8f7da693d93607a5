/**
 * Reads the output of collect.sh: records ended by NUL bytes. A record is a
 * marker ("@@scan 1", "@@batch 0") or "NAME:CONTENT", where NAME is a path
 * (relative to /proc, or absolute) or a fixed name such as "ls-ns". Contents
 * stay byte-for-byte in latin1 strings; `utf8` re-decodes the few files the
 * collector reads as UTF-8 (cmdline, stack, mountinfo, the kernel log).
 */
export type RemoteRecord = { mark: string[] } | { name: string; text: string };

const CGROUP_FILE = /^(\/sys\/fs\/cgroup\/.*?\/(?:freezer\.state|cgroup\.events|cgroup\.freeze|memory\.[a-z_]+)):/;

export function parseRecords(out: Buffer): RemoteRecord[] {
  const text = out.toString('latin1');
  const records: RemoteRecord[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\0', start);
    if (end < 0) end = text.length;
    if (end > start) records.push(toRecord(text.slice(start, end)));
    start = end + 1;
  }
  return records;
}

function toRecord(r: string): RemoteRecord {
  if (r.startsWith('@@')) return { mark: r.slice(2).split(' ') };
  // Cgroup directories may have ':' in their names: cut after the known file name.
  const cg = r.startsWith('/sys/fs/cgroup/') ? CGROUP_FILE.exec(r) : null;
  const colon = cg ? cg[1].length : r.indexOf(':');
  if (colon < 0) return { name: '', text: r };
  return { name: r.slice(0, colon), text: r.slice(colon + 1) };
}

export const utf8 = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('utf8');

/** The records between marker `from` and the next marker of `sections`, in order. */
export function section(records: RemoteRecord[], from: string): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = [];
  let inside = false;
  for (const r of records) {
    if ('mark' in r) {
      if (inside && SECTION_MARKS.has(r.mark[0])) break;
      if (r.mark[0] === from) inside = true;
      continue;
    }
    if (inside) out.push(r);
  }
  return out;
}

const SECTION_MARKS = new Set(['scan', 'cpu1', 'tasks', 'node', 'cgroups', 'kmsg', 'cpu2', 'end', 'cmdlines', 'details', 'plain', 'stacks']);

/** A file read through the script's guarded batches (cmdline, stack). */
export type GuardedFile = { status: 'ok'; raw: string } | { status: 'timed-out'; triedMs: number } | { status: 'skipped' };

const TIMED_OUT = new Set(['124', '137']);
/** What grep -H names the input it read from a pipe (GNU and busybox). */
const STDIN = '(standard input)';

/**
 * The guarded reads of one section: records count once their batch or file
 * ended without a timeout; a file whose own read timed out is `timed-out`,
 * one skipped after too many stuck reads is `skipped`. Pieces of one file
 * (cmdline arguments) are joined with NUL again.
 */
export function guardedFiles(records: RemoteRecord[], from: string): Map<string, GuardedFile> {
  const files = new Map<string, GuardedFile>();
  let pending: Array<{ name: string; text: string }> = [];
  const commit = (): void => {
    for (const p of pending) {
      const had = files.get(p.name);
      files.set(p.name, { status: 'ok', raw: had?.status === 'ok' ? `${had.raw}\0${p.text}` : p.text });
    }
    pending = [];
  };
  let inside = false;
  // Between "@@cut PATH" and its "@@file PATH RC": PATH read alone through head -c, its pieces named by grep "(standard input)".
  let cut: string | undefined;
  for (const r of records) {
    if (!('mark' in r)) {
      if (inside && r.name === STDIN) {
        if (cut !== undefined) pending.push({ name: cut, text: r.text });
      } else if (inside) pending.push(r);
      continue;
    }
    const [m, a, b] = r.mark;
    if (m === from) {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (m === 'cut') {
      pending = [];
      cut = a;
      continue;
    }
    cut = undefined;
    if (m === 'batch') {
      if (TIMED_OUT.has(a)) pending = [];
      else commit();
    } else if (m === 'file') {
      if (TIMED_OUT.has(b)) {
        pending = [];
        files.set(a, { status: 'timed-out', triedMs: 1000 });
      } else commit();
    } else if (m === 'skip') {
      files.set(a, { status: 'skipped' });
    } else if (SECTION_MARKS.has(m)) {
      break;
    }
  }
  return files;
}

/** The marks a complete run ends with; a run without them was cut short. */
export function completed(records: RemoteRecord[]): boolean {
  const last = records[records.length - 1];
  return Boolean(last && 'mark' in last && last.mark[0] === 'end');
}

export function fatal(records: RemoteRecord[]): string | undefined {
  for (const r of records) if ('mark' in r && r.mark[0] === 'fatal') return r.mark.slice(1).join(' ');
  return undefined;
}
