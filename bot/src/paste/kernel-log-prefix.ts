/**
 * Recognises the prefix a kernel log line carries in each common source and
 * splits it from the message:
 *   dmesg          "[  783.891329] INFO: task ..."
 *   dmesg -T       "[Mon Nov  7 06:45:09 2022] libceph: ..."
 *   journalctl -k  "Nov 07 06:45:09 host22055 kernel: ..."
 *   syslog         "Jan  5 03:41:25 compute-4 kernel: [ 123.4] watchdog: ..."
 *   ISO syslog     "2022-11-07T06:45:09.123+01:00 host kernel: ..."
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
const RAW = /^\[\s*(\d+\.\d+)\] ?(.*)$/;
const HUMAN = new RegExp(`^\\[((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MON} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4})\\] ?(.*)$`);
const SYSLOG = new RegExp(`^(${MON} ([ \\d]\\d) \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?) (\\S+) ([\\w./@:-]+?)(?:\\[(\\d+)\\])?: ?(.*)$`);
const ISO = /^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?) (\S+) ([\w./@:-]+?)(?:\[(\d+)\])?: ?(.*)$/;
const INNER = /^\[\s*(\d+\.\d+)\] ?/;

export function parseLogPrefix(line: string): LogLine | null {
  const c = line.charCodeAt(0);
  if (c === 91 /* [ */) {
    let m = RAW.exec(line);
    if (m) return { format: 'dmesg', time: m[1], program: 'kernel', text: m[2] };
    m = HUMAN.exec(line);
    if (m) return { format: 'dmesg-T', time: m[1], program: 'kernel', text: m[2] };
    return null;
  }
  if (c >= 65 && c <= 83 /* A..S: month names */) {
    const m = SYSLOG.exec(line);
    if (!m) return null;
    return fromSyslog(m[2].startsWith('0') ? 'journalctl' : 'syslog', m[1], m[3], m[4], m[6]);
  }
  if (c >= 48 && c <= 57 /* digit */) {
    const m = ISO.exec(line);
    if (!m) return null;
    return fromSyslog('journalctl', m[1], m[2], m[3], m[5]);
  }
  return null;
}

/** rsyslog escapes control characters as #ooo (a tab is #011). */
const unescapeRsyslog = (s: string): string => (s.includes('#0') ? s.replace(/#(0[0-3][0-7])/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))) : s);

function fromSyslog(format: LogLine['format'], time: string, host: string, program: string, rest: string): LogLine {
  let text = unescapeRsyslog(rest);
  const inner = INNER.exec(text);
  if (inner) text = text.slice(inner[0].length);
  return { format, time, host, program, text };
}
