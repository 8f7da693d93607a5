/**
 * Turns raw /proc/PID/cmdline bytes into one line with secrets redacted:
 * `--password=x`, `--token x`, `--pwd x`, `--key x` style flags, KEY=value
 * pairs whose key names a secret, URLs with credentials, `Authorization:
 * Basic|Bearer …` values, JWTs, and the programs whose short flags carry a
 * secret (`mysql -pSECRET`, `sshpass -p x`, `curl -u user:pass`,
 * `redis-cli -a x`).
 */
const SECRET_KEY = /(pass(word|wd)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|auth)/i;
/** A flag that is nothing but "key" (`--key x`, `-key x`): the value is a key or its file. */
const KEY_FLAG = /^-{1,2}key$/i;
const REDACTED = '<redacted>';

/** Short flags that take a secret, per program (basename of argv[0]). */
const SECRET_SHORT_FLAGS: Record<string, { flag: string; attached: boolean; separate: boolean; userPass?: boolean }[]> = {
  mysql: [{ flag: '-p', attached: true, separate: false }],
  mysqldump: [{ flag: '-p', attached: true, separate: false }],
  mysqladmin: [{ flag: '-p', attached: true, separate: false }],
  mariadb: [{ flag: '-p', attached: true, separate: false }],
  'mariadb-dump': [{ flag: '-p', attached: true, separate: false }],
  sshpass: [{ flag: '-p', attached: true, separate: true }],
  'redis-cli': [{ flag: '-a', attached: false, separate: true }],
  curl: [
    { flag: '-u', attached: true, separate: true, userPass: true },
    { flag: '--user', attached: false, separate: true, userPass: true },
    { flag: '--proxy-user', attached: false, separate: true, userPass: true },
  ],
  wget: [
    { flag: '--password', attached: false, separate: true },
    { flag: '--http-password', attached: false, separate: true },
  ],
};

export function redactCmdline(raw: string): string {
  const args = raw.split('\0');
  while (args.length > 0 && args[args.length - 1] === '') args.pop();
  const program = (args[0] ?? '').split('/').pop() ?? '';
  const shortFlags = SECRET_SHORT_FLAGS[program] ?? [];
  const out: string[] = [];
  let redactNext: 'all' | 'password-of-user' | null = null;
  for (const [i, arg] of args.entries()) {
    if (redactNext) {
      out.push(redactNext === 'password-of-user' ? userPass(arg) : REDACTED);
      redactNext = null;
      continue;
    }
    const short = i > 0 ? shortFlags.find((f) => arg === f.flag || (f.attached && arg.startsWith(f.flag) && arg.length > f.flag.length && !arg.startsWith('--'))) : undefined;
    if (short) {
      if (arg === short.flag) {
        if (short.separate) {
          out.push(arg);
          redactNext = short.userPass ? 'password-of-user' : 'all';
        } else out.push(arg); // `mysql -p`: it will prompt, nothing to hide
      } else {
        out.push(short.userPass ? `${short.flag}${userPass(arg.slice(short.flag.length))}` : `${short.flag}${REDACTED}`);
      }
      continue;
    }
    out.push(redactArg(arg));
    if (/^-{1,2}[\w.-]+$/.test(arg) && (SECRET_KEY.test(arg) || KEY_FLAG.test(arg))) redactNext = 'all';
  }
  return out.join(' ');
}

/** "user:pass" → "user:<redacted>"; a bare "user" stays (curl prompts). */
function userPass(value: string): string {
  const colon = value.indexOf(':');
  return colon >= 0 ? `${value.slice(0, colon + 1)}${REDACTED}` : value;
}

const JWT = /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]{4,}/g;

function redactArg(arg: string): string {
  const eq = arg.indexOf('=');
  if (eq > 0 && SECRET_KEY.test(arg.slice(0, eq))) return `${arg.slice(0, eq + 1)}${REDACTED}`;
  return arg
    .replace(/(\w+:\/\/)[^/\s:@]+:[^/\s@]+@/g, `$1${REDACTED}@`)
    .replace(/\b(Bearer\s+)[\w.~+/=-]+/gi, `$1${REDACTED}`)
    .replace(/\b(Basic\s+)[A-Za-z0-9+/=]{4,}/g, `$1${REDACTED}`)
    .replace(JWT, REDACTED);
}
