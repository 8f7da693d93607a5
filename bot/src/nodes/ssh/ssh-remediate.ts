import type { RemediateRequest } from '../../../../proto/generated/whystuck/v1/RemediateRequest';
import type { RemediateResponse } from '../../../../proto/generated/whystuck/v1/RemediateResponse';
import { parseStat, type ProcStat, isKernelThread, parseCgroupFile, podFromCgroupLines } from '../../../../collector/src';
import type { SshResult } from './errors';
import { openSshSession, type SshNodeTarget, type SshSession } from './ssh-session';
import { remoteScript } from './remote-scripts';
import { completed, parseRecords, section } from './remote-records';
import { formatSshAddress } from './ssh-address';
import { isPid } from './check-request';

/** Signals a remediation may send over SSH, as in the collector's Remediate. */
const SIGNALS: Record<string, number> = { SIGTERM: 15, SIGKILL: 9, SIGCONT: 18 };

export interface SshRemediateOptions {
  /** Allow signalling processes outside Kubernetes pod cgroups (the collector's --allow-host-processes). */
  allowHostProcesses?: boolean;
}

/**
 * A guarded signal over SSH, answered like the collector's `Remediate`.
 * Before connecting: the signal must be SIGTERM, SIGKILL or SIGCONT and the
 * pid a process id other than 1. On the node, a first read finds the process
 * and its pod (a process outside pods is refused unless allowed); then
 * signal.sh re-checks start time, comm, pid 1, kernel threads and the SSH
 * session's own processes and signals in the same script run, and reports the
 * task about a second later. A shell has no pidfd: a pid reused between that
 * check and the signal is detected afterwards and reported as FAILED.
 */
export async function sshRemediate(target: SshNodeTarget, req: RemediateRequest, opts: SshRemediateOptions = {}): Promise<SshResult<RemediateResponse>> {
  const where = formatSshAddress(target.address);
  const early = precheck(req);
  if (early) return early.status === 'bad' ? { status: 'rejected', code: 'BAD_REQUEST', address: where, message: early.message } : { status: 'ok', value: early.response };
  const opened = await openSshSession(target);
  if (opened.status !== 'ok') return opened;
  try {
    return await remediateOverSsh(opened.value, req, opts);
  } finally {
    opened.value.close();
  }
}

type Early = { status: 'bad'; message: string } | { status: 'answer'; response: RemediateResponse };

function precheck(req: RemediateRequest): Early | undefined {
  const signal = typeof req.signal === 'number' ? Object.keys(SIGNALS).find((k) => SIGNALS[k] === req.signal) : req.signal;
  if (!signal || !SIGNALS[signal]) return { status: 'answer', response: refuse('SIGNAL_NOT_ALLOWED', `signal ${String(req.signal)} is not allowed; allowed: ${Object.keys(SIGNALS).join(', ')}`) };
  if (!isPid(req.pid)) return { status: 'bad', message: `pid must be a process id from 1 to 4194304, not ${JSON.stringify(req.pid)}` };
  if (!/^\d{1,20}$/.test(String(req.start_time_ticks ?? '')))
    return { status: 'bad', message: `start_time_ticks must be the start time from the snapshot (clock ticks), not ${JSON.stringify(req.start_time_ticks)}` };
  if (!req.expected_comm || Buffer.byteLength(req.expected_comm, 'latin1') > 64) return { status: 'bad', message: 'expected_comm must be the comm from the snapshot (at most 64 bytes)' };
  if (req.pid === 1) return { status: 'answer', response: refuse('PROTECTED', 'pid 1 of the host is never signalled') };
  return undefined;
}

function refuse(status: NonNullable<RemediateResponse['status']>, message: string): RemediateResponse {
  return { status, message, still_present: status !== 'NOT_FOUND', used_pidfd: false };
}

