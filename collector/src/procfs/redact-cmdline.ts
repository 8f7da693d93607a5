/**
 * Turns raw /proc/PID/cmdline bytes into one line with secrets redacted:
 * `--password=x`, `--token x`, `-p x` style flags, KEY=value pairs whose key
 * names a secret, URLs with credentials, and bearer tokens.
 */
const SECRET_KEY = /(pass(word|wd)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|auth)/i;
const REDACTED = '<redacted>';

export function redactCmdline(raw: string): string {
  const args = raw.split('\0');
  while (args.length > 0 && args[args.length - 1] === '') args.pop();
  const out: string[] = [];
  let redactNext = false;
  for (const arg of args) {
    if (redactNext) {
      out.push(REDACTED);
      redactNext = false;
      continue;
    }
    out.push(redactArg(arg));
    if (/^-{1,2}[\w.-]+$/.test(arg) && SECRET_KEY.test(arg)) redactNext = true;
  }
  return out.join(' ');
}

function redactArg(arg: string): string {
  const eq = arg.indexOf('=');
  if (eq > 0 && SECRET_KEY.test(arg.slice(0, eq))) return `${arg.slice(0, eq + 1)}${REDACTED}`;
  return arg
    .replace(/(\w+:\/\/)[^/\s:@]+:[^/\s@]+@/g, `$1${REDACTED}@`)
    .replace(/\b(Bearer\s+)[\w.~+/=-]+/gi, `$1${REDACTED}`);
}
