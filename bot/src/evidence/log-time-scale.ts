/**
 * Which clock a kernel-log time is on. Times on one clock can be compared
 * (kernel-log-time.ts turns each into seconds); times on different clocks
 * cannot: a paste may mix `dmesg` (seconds since boot) with journal stamps.
 *   mono    "84629.739949"              seconds since boot (dmesg, a live snapshot)
 *   iso     "2022-11-07T06:45:09+01:00" an instant (ISO-8601, dmesg --time-format=iso)
 *   local   "Mon Jun 19 05:16:10 2017"  dmesg -T: the node's local time, with a year
 *   syslog  "Nov  7 09:16:57"           local time without a year
 */
export type LogTimeScale = 'mono' | 'iso' | 'local' | 'syslog';

const MONO = /^\d+(?:\.\d+)?$/;
const WEEKDAY = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) /;

export function logTimeScale(time: string): LogTimeScale | undefined {
  if (time === '') return undefined;
  const c = time.charCodeAt(0);
  if (c >= 48 && c <= 57) return MONO.test(time) ? 'mono' : 'iso';
  return WEEKDAY.test(time) ? 'local' : 'syslog';
}
