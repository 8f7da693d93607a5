import { parseStat, parseStatus } from '../../../collector/src';
import type { Evidence, Frame } from '../evidence/evidence';
import { createEvidenceBuilder } from '../evidence/evidence-builder';
import { isAddressedFrame, isCrashFrame, parseFrameLine } from '../evidence/frames';
import { createKernelLogReader } from './kernel-log-reader';
import { parseLogPrefix } from './kernel-log-prefix';
import { createNormaliser, type NormalLine } from './normalise';
import { createTableReader } from './ps-table';
import { fileArgs, parseShellLine, procTarget, type ShellCommand } from './shell-context';
import { readNodeLine } from './top-header';
import { createVmstatReader } from './vmstat';
import { createSecondaryReaders } from './secondary-readers';
import { classifyRuntimeError } from './runtime-errors';
import { readUpstreamRef } from './upstream-refs';
import { readProseClaims } from './prose-claims';
import { createKubeLayer } from './kube-layer';

/**
 * Reads a paste line by line (streaming: nothing but bounded evidence is
 * kept) and splits it into its parts: kernel logs, ps/top tables, stacks,
 * /proc files, crash backtraces. Lines it cannot place are reported, never fatal.
 */
export interface PasteReader {
  line(text: string): void;
  /** A line the caller could not pass (too long to buffer): counted and reported. */
  skipLine(reason: string): void;
  finish(): Evidence;
}

/** The input kind of a `[...]` line: what was cut there was not pasted, so it could not be read. */
export const CUT_INPUT = 'unread: cut from the paste ([...])';

export const MAX_LINE_CHARS = 64 * 1024;
const MAX_CUTS = 10_000;

const STAT_LINE = /^\d+ \(.*\) [RSDZTtXxIWKP] -?\d+ /;
/** The first fields of stat only (`cut -d' ' -f1-3 /proc/PID/stat`): "2211 (ps) D" */
const SHORT_STAT = /^(\d+) \((.*)\) ([RSDZTtXxIWKP])$/;
const STATUS_LINE =
  /^(?:Name|Umask|State|Tgid|Ngid|Pid|PPid|TracerPid|Uid|Gid|FDSize|Groups|NStgid|NSpid|NSpgid|NSsid|Kthread|Vm\w+|Rss\w+|HugetlbPages|CoreDumping|THP_enabled|untag_mask|Threads|SigQ|SigPnd|ShdPnd|SigBlk|SigIgn|SigCgt|Cap\w+|NoNewPrivs|Seccomp\w*|Speculation\w*|SpeculationIndirectBranch|Cpus_allowed\w*|Mems_allowed\w*|voluntary_ctxt_switches|nonvoluntary_ctxt_switches|x86_Thread_features\w*|Mems_allowed_list):/;
