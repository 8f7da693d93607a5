import type { SnapshotRequest__Output } from '../../../../proto/generated/whystuck/v1/SnapshotRequest';
import type { SnapshotResponse } from '../../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { ReadProblem } from '../../../../proto/generated/whystuck/v1/ReadProblem';
import type { Task } from '../../../../proto/generated/whystuck/v1/Task';
import { parseStack, redactCmdline, problemFromCode, problemFromGuarded, COLLECTOR_VERSION } from '../../../../collector/src';
import type { SshFailure, SshResult } from './errors';
import { openSshSession, type ScriptOutput, type SshNodeTarget, type SshSession } from './ssh-session';
import { remoteScript } from './remote-scripts';
import { completed, fatal, guardedFiles, parseRecords, section, utf8, type GuardedFile, type RemoteRecord } from './remote-records';
import { parseRemoteErrors, taskOfPath } from './remote-errors';
import { readRemoteScan, type RemoteScan } from './remote-scan';
import { planDetails, remoteTasks, type DetailFiles } from './remote-tasks';
import { remoteNodeFacts } from './remote-node-facts';
import { kmsgFromDmesg, kmsgFromStream } from './remote-kmsg';
import { applyFreezerStates, podSummaries, stackTasks } from './snapshot-parts';
import { checkSnapshotRequest } from './check-request';

export type SshSnapshotRequest = Partial<SnapshotRequest__Output>;

/** printk level 4: problems-only snapshots keep emerg..warning records. */
const KERN_WARNING = 4;
/** Words per details run: the command line stays far below sshd's and the kernel's limits. */
const WORDS_PER_RUN = 3000;
const CMDLINE_MAX_BYTES = 4096;

/**
 * A snapshot of a node without a collector, over SSH: the same
 * `SnapshotResponse` the collector returns (tasks, node facts, kernel log,
 * read problems), built by the collector's parsers from what the fixed
 * read-only script collect.sh read on the node. Opens one connection and
 * closes it before returning.
 */
export async function sshSnapshot(target: SshNodeTarget, req: SshSnapshotRequest = {}): Promise<SshResult<SnapshotResponse>> {
  const where = `${target.address.username}@${target.address.host}:${target.address.port}`;
  const bad = checkSnapshotRequest(req);
  if (bad) return { status: 'rejected', code: 'BAD_REQUEST', address: where, message: bad };
  const opened = await openSshSession(target);
  if (opened.status !== 'ok') return opened;
  try {
    return await snapshotOverSsh(opened.value, req);
  } finally {
    opened.value.close();
  }
}

/** The snapshot over an open session (the session stays open). */
export async function snapshotOverSsh(session: SshSession, req: SshSnapshotRequest = {}): Promise<SshResult<SnapshotResponse>> {
  const bad = checkSnapshotRequest(req);
  if (bad) return { status: 'rejected', code: 'BAD_REQUEST', address: session.where, message: bad };
  const t0 = performance.now();
  const takenAt = Date.now();
  const script = remoteScript('collect');
  const [scanRun, cmdRun] = await Promise.all([runCollect(session, script, req.skip_kmsg ? ['scan', 'nokmsg'] : ['scan']), runCollect(session, script, ['cmdlines'])]);
  if (scanRun.status !== 'ok') return scanRun;
  if (cmdRun.status !== 'ok') return cmdRun;
  const scan = readRemoteScan(scanRun.value.records, scanRun.value.stderr);
  const plan = planDetails(scan, req);
  const detailRuns: Array<SshResult<Run>> = [];
  for (const chunk of chunkWords(plan.words)) detailRuns.push(await runCollect(session, script, ['details', ...chunk]));
  const failed = detailRuns.find((r): r is SshFailure => r.status !== 'ok');
  if (failed) return failed;
  const runs = [scanRun.value, cmdRun.value, ...detailRuns.map((r) => (r as { value: Run }).value)];

  const details: DetailFiles = new Map();
  const stacks = new Map<string, GuardedFile>();
  for (const run of runs.slice(2)) {
    for (const r of section(run.records, 'plain')) details.set(r.name, r.text);
    for (const [path, f] of guardedFiles(run.records, 'stacks')) stacks.set(path, f);
  }
  const cmdlines = guardedFiles(cmdRun.value.records, 'cmdlines');
  const fileErrors = new Map<string, string>();
  for (const run of runs) for (const e of parseRemoteErrors(run.stderr).errors) fileErrors.set(e.path, e.code);

  const tasks = remoteTasks(scan, details, req);
  const problems = taskFileProblems(fileErrors, tasks);
  attachStacks(stackTasks(tasks, req.stack_states ?? []), stacks, plan.stacks, fileErrors, problems);
  attachCmdlines(tasks, cmdlines, problems);

  const node = await remoteNodeFacts(scan);
  applyFreezerStates(tasks, node);
  const kmsg = kernelLog(scan, req, Number(node.boot_time_unix) * 1000, problems, session.where);
  if ('status' in kmsg) return kmsg;
  for (const p of problems) if (p.reason === 'permission') p.detail = sshPermissionDetail(p.detail ?? '');
  return {
    status: 'ok',
    value: {
      node,
      tasks,
      kmsg: kmsg.records,
      read_problems: problems,
      kmsg_next_seq: kmsg.next,
      kmsg_lost: kmsg.lost,
      taken_at_unix_ms: String(takenAt),
      duration_ms: Math.round(performance.now() - t0),
      collector_version: `${COLLECTOR_VERSION} (ssh)`,
      proc_root: '/proc',
      pods: podSummaries(tasks),
    },
  };
}

