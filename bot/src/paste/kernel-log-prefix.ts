/**
 * Recognises the prefix a kernel log line carries in each common source and
 * splits it from the message:
 *   dmesg          "[  783.891329] INFO: task ..."
 *   dmesg -T       "[Mon Nov  7 06:45:09 2022] libceph: ..."
 *   journalctl -k  "Nov 07 06:45:09 host22055 kernel: ..."
 *   syslog         "Jan  5 03:41:25 compute-4 kernel: [ 123.4] watchdog: ..."
 *   ISO syslog     "2022-11-07T06:45:09.123+01:00 host kernel: ..."
 *   dmesg --time-format=iso "2022-11-07T06:45:09,123456+01:00 INFO: task ..."
 *   journalctl -k -o short-monotonic "[  783.891329] host22055 kernel: ..."
 * with what may stand in front of those: a syslog priority ("<3>"), the
 * facility and level of `dmesg -x` ("kern  :err   : "), and after a dmesg
 * time the printk caller id of CONFIG_PRINTK_CALLER ("[    T123]", "[  C3]").
 * Other programs' syslog lines (kubelet, containerd) are returned too, with
 * their program name, because some of them are evidence (runtime timeouts).
 */
export interface LogLine {
  format: 'dmesg' | 'dmesg-T' | 'journalctl' | 'syslog';
  time: string;
  host?: string;
  program: string;
  text: string;
}

const MON = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const HUMAN = new RegExp(`^\\[((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MON} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4})\\] ?(.*)$`);
const SYSLOG = new RegExp(`^(${MON} ([ \\d]\\d) \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?) (\\S+) ([\\w./@:-]+?)(?:\\[(\\d+)\\])?: ?(.*)$`);
const ISO = /^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?) (\S+) ([\w./@:-]+?)(?:\[(\d+)\])?: ?(.*)$/;
const INNER = /^\[\s*(\d+\.\d+)\] ?/;
const DMESG_ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{6}[+-]\d\d:\d\d) (.*)$/;
const PRIORITY = /^<\d{1,3}>/;
const DMESG_X = /^(?:kern|user|daemon) *:(?:emerg|alert|crit|err|warn|notice|info|debug) *: /;
const CALLER = /^\[ *[TC]\d{1,7}\] ?/;
const MONOTONIC_HOST = /^([\w.-]{1,64}) kernel: (.*)$/;

/** `clean`: the caller knows the line holds no line terminator (\r, \u2028, \u2029), which no prefix pattern's message may hold. */
export function parseLogPrefix(line: string, clean = false): LogLine | null {
  const c = line.charCodeAt(0);
  if (c === 60 /* < */) {
    const pri = PRIORITY.exec(line);
    return pri ? parseLogPrefix(line.slice(pri[0].length)) : null;
  }
  if (c === 107 /* k */ || c === 117 /* u */ || c === 100 /* d */) {
    const x = DMESG_X.exec(line);
    return x ? parseLogPrefix(line.slice(x[0].length)) : null;
  }
  if (c === 91 /* [ */) {
    const raw = rawDmesg(line, clean);
    if (raw) return raw;
    const m = HUMAN.exec(line);
    if (m) return { format: 'dmesg-T', time: m[1], program: 'kernel', text: m[2] };
    return null;
  }
  if (c >= 65 && c <= 83 /* A..S: month names */) {
    const m = SYSLOG.exec(line);
    if (!m) return null;
    return fromSyslog(m[2].startsWith('0') ? 'journalctl' : 'syslog', m[1], m[3], m[4], m[6]);
  }
  if (c >= 48 && c <= 57 /* digit */) {
    const d = DMESG_ISO.exec(line);
    if (d) return { format: 'dmesg', time: d[1], program: 'kernel', text: stripCaller(d[2]) };
    const m = ISO.exec(line);
    return m ? fromSyslog('journalctl', m[1], m[2], m[3], m[5]) : null;
  }
  return null;
}

/**
 * "[  783.891329] text": RAW (`^\[\s*(\d+\.\d+)\] ?(.*)$`) scanned by hand,
 * the shape of most lines of a log; null where RAW would not match
 * (including a message holding a line terminator, which `.` refuses).
 */
function rawDmesg(line: string, clean: boolean): LogLine | null {
  let i = 1;
  while (isSpace(line.charCodeAt(i))) i++;
  const from = i;
  while (isDigit(line.charCodeAt(i))) i++;
  if (i === from || line.charCodeAt(i) !== 46 /* . */) return null;
  const frac = ++i;
  while (isDigit(line.charCodeAt(i))) i++;
  if (i === frac || line.charCodeAt(i) !== 93 /* ] */) return null;
  const time = line.slice(from, i);
  i++;
  if (line.charCodeAt(i) === 32) i++;
  const rest = i === line.length ? '' : line.slice(i);
  if (!clean && (rest.includes('\n') || rest.includes('\r') || rest.includes('\u2028') || rest.includes('\u2029'))) return null;
  // journalctl -o short-monotonic: "[ 5.123456] host kernel: text" (most lines lack the word: told by one scan)
  const j = rest.includes(' kernel: ') ? MONOTONIC_HOST.exec(rest) : null;
  return j ? { format: 'journalctl', time, host: j[1], program: 'kernel', text: j[2] } : { format: 'dmesg', time, program: 'kernel', text: stripCaller(rest) };
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** What `\s` matches. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

const stripCaller = (text: string): string => (text.charCodeAt(0) === 91 ? text.replace(CALLER, '') : text);

/** rsyslog escapes control characters as #ooo (a tab is #011). */
const unescapeRsyslog = (s: string): string => (s.includes('#0') ? s.replace(/#(0[0-3][0-7])/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))) : s);

function fromSyslog(format: LogLine['format'], time: string, host: string, program: string, rest: string): LogLine {
  let text = unescapeRsyslog(rest);
  const inner = INNER.exec(text);
  if (inner) text = text.slice(inner[0].length);
  return { format, time, host, program, text };
}