const CRASH_HEADER = /^PID:\s*(\d+)\s+TASK:\s*[0-9a-f]+\s+CPU:\s*(\d+)\s+COMMAND:\s*"(.*)"/;
/** `grep -H KEY /proc/A/status /proc/B/status`: "/proc/88401/status:NSpid:\t88401\t1" */
const GREP_H = /^\/proc\/(\d+)(?:\/task\/(\d+))?\/(status|stat|stack|wchan):(.*)$/;
/** `mount` output and /proc/mounts lines: the FUSE, NFS, Ceph mounts a diagnosis can name. */
const MOUNT_LINE = /^(\S+) on (\/\S*) type (\S+) \((.*)\)$/;
const PROC_MOUNTS_LINE = /^(\S+) (\/\S*) ((?:fuse|nfs|ceph|xfs|ext4|overlay|btrfs|cifs|glusterfs)\S*) (\S+) \d+ \d+$/;
const FINDMNT_LINE = /^[\s│├└─|`-]*(\/\S*)\s+(\S+)\s+((?:fuse|nfs|ceph|xfs|ext4|overlay|btrfs|cifs|glusterfs)\S*)\s+(\S+)$/;
const RELEASE_LINE = /^\d+\.\d+\.\d+[\w.+~-]*$/;
const FREEZER_STATE = /^(FROZEN|THAWED|FREEZING)$/;
const RUNTIME_TROUBLE = /context deadline exceeded|PLEG is not healthy|failed to (?:stop|kill) container|did not (?:terminate|exit)|[Tt]imeout waiting for|DeadlineExceeded/;
const RUNTIMES = /^(?:kubelet|containerd|dockerd|crio|conmon|containerd-shim.*)$/;

interface Context {
  cwd?: string;
  program: string;
  target?: { file: string; pid?: number; tid?: number; path: string };
  topThreads: boolean;
  topPid?: number;
}

interface PendingStack {
  tid: number;
  pid?: number;
  comm?: string;
  frames: Frame[];
  line: string;
}

export function createPasteReader(): PasteReader {
  const b = createEvidenceBuilder('paste');
  const kernel = createKernelLogReader(b);
  const secondary = createSecondaryReaders(b);
  const vmstat = createVmstatReader(b.evidence.node);
  /** The paste line number of the line being handled (the normaliser may hold lines back). */
  let lineNo = 0;
  const node = b.evidence.node;
  let n = 0;
  let ctx: Context = { program: '', topThreads: false };
  // ps / top / crash / pstree / crictl tables; buffered header-less rows that turn out not to be rows are read again here.
  const tables = createTableReader({
    tasks: b.tasks,
    objects: b.evidence.objects,
    input: (kind, line) => b.addInput(kind, line),
    replay: (text, line) => {
      const at = lineNo;
      lineNo = line;
      const kind = handle(text);
      lineNo = at;
      return kind;
    },
  });
  let stack: PendingStack | null = null;
  let status: { lines: string[]; tid?: number; pid?: number } | null = null;
  let lastProse = '';
  /** The line being read when the normaliser knows it is plain ASCII. */
  let plainText: string | null = null;
  let crashLeader = 0;

  function flush(): void {
    if (stack) {
      const s = stack;
      stack = null;
      if (s.frames.length) b.tasks.upsert(s.tid, { pid: s.pid, comm: s.comm, stack: s.frames }, s.line);
    }
    if (status) {
      const st = parseStatus(status.lines.join('\n'));
      const tid = status.tid ?? st.nsPid[0] ?? 0;
      const statusPid = status.pid;
      const line = status.lines.find((l) => l.startsWith('State:')) ?? status.lines[0];
      status = null;
      b.tasks.upsert(
        tid,
        {
          comm: st.name,
          state: st.state,
          pid: st.tgid ?? statusPid,
          ppid: st.ppid,
          tracerPid: st.tracerPid,
          nsPid: st.nsPid.length ? st.nsPid : undefined,
          numThreads: st.threads,
          sigPending: st.sigPnd,
          sigSharedPending: st.shdPnd,
          sigBlocked: st.sigBlk,
          sigCaught: st.sigCgt,
          sigIgnored: st.sigIgn,
          isPidNsInit: st.nsPid.length > 1 ? st.nsPid[st.nsPid.length - 1] === 1 : undefined,
        },
        line,
      );
    }
  }

  function onCommand(cmd: ShellCommand): void {
    ctx = { cwd: cmd.cwd ?? ctx.cwd, program: cmd.program, topThreads: false };
    if (cmd.program === 'top') {
      ctx.topThreads = /(?:^|\s)-\w*H/.test(cmd.args);
      const p = /-p\s*(\d+)/.exec(cmd.args);
      if (p) ctx.topPid = Number(p[1]);
    }
    if (['cat', 'grep', 'egrep', 'head', 'tail', 'less'].includes(cmd.program)) {
      const files = fileArgs(cmd);
      const target = files.length === 1 ? procTarget(ctx.cwd, files[0].replace(/^['"]|['"]$/g, '')) : null;
      if (target) ctx.target = target;
    }
  }

  /** The host a syslog line names is the node it came from. */
  const hosts = new Set<string>();
  function noteHost(host: string, line: string): void {
    if (hosts.has(host) || hosts.size >= 20 || host === 'localhost' || !/^[a-z0-9][\w.-]*$/i.test(host)) return;
    hosts.add(host);
    b.evidence.objects.push({ kind: 'node', name: host, line: line.trim().slice(0, 300) });
  }

  /** A sentence citing an upstream kernel defect (bugzilla, lore, a commit) and what became of it. */
  function citesUpstream(text: string): boolean {
    const ref = readUpstreamRef(text);
    if (!ref || b.evidence.stated.length >= 500) return false;
    b.evidence.stated.push({ kind: 'upstream-defect', text: text.trim().slice(0, 300), line: lineNo, ref: ref.ref, fixed: ref.fixed || undefined });
    return true;
  }

  /** Orphans piling up, memory flat at its limit: said in words. */
  function claims(text: string): boolean {
    const found = readProseClaims(text);
    for (const c of found) if (b.evidence.stated.length < 500) b.evidence.stated.push({ ...c, line: lineNo });
    return found.length > 0;
  }

  function runtimeError(text: string, time: string): boolean {
    const e = classifyRuntimeError(text);
    if (e) b.addNote('runtime-kill-failed', e.target, time, text.trim().slice(0, 500));
    return e !== null;
  }

  function startStack(tid: number, pid: number | undefined, comm: string | undefined, line: string): PendingStack {
    flush();
    stack = { tid, pid, comm, frames: [], line };
    return stack;
  }

  function handle(text: string): string {
    tables.before(text);
    const log = parseLogPrefix(text, text === plainText);
    if (log) {
      flush();
      if (log.host) noteHost(log.host, text);
      b.logTime(log.time);
      if (log.program !== 'kernel') secondary.logLine(log);
      if (log.program === 'kernel') kernel.message(log.text, log.time);
      else if (runtimeError(log.text, log.time)) {
        /* recorded */
      } else if (RUNTIMES.test(log.program) && RUNTIME_TROUBLE.test(log.text)) b.addNote('runtime-timeout', log.program, log.time, log.text.trim());
      return log.format;
    }
    const cmd = parseShellLine(text);
    if (cmd) {
      // First: rows held back before the command are read in their place.
      tables.command(cmd.program, cmd.args, text);
      flush();
      kernel.finish();
      onCommand(cmd);
      secondary.command(cmd, lineNo);
      return 'command';
    }
    // A trace pasted without its timestamps under a timestamped headline belongs to that report.
    if (kernel.continues(text)) {
      flush();
      return 'kernel-log';
    }
    const other = secondary.line(text, lineNo);
    if (other) {
      flush();
      return other;
    }
    let m: RegExpExecArray | null;
    // The line without its blanks, for the patterns below that want it so (each tries only lines that can hold its first words).
    const trimmed = text.trim();
    if (trimmed.startsWith('PID:') && (m = CRASH_HEADER.exec(trimmed))) {
      const tid = Number(m[1]);
      // `ps -g` lists a thread group: the leader flush left, its threads indented.
      if (/^\s/.test(text) && crashLeader) b.tasks.upsert(tid, { pid: crashLeader, comm: m[3] }, trimmed);
      else crashLeader = tid;
      startStack(tid, undefined, m[3], trimmed);
      return 'crash-bt';
    }
    if (text.charCodeAt(0) === 47 /* / */ && (m = GREP_H.exec(text))) {
      const [, pid, tid, file, rest] = m;
      const target = { file, pid: Number(pid), tid: tid ? Number(tid) : undefined, path: `/proc/${pid}${tid ? `/task/${tid}` : ''}/${file}` };
      const same = ctx.target?.path === target.path;
      if (!same) {
        flush();
        ctx.target = target;
      }
      return handle(rest);
    }
    if (trimmed.includes(' /') && ((m = MOUNT_LINE.exec(trimmed)) || (m = PROC_MOUNTS_LINE.exec(trimmed)))) {
      node.mounts.push({ source: m[1], mountPoint: m[2], fsType: m[3], device: '', backing: '' });
      return 'mounts';
    }
    if (ctx.program === 'findmnt' && (m = FINDMNT_LINE.exec(text))) {
      node.mounts.push({ mountPoint: m[1], source: m[2], fsType: m[3], device: '', backing: '' });
      return 'mounts';
    }
    if (ctx.program === 'uname' && RELEASE_LINE.test(trimmed)) {
      b.evidence.node.kernelRelease ??= trimmed;
      return 'uname';
    }
    if (isAddressedFrame(text) || isCrashFrame(text) || (stack && parseFrameLine(text))) {
      const frame = parseFrameLine(text);
      if (!stack) {
        const t = ctx.target?.file === 'stack' ? ctx.target : undefined;
        const guess = /^(\S+)\s+(?:stack|的|kernel stack)/i.exec(lastProse);
        startStack(t?.tid ?? t?.pid ?? 0, t?.pid, t ? undefined : guess?.[1], trimmed);
      }
      if (frame) stack!.frames.push(frame);
      return isCrashFrame(text) ? 'crash-bt' : 'stack';
    }
    if (isDigit(text.charCodeAt(0)) && STAT_LINE.test(text)) {
      flush();
      const st = parseStat(trimmed);
      if (st) {
        const isTask = ctx.target?.tid !== undefined;
        b.tasks.upsert(
          st.pid,
          {
            comm: st.comm,
            state: st.state,
            ppid: st.ppid,
            flags: st.flags,
            numThreads: st.numThreads,
            startTime: st.startTime,
            pid: isTask ? ctx.target?.pid : st.pid,
            isKernelThread: (st.flags & 0x200000) !== 0,
          },
          trimmed,
        );
        return 'stat';
      }
    }
    if (isDigit(trimmed.charCodeAt(0)) && (m = SHORT_STAT.exec(trimmed))) {
      flush();
      b.tasks.upsert(Number(m[1]), { comm: m[2], state: m[3] }, trimmed);
      return 'stat';
    }
    if (STATUS_LINE.test(text)) {
      if (stack) flush();
      status ??= ctx.target?.file === 'status' ? { lines: [], tid: ctx.target.tid ?? ctx.target.pid, pid: ctx.target.pid } : { lines: [] };
      status.lines.push(trimmed);
      return 'status';
    }
    flush();
    if (vmstat.line(text)) return 'vmstat';
    const nodeLine = readNodeLine(text, node);
    if (nodeLine) {
      if (/^\s*Threads:/.test(text)) ctx.topThreads = true;
      if (/^top - /.test(trimmed) && ctx.program !== 'top') ctx = { ...ctx, program: 'top' };
      return nodeLine === 'load' && !/^top - /.test(trimmed) ? 'loadavg' : 'top';
    }
    const table = tables.line(text, lineNo, ctx);
    if (table !== null) return table;
    const target = ctx.target;
    if (target && (m = FREEZER_STATE.exec(trimmed)) && target.file === 'freezer.state') {
      node.freezers.push({ path: target.path.replace(/\/freezer\.state$/, ''), state: m[1], version: 1 });
      return 'freezer';
    }
    if (target && target.file === 'cgroup.events' && (m = /^frozen ([01])$/.exec(trimmed))) {
      node.freezers.push({ path: target.path.replace(/\/cgroup\.events$/, ''), state: m[1] === '1' ? 'FROZEN' : 'THAWED', version: 2 });
      return 'freezer';
    }
    if (kernel.message(text, '')) return 'kernel-log';
    if (runtimeError(text, '')) return 'runtime-log';
    lastProse = trimmed;
    const cited = citesUpstream(text) || claims(text);
    return secondary.last(text, lineNo) ?? (cited ? 'prose' : 'unrecognised');
  }

  /** Every line passes the normaliser (quotes, gutters, markdown, cuts, wraps) before any recogniser. */
  function read(r: NormalLine): void {
    if (r.kind === 'skip') {
      b.addUnreadable(r.line, r.reason);
      return;
    }
    // A cut is not evidence read: it is input the paste does not hold, and it makes what is open partial.
    if (r.kind === 'cut') {
      if (b.evidence.cuts.length < MAX_CUTS) b.evidence.cuts.push(r.line);
      b.addInput(CUT_INPUT, r.line);
      kernel.cut();
      return;
    }
    if (r.text.trim() === '') {
      tables.blank();
      if (stack || status) flush();
      return;
    }
    lineNo = r.line;
    // Known to hold printable ASCII only (no line terminator): the prefix reader need not look.
    plainText = r.plain ? r.text : null;
    const kind = handle(r.text);
    plainText = null;
    // '': a table row held until its block ends (recorded then).
    if (!kind) return;
    b.addInput(kind, r.line);
    if (r.last !== undefined) b.addInput(kind, r.last);
  }
  // The Kubernetes layer (kubectl objects, describe, events, kubelet / runtime lines) sees each line first.
  const kube = createKubeLayer(b);
  const normaliser = createNormaliser(kube.wrap(read));

  return {
    line(raw) {
      n++;
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (text.length > MAX_LINE_CHARS) {
        normaliser.skip(n, `line longer than ${MAX_LINE_CHARS} characters`);
        return;
      }
      normaliser.line(text, n);
    },
    skipLine(reason) {
      n++;
      normaliser.skip(n, reason);
    },
    finish() {
      normaliser.end();
      kube.end();
      tables.finish();
      flush();
      kernel.finish();
      secondary.finish();
      kube.finish();
      return b.build();
    },
  };
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** For tests and small inputs: the whole paste at once. */
export function parsePaste(text: string): Evidence {
  const reader = createPasteReader();
  for (const line of text.split('\n')) reader.line(line);
  return reader.finish();
}