/** A read refused for lack of a capability, said for SSH: it is the SSH user that lacks it, not a collector. */
export function sshPermissionDetail(detail: string): string {
  return detail.replace(/the collector needs (\w+)(?: \(see [^)]*\))?/, 'the SSH user needs $1: log in as root, or run the scripts as root through sudo (bot/docs/ssh.md, A user other than root)');
}

interface Run extends ScriptOutput {
  records: RemoteRecord[];
}

async function runCollect(session: SshSession, script: string, words: Array<string | number>): Promise<SshResult<Run>> {
  const r = await session.run(script, words);
  if (r.status !== 'ok') return r;
  const records = parseRecords(r.value.stdout);
  const why = fatal(records) ?? (completed(records) ? undefined : `it stopped early (exit ${r.value.code ?? 'by a signal'})`);
  if (why) {
    const stderr = r.value.stderr.trim().split('\n').slice(-3).join(' | ');
    return {
      status: 'rejected',
      code: 'SCRIPT_FAILED',
      address: session.where,
      message: `the ${words[0]} script failed on ${session.where}: ${why}${stderr ? ` (stderr: ${stderr})` : ''}; it needs a POSIX sh with grep, xargs, ls, find, wc and head (GNU or busybox) on the node`,
    };
  }
  return { status: 'ok', value: { ...r.value, records } };
}

/** Splits the details words into runs of at most WORDS_PER_RUN words, repeating the kind letter where a run starts. */
function* chunkWords(words: Array<string | number>): Generator<Array<string | number>> {
  let chunk: Array<string | number> = [];
  let chunkKind = '';
  let kind = '';
  for (let i = 0; i < words.length;) {
    const w = words[i];
    if (typeof w === 'string') {
      kind = w;
      i++;
      continue;
    }
    const n = kind === 'p' || kind === 'g' ? 1 : 2;
    if (chunk.length + n + 1 > WORDS_PER_RUN) {
      yield chunk;
      chunk = [];
      chunkKind = '';
    }
    if (chunkKind !== kind) {
      chunk.push(kind);
      chunkKind = kind;
    }
    chunk.push(...words.slice(i, i + n));
    i += n;
  }
  if (chunk.length) yield chunk;
}

/** Errors reading a task's files (permission, I/O), for the tasks in the snapshot; vanished tasks are not problems. */
function taskFileProblems(errors: Map<string, string>, tasks: Task[]): ReadProblem[] {
  const tgids = new Set(tasks.map((t) => t.tgid));
  // A namespace link nobody needed: the process is in /proc's own PID namespace (NSpid of one level), known anyway.
  const known = new Set(tasks.filter((t) => t.is_thread_group_leader && (t.ns_pid ?? []).length === 1 && Number(t.pid_ns_inode)).map((t) => t.tgid));
  const problems: ReadProblem[] = [];
  for (const [path, code] of errors) {
    if (!path.startsWith('/proc/') || /\/(stack|cmdline)$/.test(path)) continue;
    const { pid, tid } = taskOfPath(path);
    if (pid && !tgids.has(pid)) continue;
    if (path.endsWith('/ns/pid') && known.has(pid)) continue;
    const p = problemFromCode(path, code, pid, tid);
    if (p.reason !== 'vanished') problems.push(p);
  }
  return problems;
}

