import { parseStat } from '../../../collector/src/procfs/parse-stat';
import { parseStatus } from '../../../collector/src/procfs/parse-status';
import type { Evidence, Frame } from '../evidence/evidence';
import { createEvidenceBuilder } from '../evidence/evidence-builder';
import { isAddressedFrame, isCrashFrame, parseFrameLine } from '../evidence/frames';
import { createKernelLogReader } from './kernel-log-reader';
import { parseLogPrefix } from './kernel-log-prefix';
import { guessTable, parseHeader, parseRow, tableFromPsCommand, type PsTable } from './ps-table';
import { fileArgs, parseShellLine, procTarget, type ShellCommand } from './shell-context';
import { readNodeLine } from './top-header';

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

export const MAX_LINE_CHARS = 64 * 1024;

const STAT_LINE = /^\d+ \(.*\) [RSDZTtXxIWKP] -?\d+ /;
/** The first fields of stat only (`cut -d' ' -f1-3 /proc/PID/stat`): "2211 (ps) D" */
const SHORT_STAT = /^(\d+) \((.*)\) ([RSDZTtXxIWKP])$/;
const STATUS_LINE = /^(?:Name|Umask|State|Tgid|Ngid|Pid|PPid|TracerPid|Uid|Gid|FDSize|Groups|NStgid|NSpid|NSpgid|NSsid|Kthread|Vm\w+|Rss\w+|HugetlbPages|CoreDumping|THP_enabled|untag_mask|Threads|SigQ|SigPnd|ShdPnd|SigBlk|SigIgn|SigCgt|Cap\w+|NoNewPrivs|Seccomp\w*|Speculation\w*|SpeculationIndirectBranch|Cpus_allowed\w*|Mems_allowed\w*|voluntary_ctxt_switches|nonvoluntary_ctxt_switches|x86_Thread_features\w*|Mems_allowed_list):/;
const CRASH_HEADER = /^PID:\s*(\d+)\s+TASK:\s*[0-9a-f]+\s+CPU:\s*(\d+)\s+COMMAND:\s*"(.*)"/;
/** crash `ps`: "  41915  41877   3  ffff8e09c4f31070  UN   2.1 1987432 702816  sidekiq" */
const CRASH_PS = /^\s*>?\s*(\d+)\s+(\d+)\s+(\d+)\s+[0-9a-f]{8,16}\s+(RU|IN|UN|ZO|ST|TR|DE|SW|ID|NE|PA|WA|TK)\s+[\d.]+\s+\d+\s+\d+\s+(.+?)\s*$/;
const CRASH_STATE: Record<string, string> = { RU: 'R', IN: 'S', UN: 'D', ZO: 'Z', ST: 'T', TR: 't', DE: 'X', SW: 'S', ID: 'I', NE: 'R', PA: 'P', WA: 'S', TK: 'D' };
/** `grep -H KEY /proc/A/status /proc/B/status`: "/proc/88401/status:NSpid:\t88401\t1" */
const GREP_H = /^\/proc\/(\d+)(?:\/task\/(\d+))?\/(status|stat|stack|wchan):(.*)$/;
/** `mount` output and /proc/mounts lines: the FUSE, NFS, Ceph mounts a diagnosis can name. */
const MOUNT_LINE = /^(\S+) on (\/\S*) type (\S+) \((.*)\)$/;
const PROC_MOUNTS_LINE = /^(\S+) (\/\S*) ((?:fuse|nfs|ceph|xfs|ext4|overlay|btrfs|cifs|glusterfs)\S*) (\S+) \d+ \d+$/;
const FINDMNT_LINE = /^[\s│├└─|`-]*(\/\S*)\s+(\S+)\s+((?:fuse|nfs|ceph|xfs|ext4|overlay|btrfs|cifs|glusterfs)\S*)\s+(\S+)$/;
const RELEASE_LINE = /^\d+\.\d+\.\d+[\w.+~-]*$/;
const BINARY = /[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]/;
const FREEZER_STATE = /^(FROZEN|THAWED|FREEZING)$/;
const RUNTIME_TROUBLE = /context deadline exceeded|PLEG is not healthy|failed to (?:stop|kill) container|did not (?:terminate|exit)|[Tt]imeout waiting for|DeadlineExceeded/;
const RUNTIMES = /^(?:kubelet|containerd|dockerd|crio|conmon|containerd-shim.*)$/;

interface Context {
  cwd?: string;
  program: string;
  table: PsTable | null;
  target?: { file: string; pid?: number; tid?: number; path: string };
  topThreads: boolean;
  topPid?: number;
}

interface PendingStack { tid: number; pid?: number; comm?: string; frames: Frame[]; line: string }

export function createPasteReader(): PasteReader {
  const b = createEvidenceBuilder('paste');
  const kernel = createKernelLogReader(b);
  const node = b.evidence.node;
  let n = 0;
  let ctx: Context = { program: '', table: null, topThreads: false };
  let stack: PendingStack | null = null;
  let status: { lines: string[]; tid?: number; pid?: number } | null = null;
  let lastProse = '';
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
      b.tasks.upsert(tid, {
        comm: st.name, state: st.state, pid: st.tgid ?? statusPid, ppid: st.ppid, tracerPid: st.tracerPid,
        nsPid: st.nsPid.length ? st.nsPid : undefined, numThreads: st.threads,
        sigPending: st.sigPnd, sigSharedPending: st.shdPnd, sigBlocked: st.sigBlk,
        isPidNsInit: st.nsPid.length > 1 ? st.nsPid[st.nsPid.length - 1] === 1 : undefined,
      }, line);
    }
  }

  function onCommand(cmd: ShellCommand): void {
    ctx = { cwd: cmd.cwd ?? ctx.cwd, program: cmd.program, table: null, topThreads: false };
    if (cmd.program === 'ps') ctx.table = tableFromPsCommand(cmd.args);
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

  function startStack(tid: number, pid: number | undefined, comm: string | undefined, line: string): PendingStack {
    flush();
    stack = { tid, pid, comm, frames: [], line };
    return stack;
  }

  function handle(text: string): string {
    const log = parseLogPrefix(text);
    if (log) {
      flush();
      if (log.program === 'kernel') kernel.message(log.text, log.time);
      else if (RUNTIMES.test(log.program) && RUNTIME_TROUBLE.test(log.text)) b.addNote('runtime-timeout', log.program, log.time, log.text.trim());
      return log.format;
    }
    const cmd = parseShellLine(text);
    if (cmd) {
      flush();
      kernel.finish();
      onCommand(cmd);
      return 'command';
    }
    let m: RegExpExecArray | null;
    if ((m = CRASH_HEADER.exec(text.trim()))) {
      const tid = Number(m[1]);
      // `ps -g` lists a thread group: the leader flush left, its threads indented.
      if (/^\s/.test(text) && crashLeader) b.tasks.upsert(tid, { pid: crashLeader, comm: m[3] }, text.trim());
      else crashLeader = tid;
      startStack(tid, undefined, m[3], text.trim());
      return 'crash-bt';
    }
    if ((m = CRASH_PS.exec(text))) {
      flush();
      const comm = m[5].replace(/^\[(.*)\]$/, '$1');
      b.tasks.upsert(Number(m[1]), { ppid: Number(m[2]), state: CRASH_STATE[m[4]], comm, isKernelThread: m[2] === '2' || undefined }, text.trim());
      return 'crash-ps';
    }
    if ((m = GREP_H.exec(text))) {
      const [, pid, tid, file, rest] = m;
      const target = { file, pid: Number(pid), tid: tid ? Number(tid) : undefined, path: `/proc/${pid}${tid ? `/task/${tid}` : ''}/${file}` };
      const same = ctx.target?.path === target.path;
      if (!same) { flush(); ctx.target = target; }
      return handle(rest);
    }
    if ((m = MOUNT_LINE.exec(text.trim())) || (m = PROC_MOUNTS_LINE.exec(text.trim()))) {
      node.mounts.push({ source: m[1], mountPoint: m[2], fsType: m[3], device: '', backing: '' });
      return 'mounts';
    }
    if (ctx.program === 'findmnt' && (m = FINDMNT_LINE.exec(text))) {
      node.mounts.push({ mountPoint: m[1], source: m[2], fsType: m[3], device: '', backing: '' });
      return 'mounts';
    }
    if (ctx.program === 'uname' && RELEASE_LINE.test(text.trim())) {
      b.evidence.node.kernelRelease ??= text.trim();
      return 'uname';
    }
    if (isAddressedFrame(text) || isCrashFrame(text) || (stack && parseFrameLine(text))) {
      const frame = parseFrameLine(text);
      if (!stack) {
        const t = ctx.target?.file === 'stack' ? ctx.target : undefined;
        const guess = /^(\S+)\s+(?:stack|的|kernel stack)/i.exec(lastProse);
        startStack(t?.tid ?? t?.pid ?? 0, t?.pid, t ? undefined : guess?.[1], text.trim());
      }
      if (frame) stack!.frames.push(frame);
      return isCrashFrame(text) ? 'crash-bt' : 'stack';
    }
    if (STAT_LINE.test(text)) {
      flush();
      const st = parseStat(text.trim());
      if (st) {
        const isTask = ctx.target?.tid !== undefined;
        b.tasks.upsert(st.pid, {
          comm: st.comm, state: st.state, ppid: st.ppid, flags: st.flags, numThreads: st.numThreads,
          startTime: st.startTime, pid: isTask ? ctx.target?.pid : st.pid,
          isKernelThread: (st.flags & 0x200000) !== 0,
        }, text.trim());
        return 'stat';
      }
    }
    if ((m = SHORT_STAT.exec(text.trim()))) {
      flush();
      b.tasks.upsert(Number(m[1]), { comm: m[2], state: m[3] }, text.trim());
      return 'stat';
    }
    if (STATUS_LINE.test(text)) {
      if (stack) flush();
      status ??= ctx.target?.file === 'status' ? { lines: [], tid: ctx.target.tid ?? ctx.target.pid, pid: ctx.target.pid } : { lines: [] };
      status.lines.push(text.trim());
      return 'status';
    }
    flush();
    const nodeLine = readNodeLine(text, node);
    if (nodeLine) {
      if (/^\s*Threads:/.test(text)) ctx.topThreads = true;
      if (/^top - /.test(text.trim()) && ctx.program !== 'top') ctx = { ...ctx, program: 'top', table: null };
      return nodeLine === 'load' && !/^top - /.test(text.trim()) ? 'loadavg' : 'top';
    }
    const header = parseHeader(text, ctx.program === 'top');
    if (header) {
      if (ctx.program === 'top' || header.columns.includes('skip') && /\bPR\b/.test(text)) {
        header.pidIsTid = ctx.topThreads;
        header.tgid = ctx.topThreads ? ctx.topPid : undefined;
        header.columns = header.columns.map((c, i) => (c === 'cmd' && i === header.columns.length - 1 && /\bPR\b/.test(text) ? 'comm' : c));
      }
      ctx.table = header;
      return ctx.program === 'top' || /\bPR\b/.test(text) ? 'top' : 'ps';
    }
    if (ctx.table) {
      const row = parseRow(ctx.table, text);
      if (row) {
        b.tasks.upsert(row.tid, row.facts, text.trim());
        return ctx.program === 'top' ? 'top' : 'ps';
      }
    }
    const target = ctx.target;
    if (target && (m = FREEZER_STATE.exec(text.trim())) && target.file === 'freezer.state') {
      node.freezers.push({ path: target.path.replace(/\/freezer\.state$/, ''), state: m[1], version: 1 });
      return 'freezer';
    }
    if (target && target.file === 'cgroup.events' && (m = /^frozen ([01])$/.exec(text.trim()))) {
      node.freezers.push({ path: target.path.replace(/\/cgroup\.events$/, ''), state: m[1] === '1' ? 'FROZEN' : 'THAWED', version: 2 });
      return 'freezer';
    }
    const guessed = guessTable(text);
    if (guessed) {
      ctx.table = guessed;
      const row = parseRow(guessed, text);
      if (row) { b.tasks.upsert(row.tid, row.facts, text.trim()); return 'ps'; }
    }
    if (kernel.message(text, '')) return 'kernel-log';
    lastProse = text.trim();
    return 'unrecognised';
  }

  return {
    line(raw) {
      n++;
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (text.length > MAX_LINE_CHARS) { b.addUnreadable(n, `line longer than ${MAX_LINE_CHARS} characters`); return; }
      if (BINARY.test(text)) { b.addUnreadable(n, 'binary data'); return; }
      if (text.trim() === '') { if (stack || status) flush(); return; }
      b.addInput(handle(text), n);
    },
    skipLine(reason) {
      n++;
      b.addUnreadable(n, reason);
    },
    finish() {
      flush();
      kernel.finish();
      return b.build();
    },
  };
}

/** For tests and small inputs: the whole paste at once. */
export function parsePaste(text: string): Evidence {
  const reader = createPasteReader();
  for (const line of text.split('\n')) reader.line(line);
  return reader.finish();
}
