import type { StatedFact } from '../evidence/evidence';
import { siteOf } from '../diagnosis/wait-sites';

/**
 * Facts people state in sentences — in headings, bullet lists and plain
 * paragraphs — as StatedFacts with their line number:
 *   wait-site         "stuck in zap_pid_ns_processes", "the main process is in `do_exit`"
 *   state / zombie    "is in D state", "uninterruptible", "the state was "Z" (zombie)", "defunct"
 *   kill-ineffective  "kill -9 does nothing", "SIGKILL has no effect", "cannot be killed"
 *   load-idle         "load average ~50 while the CPU was 100% idle"
 *   terminating       "the pod is stuck in `Terminating`"
 *   hang              "`docker inspect` hangs", "process 4411 hangs", "... (hung) ..." after a command,
 *                     the hung-task detector's words ("kernel hung_task", "blocked for more than 120 seconds")
 *   oom               "the container was OOM killed"
 * with the pid or command the sentence names. Hypotheses ("can lead to D if…")
 * and negations ("wasn't OOM killed") state nothing. Low confidence by design:
 * enough to suggest a finding and ask for evidence, never to make a signal work.
 */

const MAX_CHARS = 2000;
const MAX_FACTS_PER_LINE = 8;

/** Cheap gate: one of these must occur before any pattern runs. */
const GATE = /stuck|stall|block|hang|hung|wait|sleep|park|spin|loop|state|uninterruptible|defunct|zombie|kill|load|terminat|oom|out of memory|\b(?:is|are|was|were|sits?) in\b/i;
const MARKDOWN_LEAD = /^\s*(?:>\s*)*(?:#{1,6}\s+|[-*+]\s+|\d{1,3}[.)]\s+)?/;
const MD_ESCAPE = /\\([<>_*`[\]#|])/g;
const WORDS = /[A-Za-z]{2,}/g;

const HYPOTHETICAL = /\b(?:if|would|could(?! not|n't)|might|should|may|whether|unless|can(?!not|'t))\b|\bcan lead\b|\bsupposed to\b|\bexpected to\b/i;
/** A negation at most two words before the point: "is not in D state", "wasn't OOM killed", "no zombie". */
const NEGATION_BEFORE = /\b(?:not|never|no|without|isn't|wasn't|aren't|weren't|doesn't|didn't|don't|hasn't|haven't|cannot|can't)\s+(?:\S+\s+){0,2}$/i;
const NEGATION_IN = /\b(?:not|never|isn't|wasn't|aren't|weren't|no longer)\b/i;

const SITE =
  /\b(?:stuck|stall(?:ed|s|ing)?|block(?:ed|s|ing)?|hung|hang(?:s|ing)?|wait(?:s|ed|ing)?|sleep(?:s|ing)?|slept|park(?:ed|s)?|spin(?:s|ning)?|loop(?:s|ed|ing)?|sit(?:s|ting)?|sat|remain(?:s|ed)?|is|are|was|were|stays?|stayed|gets?|got)\b[^.;:]{0,40}?\b(?:in|on|at|inside)\s+(?:the\s+)?(?:kernel\s+)?(?:function\s+)?[`'"]?([A-Za-z_][A-Za-z0-9_]*(?:\.[a-z]+(?:\.\d+)?)?)(\(\))?/g;
const FUNCTION = /^[a-z_][a-z0-9_]*_[a-z0-9_]*(?:\.[a-z]+(?:\.\d+)?)?$/;

const STATE_IN = /(?:^|[\s(])[`"']?([DRSZTX]|t\+|T\+|D\+|S\+)[`"']?(?:\s*\([a-z ]{3,30}\))?[\s-]+state\b/g;
const STATE_OF = /\bstate\s+(?:is\s+|was\s+)?(?:in\s+)?[`"']([DRSZTX])\+?[`"']/g;
const STATE_PAREN = /[`"']([DRSZTX])[`"']\s*\((zombie|uninterruptible|disk sleep|stopped|traced|running|sleeping)/g;
const UNINTERRUPTIBLE = /\buninterruptible(?:\s+(?:sleep|state|wait|io|i\/o))?\b/gi;
const ZOMBIE = /\b(?:zombies?|defunct)\b/gi;
const ZOMBIE_PID = /\b(?:zombie|defunct)(?:\s+(?:process|task|child))?\s+\(?(?:pid\s*)?(\d{2,8})\b/i;

const KILL_NOOP = [
  /\bkill\s+-(?:9|KILL|SIGKILL|s\s+KILL)\b[^.;]{0,40}?\b(?:does nothing|did nothing|has no effect|had no effect|no effect|doesn'?t (?:work|help|do anything)|didn'?t (?:work|help|do anything)|does not (?:work|help)|did not (?:work|help)|is ignored|was ignored|won'?t work|fails?|failed|nothing happens)/i,
  /\bsigkill\b[^.;]{0,40}?\b(?:no effect|is ignored|was ignored|ignored|does nothing|did nothing|doesn'?t (?:work|help)|didn'?t (?:work|help)|does not (?:work|help)|did not (?:work|help))/i,
  /\b(?:cannot|can'?t|could not|couldn'?t|unable to|impossible to|not possible to)\s+(?:be\s+)?(?:kill(?:ed)?|terminated?)\b/i,
  /\bunkillable\b|\bnot even [`"']?kill -9\b|\bignor(?:e|es|ed|ing) (?:all )?(?:of )?(?:the )?signals\b|\b(?:won'?t|will not|doesn'?t|does not|refuses? to) die\b/i,
];

const KILL_PID = /\bkill\s+-(?:9|KILL|SIGKILL|s\s+KILL)\s+(\d{2,8})\b/;
const LOAD = /\bload(?:\s+average|\s+avg|avg)?\b[^\d.;]{0,30}?(\d+(?:\.\d+)?)/i;
const IDLE = /\bidle\b|\bcpus?\b[^.;]{0,40}?\b(?:(?:went|dropped|slowed|fell|down)\s+to\s+~?\s*0\b|0(?:\.0)?\s*%)/i;
const TERMINATING = /\b(?:stuck|hang(?:s|ing)?|hung|remain(?:s|ed|ing)?|stays?|stayed|staying|always|infinite(?:ly)?|forever|still|keeps?|kept|left)\b[^.;]{0,40}?[`"'\s]terminating\b/i;
const HANG = /\b(?:hangs|hung|hanging|freezes|froze|never returns|does not return|doesn'?t return|blocks forever|(?:gets|got|is|are|was|were|becomes?) stuck)\b/i;
const HUNG_TASK = /\bhung_task\b|\bhung task\b|\bblocked for (?:more than |over |>\s*)\d+\s*(?:s\b|sec)/i;
const OOM = /\b(?:oom[- ]?kill(?:ed|er|ing|s)?|out of memory|oomkilled|oom)\b/i;

const PID = /\b(?:pid|tgid|process|task|thread|tid)\s*[:#=]?\s*(\d{2,8})\b/i;
const COMM_PID = /\b([A-Za-z][\w.:-]{1,30})\s*\((?:pid\s*)?(\d{2,8})\)/;
const PID_COMM = /\b(\d{2,8})\s*\(([A-Za-z][\w.:-]{1,30})\)/;
const BACKTICK = /`([^`]{1,80})`/g;
/** An inline ps row: "1188470 cat D __access_remote_vm". */
const PS_SPAN = /^(\d{1,8})\s+(\S{1,32})\s+([RSDZTtIX])[+<NLsl]*(?:\s+(\S+))?$/;
/** "our fluentd process", "the scanner process": one word between a determiner and "process". */
const NAMED_PROCESS = /\b(?:the|our|my|a|an|this|that|its|their|your)\s+([a-z][a-z0-9_.-]{1,30})\s+process\b/i;
const NOT_A_NAME = new Set([
  'the',
  'a',
  'an',
  'this',
  'that',
  'these',
  'those',
  'main',
  'child',
  'parent',
  'worker',
  'master',
  'zombie',
  'defunct',
  'container',
  'init',
  'same',
  'whole',
  'each',
  'every',
  'other',
  'one',
  'our',
  'your',
  'my',
  'its',
  'their',
  'another',
  'any',
  'first',
  'second',
  'stuck',
  'hung',
  'new',
  'old',
  'user',
  'kernel',
  'single',
  'only',
  'running',
  'daemon',
  'background',
  'foreground',
  'application',
  'app',
  'host',
  'some',
  'all',
  'no',
  'of',
  'in',
  'on',
  'and',
  'or',
  'to',
  'is',
  'was',
  'leader',
  'calling',
  'target',
  'traced',
  'tracing',
  'dead',
  'exited',
  'exiting',
]);
/** Words in backticks that are a pod's or node's status, not a command name. */
const K8S_STATUS = /^(?:Terminating|Running|Pending|NotReady|Ready|Unknown|Completed|Error|CrashLoopBackOff|ContainerCreating|Evicted|OOMKilled|NodeLost)$/i;
const COMMANDS =
  /^(?:ps|top|htop|pgrep|pkill|pidof|ls|df|du|cat|stat|strace|gdb|docker|kubectl|crictl|ctr|runc|podman|nerdctl|systemctl|mount|umount|sync|lsof|fuser|find|kill|journalctl|dmesg|reboot|shutdown|cd|tail|head|grep|rm|mv|cp|touch|echo|sh|bash)$/;

export interface ProseContext {
  /** The command of the shell line just before this one ("docker inspect 235e"), if any. */
  lastCommand?: string;
}

/** The facts one line states; [] when it is not prose or states nothing. */
export function statedFacts(raw: string, line: number, pc: ProseContext = {}): StatedFact[] {
  if (raw.length < 4) return [];
  let text = raw.length > MAX_CHARS ? raw.slice(0, MAX_CHARS) : raw;
  if (!GATE.test(text)) return [];
  text = text.replace(MARKDOWN_LEAD, '').replace(MD_ESCAPE, '$1').replace(/\*\*/g, '').trim();
  const out: StatedFact[] = [];
  // "... (hung) ..." right after a command: that command hangs.
  if (pc.lastCommand && /^[.\s]*\(?(?:hung|hangs|hanging|stuck|no output)\)?[.\s]*$/i.test(text)) {
    return [{ kind: 'hang', text: `${pc.lastCommand} ${text}`.slice(0, 300), line, comm: commandName(pc.lastCommand) }];
  }
  WORDS.lastIndex = 0;
  let words = 0;
  while (words < 3 && WORDS.exec(text)) words++;
  if (words < 3) return [];

  for (const sentence of sentences(text)) {
    const before = out.length;
    readSentence(sentence, line, out);
    // The hung-task detector's own words: "kernel hung_task", "blocked for more than 120 seconds", ">120s".
    if (HUNG_TASK.test(sentence) && !HYPOTHETICAL.test(sentence)) {
      const who = subject(sentence);
      out.push(fact('hang', sentence, line, { pid: who.pid, comm: who.comm }));
    } else if (out.length === before && HANG.test(sentence)) {
      const who = subject(sentence);
      const cmd = commandIn(sentence);
      const m = HANG.exec(sentence)!;
      if ((who.pid !== undefined || cmd) && !negated(sentence, m.index) && !HYPOTHETICAL.test(sentence.slice(0, m.index))) {
        out.push(fact('hang', sentence, line, { pid: who.pid, comm: cmd ?? who.comm }));
      }
    }
    if (out.length >= MAX_FACTS_PER_LINE) break;
  }
  // Load with idle CPUs may span two clauses of one line.
  const load = LOAD.exec(text);
  if (load && Number(load[1]) >= 2 && IDLE.test(text) && !HYPOTHETICAL.test(text.slice(0, load.index))) {
    const dot = text.lastIndexOf('. ', load.index);
    const start = dot < 0 ? 0 : dot + 2;
    const end = text.indexOf('. ', load.index);
    out.push(fact('load-idle', text.slice(start, end < 0 ? undefined : end + 1), line, { load: Number(load[1]) }));
  }
  return out.slice(0, MAX_FACTS_PER_LINE);
}

function readSentence(s: string, line: number, out: StatedFact[]): void {
  const who = subject(s);
  const hypothetical = (at: number): boolean => HYPOTHETICAL.test(s.slice(0, at));
  let m: RegExpExecArray | null;
  let site: string | undefined;

  // Inline ps rows in backticks are the most precise statement there is.
  BACKTICK.lastIndex = 0;
  while ((m = BACKTICK.exec(s))) {
    const row = PS_SPAN.exec(m[1].trim());
    if (!row) continue;
    const wchan = row[4] && isFunction(row[4], true) ? row[4] : undefined;
    const state = row[3] === 'Z' ? 'Z' : row[3];
    out.push(fact(wchan ? 'wait-site' : state === 'Z' ? 'zombie' : 'state', s, line, { pid: Number(row[1]), comm: row[2], state, site: wchan }));
  }

  SITE.lastIndex = 0;
  while ((m = SITE.exec(s))) {
    const fn = m[1];
    if (!isFunction(fn, Boolean(m[2]) || s[m.index + m[0].length - fn.length - 1] === '`')) continue;
    if (negated(s, m.index) || NEGATION_IN.test(m[0]) || hypothetical(m.index)) continue;
    site = fn;
    out.push(fact('wait-site', s, line, { pid: who.pid, comm: who.comm, site: fn }));
    break;
  }

  const states = new Set<string>();
  for (const re of [STATE_IN, STATE_OF, STATE_PAREN]) {
    re.lastIndex = 0;
    while ((m = re.exec(s))) {
      const letter = m[1][0];
      if (!negated(s, m.index) && !hypothetical(m.index)) states.add(letter);
    }
  }
  UNINTERRUPTIBLE.lastIndex = 0;
  while ((m = UNINTERRUPTIBLE.exec(s))) if (!negated(s, m.index) && !hypothetical(m.index)) states.add('D');
  // "the pod went into zombie state" is about a pod object, not a process.
  const aboutPod = /\bpods?\b/i.test(s) && !/\b(?:process|pid|task|thread|defunct|ps)\b/i.test(s);
  ZOMBIE.lastIndex = 0;
  while ((m = ZOMBIE.exec(s))) if (!aboutPod && !negated(s, m.index) && !hypothetical(m.index)) states.add('Z');
  for (const st of states) {
    // "the defunct zombie process 1675": the pid right after the word is the zombie's, whoever the sentence is about.
    const own = st === 'Z' ? ZOMBIE_PID.exec(s) : null;
    const pid = own ? Number(own[1]) : who.pid;
    if (out.some((f) => f.state === st && f.pid !== undefined && f.pid === pid)) continue;
    out.push(fact(st === 'Z' ? 'zombie' : 'state', s, line, { pid, comm: own && Number(own[1]) !== who.pid ? undefined : who.comm, state: st, site }));
  }

  if (KILL_NOOP.some((re) => re.test(s))) {
    const target = KILL_PID.exec(s);
    out.push(fact('kill-ineffective', s, line, { pid: target ? Number(target[1]) : who.pid, comm: who.comm }));
  }

  if ((m = TERMINATING.exec(s)) && !negated(s, m.index) && !hypothetical(m.index)) {
    out.push(fact('terminating', s, line, {}));
  }

  if ((m = OOM.exec(s)) && !negated(s, m.index) && !hypothetical(m.index)) {
    out.push(fact('oom', s, line, { pid: who.pid, comm: who.comm }));
  }
}

function fact(kind: StatedFact['kind'], text: string, line: number, extra: Partial<StatedFact>): StatedFact {
  const f: StatedFact = { kind, text: text.slice(0, 300), line };
  for (const k of ['pid', 'comm', 'site', 'state', 'load'] as const) if (extra[k] !== undefined) (f as unknown as Record<string, unknown>)[k] = extra[k];
  return f;
}

/** A kernel function: snake_case with an underscore, or a known wait site when marked as code. */
function isFunction(word: string, marked: boolean): boolean {
  if (word.length < 4) return false;
  if (FUNCTION.test(word)) return true;
  return marked && /^[a-z][a-z0-9]+$/.test(word) && siteOf(word) !== undefined;
}

function negated(s: string, at: number): boolean {
  return NEGATION_BEFORE.test(`${s.slice(Math.max(0, at - 40), at).replace(/^\S*\s/, ' ')} `);
}

/** The pid and command a sentence is about. */
function subject(s: string): { pid?: number; comm?: string } {
  let m = COMM_PID.exec(s);
  // "blocked in rwsem_down_read_slowpath (pid 4411)": the word before the pid is where it waits, not its name.
  const waitsThere = m !== null && FUNCTION.test(m[1]) && /\b(?:in|on|at)\s+[`'"]?$/.test(s.slice(Math.max(0, m.index - 12), m.index));
  if (m && waitsThere) return { pid: Number(m[2]) };
  if (m && !/^(?:pid|process|task|tgid|thread)$/i.test(m[1])) return { comm: m[1], pid: Number(m[2]) };
  if ((m = PID_COMM.exec(s))) return { pid: Number(m[1]), comm: m[2] };
  const pid = PID.exec(s);
  let comm: string | undefined;
  BACKTICK.lastIndex = 0;
  while ((m = BACKTICK.exec(s))) {
    const w = m[1].trim();
    if (/^[A-Za-z][\w.:/-]{1,30}$/.test(w) && !/^[DRSZTX]\+?$/.test(w) && !K8S_STATUS.test(w) && !FUNCTION.test(w) && !w.includes('/')) {
      comm = w;
      break;
    }
  }
  if (!comm && (m = NAMED_PROCESS.exec(s)) && !NOT_A_NAME.has(m[1])) comm = m[1];
  return { pid: pid ? Number(pid[1]) : undefined, comm };
}

/** A command the sentence names as code (`docker inspect …`) or by a well-known name ("ps hangs"). */
function commandIn(s: string): string | undefined {
  let m: RegExpExecArray | null;
  BACKTICK.lastIndex = 0;
  while ((m = BACKTICK.exec(s))) {
    const first = m[1]
      .trim()
      .split(/\s+/)[0]
      .replace(/^sudo$/, '');
    const name = first.split('/').pop() ?? '';
    if (COMMANDS.test(name)) return name;
  }
  const bare =
    /\b(ps|top|htop|pgrep|ls|df|du|docker|kubectl|crictl|strace|systemctl|umount|sync|lsof)\b(?:\s+[a-z-]+)?\s+(?:hangs|hung|is hanging|freezes|never returns|gets stuck|got stuck|is stuck)\b/.exec(s);
  return bare ? bare[1] : undefined;
}

function commandName(cmd: string): string {
  const words = cmd.trim().split(/\s+/);
  const first = words[0] === 'sudo' ? (words[1] ?? '') : words[0];
  return (first.split('/').pop() ?? first).slice(0, 15);
}

/** Sentences, and clauses joined by "but/however": a negation or hypothesis stays in its clause. */
function sentences(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/(?<=[.!?;])\s+|,?(?<!\s)\s+(?:but|however|whereas|although)\s+/i)) {
    if (part && out.length < 20) out.push(part);
  }
  return out;
}