function attachStacks(targets: Task[], stacks: Map<string, GuardedFile>, requested: Set<string>, errors: Map<string, string>, problems: ReadProblem[]): void {
  for (const t of targets) {
    const rel = `${t.tgid}/task/${t.tid}/stack`;
    const path = `/proc/${rel}`;
    const f = stacks.get(rel);
    const code = errors.get(path);
    if (f?.status === 'timed-out' || f?.status === 'skipped' || (code && f === undefined)) {
      const p = problemFromGuarded(
        path,
        f?.status === 'timed-out'
          ? { status: 'timed-out', tookMs: f.triedMs }
          : f?.status === 'skipped'
            ? { status: 'no-reader', reason: 'not read: too many reads on this node were stuck already' }
            : { status: 'error', code: code as string, message: code as string, tookMs: 0 },
        t.tgid as number,
        t.tid as number,
      );
      if (p && p.reason !== 'vanished') problems.push(p);
      continue;
    }
    if (!requested.has(rel)) continue;
    t.stack = parseStack(f?.status === 'ok' ? utf8(f.raw) : '');
    t.stack_read = true;
  }
}

function attachCmdlines(tasks: Task[], cmdlines: Map<string, GuardedFile>, problems: ReadProblem[]): void {
  for (const t of tasks) {
    if (!t.is_thread_group_leader || t.is_kernel_thread || t.state === 'Z') continue;
    const rel = `${t.tgid}/cmdline`;
    const f = cmdlines.get(rel);
    if (f?.status === 'ok') t.cmdline = redactCmdline(utf8(f.raw.slice(0, CMDLINE_MAX_BYTES)));
    else if (f) {
      const p = problemFromGuarded(
        `/proc/${rel}`,
        f.status === 'timed-out' ? { status: 'timed-out', tookMs: f.triedMs } : { status: 'no-reader', reason: 'not read: too many reads on this node were stuck already' },
        t.tgid as number,
        t.tid as number,
      );
      if (p) problems.push(p);
    }
  }
}

type KernelLog = { records: SnapshotResponse['kmsg'] & object; next: string; lost: string };

function kernelLog(scan: RemoteScan, req: SshSnapshotRequest, bootTimeMs: number, problems: ReadProblem[], where: string): KernelLog | SshFailure {
  if (req.skip_kmsg || !scan.kmsg) return { records: [], next: '0', lost: '0' };
  const since = BigInt(String(req.kmsg_since_seq ?? '0'));
  const { raw, error, dmesg } = scan.kmsg;
  const openFailed = /failed to open|cannot open/.test(error);
  if (openFailed) {
    const code = parseRemoteErrors(error).errors[0]?.code ?? 'EACCES';
    const p = problemFromCode('/dev/kmsg', code, 0, 0);
    const viaDmesg = dmesg ? kmsgFromDmesg(utf8(dmesg), bootTimeMs) : [];
    if (viaDmesg.length) p.detail = `${p.detail ?? ''}; read with dmesg -r instead (no sequence numbers)`;
    problems.push(p);
    return { records: req.problems_only ? viaDmesg.filter((k) => Number(k.level) <= KERN_WARNING) : viaDmesg, next: '0', lost: '0' };
  }
  const r = kmsgFromStream(utf8(raw), { sinceSeq: since, bootTimeMs });
  if (since > r.newestSeq + 1n && r.newestSeq >= 0n) {
    return {
      status: 'rejected',
      code: 'BAD_REQUEST',
      address: where,
      message: `kmsg_since_seq ${since} is beyond the kernel log: the newest record is ${r.newestSeq}; ask for 0 (whole ring) or a sequence up to ${r.newestSeq + 1n}`,
    };
  }
  return { records: req.problems_only ? r.records.filter((k) => Number(k.level) <= KERN_WARNING) : r.records, next: r.nextSeq.toString(), lost: r.lost.toString() };
}