/** The guarded signal over an open session. */
export async function remediateOverSsh(session: SshSession, req: RemediateRequest, opts: SshRemediateOptions = {}): Promise<SshResult<RemediateResponse>> {
  const early = precheck(req);
  if (early) return early.status === 'bad' ? { status: 'rejected', code: 'BAD_REQUEST', address: session.where, message: early.message } : { status: 'ok', value: early.response };
  const pid = req.pid as number;
  const signal = typeof req.signal === 'number' ? (Object.keys(SIGNALS).find((k) => SIGNALS[k] === req.signal) as string) : String(req.signal);
  const start = String(req.start_time_ticks);
  const comm = req.expected_comm as string;

  const seen = await inspect(session, pid);
  if (seen.status !== 'ok') return seen;
  const stat = seen.value.stat;
  if (!stat) return { status: 'ok', value: refuse('NOT_FOUND', `pid ${pid} is gone already`) };
  if (String(stat.startTime) !== start || stat.comm !== comm) return { status: 'ok', value: reused(pid, stat.comm, String(stat.startTime), comm, start) };
  if (isKernelThread(stat.flags)) return { status: 'ok', value: refuse('PROTECTED', `pid ${pid} (${stat.comm}) is a kernel thread; signals cannot end it`) };
  if (!opts.allowHostProcesses) {
    let pod = seen.value.podUid;
    if (!pod && stat.ppid > 1) {
      const parent = await inspect(session, stat.ppid);
      if (parent.status !== 'ok') return parent;
      pod = parent.value.podUid;
    }
    if (!pod) return { status: 'ok', value: refuse('PROTECTED', `pid ${pid} (${stat.comm}) is not in a Kubernetes pod cgroup; allow host processes for SSH remediation to signal it`) };
  }

  const words = [pid, start, SIGNALS[signal], ...Buffer.from(comm, 'latin1')];
  const run = await session.run(remoteScript('signal'), words);
  // From here on a failure (a command timeout, a dropped connection, no result line) may come after the kill ran.
  if (run.status !== 'ok') return { ...run, mayHaveSignalled: true };
  const out = keyValues(run.value.stdout.toString('latin1'));
  const status = out.get('status');
  const detail = out.get('detail') ?? '';
  switch (status) {
    case 'SIGNALLED': {
      const present = out.get('present') === '1';
      const state = present ? (out.get('state') ?? '') : '';
      const wchan = present && out.get('wchan') && out.get('wchan') !== '0' ? (out.get('wchan') as string) : '';
      const at = Number(out.get('signalled_at') ?? 0) * 1000 || Date.now();
      return {
        status: 'ok',
        value: {
          status: 'SIGNALLED',
          message: present
            ? `sent ${signal} to pid ${pid} (${comm}) over SSH; about a second later it is still there in state ${state}${wchan ? ` waiting in ${wchan}` : ''}`
            : `sent ${signal} to pid ${pid} (${comm}) over SSH; it is gone`,
          still_present: present,
          state_after: state,
          wchan_after: wchan,
          used_pidfd: false,
          signalled_at_unix_ms: String(at),
        },
      };
    }
    case 'PID_REUSED':
      return { status: 'ok', value: reused(pid, out.get('comm') ?? '?', out.get('start') ?? '?', comm, start) };
    case 'NOT_FOUND':
    case 'PROTECTED':
    case 'SIGNAL_NOT_ALLOWED':
      return { status: 'ok', value: refuse(status, status === 'PROTECTED' ? `pid ${pid} (${comm}) is protected: ${detail}` : detail) };
    case 'FAILED':
      return { status: 'ok', value: { ...refuse('FAILED', detail), still_present: true } };
    default:
      return {
        status: 'rejected',
        code: 'SCRIPT_FAILED',
        address: session.where,
        message: `the signal script on ${session.where} did not report a result (exit ${run.value.code}); stderr: ${run.value.stderr.trim().slice(0, 300)}`,
        mayHaveSignalled: true,
      };
  }
}

function reused(pid: number, nowComm: string, nowStart: string, comm: string, start: string): RemediateResponse {
  return refuse(
    'PID_REUSED',
    `pid ${pid} is now "${nowComm}" started at tick ${nowStart}, not "${comm}" started at tick ${start}: the process the snapshot saw is gone and its pid was reused; nothing was signalled`,
  );
}

/** The process's stat, and its pod from any of its threads' cgroups (a fake zombie's leader has left its cgroups). */
async function inspect(session: SshSession, pid: number): Promise<SshResult<{ stat: ProcStat | null; podUid: string }>> {
  const run = await session.run(remoteScript('collect'), ['details', 'g', pid]);
  if (run.status !== 'ok') return run;
  const records = parseRecords(run.value.stdout);
  if (!completed(records))
    return { status: 'rejected', code: 'SCRIPT_FAILED', address: session.where, message: `reading pid ${pid} on ${session.where} failed: ${run.value.stderr.trim().slice(0, 300)}` };
  let stat: ProcStat | null = null;
  let podUid = '';
  for (const r of section(records, 'plain')) {
    if (r.name === `${pid}/task/${pid}/stat`) stat = parseStat(r.text);
    else if (r.name.endsWith('/cgroup') && !podUid) podUid = podFromCgroupLines(parseCgroupFile(r.text)).pod?.podUid ?? '';
  }
  return { status: 'ok', value: { stat, podUid } };
}

function keyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}
