/**
 * A kernel log time as printed, in seconds, only to tell whether two lines
 * belong to one event: monotonic seconds ("84629.739949"), syslog
 * ("Nov  7 09:16:57": no year, seconds within a 372-day year), dmesg -T
 * ("Mon Jun 19 05:16:10 2017") and ISO-8601. Times of different formats are
 * not comparable; '' (a line pasted without its prefix) has no time.
 */
const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const SYSLOG = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d(?:\.\d+)?)$/;
const HUMAN = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})$/;

let lastText = '';
let lastValue: number | undefined;
let lastMono = false;

export function timeSeconds(time: string): number | undefined {
  if (time === lastText) return lastValue;
  lastText = time;
  const mono = monoSeconds(time);
  lastMono = mono !== undefined;
  lastValue = lastMono ? mono : parse(time);
  return lastValue;
}

/** Is the time monotonic seconds ("84629.739949")? Known from timeSeconds' last parse, the common case, without a pattern. */
export function isMonoTime(time: string): boolean {
  timeSeconds(time);
  return lastMono;
}

/**
 * Monotonic seconds ("84629.739949", /^\d+(?:\.\d+)?$/) without Number():
 * the digits as one integer N (exact below 2^53) over 10^k (exact up to
 * 10^22) is one correctly rounded division, the very double Number() gives.
 * undefined when the text is not of that shape (or too long to be exact).
 */
export function monoSeconds(time: string): number | undefined {
  const len = time.length;
  if (len === 0 || len > 17) return undefined;
  let n = 0;
  let dot = -1;
  for (let i = 0; i < len; i++) {
    const c = time.charCodeAt(i);
    if (c >= 48 && c <= 57) n = n * 10 + (c - 48);
    else if (c === 46 /* . */ && dot < 0 && i > 0 && i < len - 1) dot = i;
    else return undefined;
  }
  // At most 16 digits: below 10^16, but 2^53 is about 9.007e15.
  if (n > Number.MAX_SAFE_INTEGER) return undefined;
  return dot < 0 ? n : n / POW10[len - 1 - dot];
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];

function parse(time: string): number | undefined {
  if (time === '') return undefined;
  const c = time.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const n = Number(time);
    if (!Number.isNaN(n)) return n;
    const ms = Date.parse(time.replace(',', '.'));
    return Number.isNaN(ms) ? undefined : ms / 1000;
  }
  let m = SYSLOG.exec(time);
  if (m) return ((MONTHS[m[1]] ?? 0) * 31 + Number(m[2])) * 86400 + Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5]);
  m = HUMAN.exec(time);
  if (m) return Date.UTC(Number(m[6]), MONTHS[m[1]] ?? 0, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) / 1000;
  return undefined;
}
