/**
 * Parses one /proc/PID[/task/TID]/stat line.
 *
 * The comm field sits between the first "(" and the LAST ")": a comm may
 * itself contain spaces and parentheses (e.g. "(sd-pam)" or "a) b").
 */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  flags: number;
  utime: number;
  stime: number;
  priority: number;
  nice: number;
  numThreads: number;
  /** Clock ticks since boot (fits a double for 2.8 million years of uptime). */
  startTime: number;
  processor: number;
  rtPriority: number;
  /** Field 35: 0/1 placeholder on modern kernels (1 = blocked), not a symbol. */
  blocked: boolean;
}

/** Fields after comm that the collector keeps, by field number (state is 3). */
const WANTED_LAST = 40;
/** Reused for every line (parsing is synchronous): field n's numeric value. */
const f = new Float64Array(WANTED_LAST + 1);

/**
 * Walks the line once, reading numbers digit by digit: a 10,000-thread scan
 * parses 10,000 of these, and splitting each into fifty strings was a third
 * of the scan's time.
 */
export function parseStat(line: string): ProcStat | null {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(line.slice(0, open).trim());
  if (!Number.isInteger(pid) || line.charCodeAt(close + 1) !== 32) return null;
  // f[n] = numeric value of field n (4..40); negative numbers (nice, priority) allowed.
  f.fill(0);
  let i = close + 2;
  const state = line.charAt(i);
  let field = 3;
  const n = line.length;
  while (field < WANTED_LAST && i < n) {
    // skip to the next field
    while (i < n && line.charCodeAt(i) !== 32) i++;
    i++;
    field++;
    if (i >= n) break;
    let neg = false;
    if (line.charCodeAt(i) === 45) {
      neg = true;
      i++;
    }
    let v = 0;
    for (let c = line.charCodeAt(i); c >= 48 && c <= 57; c = line.charCodeAt(++i)) v = v * 10 + (c - 48);
    f[field] = neg ? -v : v;
  }
  // Fewer than 22 fields is not a stat line (start time is field 22).
  if (field < 22) return null;
  return {
    pid,
    comm: line.slice(open + 1, close),
    state,
    ppid: f[4],
    flags: f[9],
    utime: f[14],
    stime: f[15],
    priority: f[18],
    nice: f[19],
    numThreads: f[20],
    startTime: f[22],
    blocked: f[35] === 1,
    processor: f[39],
    rtPriority: f[40],
  };
}

/**
 * parseStat of `buf[0..n)` read as latin1, written into `out` (true) — or
 * false where parseStat answers null — without making the line a string:
 * the scan reads one stat file per thread, and their text was most of its
 * garbage. Lines of the usual form ("PID (comm) S ...") are read from the
 * bytes; anything else goes through parseStat itself, so both always agree.
 */
export function parseStatBytes(buf: Buffer, n: number, out: ProcStat): boolean {
  // The usual form: digits, a space, "(".
  let k = 0;
  let pid = 0;
  while (k < n && k < 15 && buf[k] >= 48 && buf[k] <= 57) pid = pid * 10 + (buf[k++] - 48);
  const open = k + 1;
  if (k === 0 || k >= 15 || open >= n || buf[k] !== 32 || buf[open] !== 40) return viaString(buf, n, out);
  let close = n - 1;
  while (close > open && buf[close] !== 41) close--;
  if (close <= open) return viaString(buf, n, out);
  if (close + 1 >= n || buf[close + 1] !== 32) return false;
  f.fill(0);
  let i = close + 2;
  const state = i < n ? String.fromCharCode(buf[i]) : '';
  let field = 3;
  while (field < WANTED_LAST && i < n) {
    while (i < n && buf[i] !== 32) i++;
    i++;
    field++;
    if (i >= n) break;
    let neg = false;
    if (buf[i] === 45) {
      neg = true;
      i++;
    }
    let v = 0;
    for (let c = i < n ? buf[i] : -1; c >= 48 && c <= 57; c = ++i < n ? buf[i] : -1) v = v * 10 + (c - 48);
    f[field] = neg ? -v : v;
  }
  if (field < 22) return false;
  out.pid = pid;
  out.comm = buf.toString('latin1', open + 1, close);
  out.state = state;
  out.ppid = f[4];
  out.flags = f[9];
  out.utime = f[14];
  out.stime = f[15];
  out.priority = f[18];
  out.nice = f[19];
  out.numThreads = f[20];
  out.startTime = f[22];
  out.blocked = f[35] === 1;
  out.processor = f[39];
  out.rtPriority = f[40];
  return true;
}

function viaString(buf: Buffer, n: number, out: ProcStat): boolean {
  const s = parseStat(buf.toString('latin1', 0, n));
  if (!s) return false;
  Object.assign(out, s);
  return true;
}
