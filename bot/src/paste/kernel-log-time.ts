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

export function timeSeconds(time: string): number | undefined {
  if (time === lastText) return lastValue;
  lastText = time;
  lastValue = parse(time);
  return lastValue;
}

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
