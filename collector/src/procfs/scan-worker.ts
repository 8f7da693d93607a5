/**
 * Worker thread: walks <procRoot>/<pid>/task/<tid> and reads the files that
 * take no lock on the target (stat, status, wchan, cgroup, ns/pid), with
 * plain synchronous reads into one reused buffer — the fastest way Node has.
 * Results stream back in batches so that a scan stuck on a strange proc root
 * still delivers everything read before the stall. The shared `progress`
 * array tells the main thread which task it is on. Workers live across
 * snapshots; the main thread replaces one if it ever gets stuck.
 *
 * Two workers share a scan: one walks the process list forwards, the other
 * backwards, and each process is claimed with an atomic bit in a shared
 * bitmap, so the work splits itself however threads are spread over processes.
 */
import { closeSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { parseStat } from './parse-stat';
import { parseStatus, type ProcStatus } from './parse-status';
import { parseCgroupFile, parsePodCgroup } from '../cgroups/parse-pod-cgroup';
import type { RawProblem, RawProcess, ScanMessage, ScanRequest } from './raw-task';

const buf = Buffer.allocUnsafe(64 * 1024);
const progress = new Int32Array(workerData.progress as SharedArrayBuffer);

type Read = { ok: true; text: string } | { ok: false; code: string };

function read(path: string): Read {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const n = readSync(fd, buf, 0, buf.length, 0);
    return { ok: true, text: buf.toString('latin1', 0, n) };
  } catch (err) {
    return { ok: false, code: (err as NodeJS.ErrnoException).code ?? 'EIO' };
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

function list(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

const GONE = new Set(['ENOENT', 'ESRCH']);

interface ScanJob {
  req: ScanRequest;
  /** 1 = walk forwards, -1 = backwards. */
  direction: 1 | -1;
  /** One bit per tgid: set by whichever worker takes that process. */
  claims: SharedArrayBuffer;
}

function claim(claims: Int32Array, tgid: number): boolean {
  const word = tgid >>> 5;
  if (word >= claims.length) return true;
  const bit = 1 << (tgid & 31);
  return (Atomics.or(claims, word, bit) & bit) === 0;
}

function scan({ req, direction, claims: claimBuffer }: ScanJob): void {
  const claims = new Int32Array(claimBuffer);
  const problems: RawProblem[] = [];
  let batch: RawProcess[] = [];
  let batchThreads = 0;
  const flush = (): void => {
    if (batch.length === 0 && problems.length === 0) return;
    const msg: ScanMessage = { type: 'processes', processes: batch, problems: problems.splice(0) };
    parentPort?.postMessage(msg);
    batch = [];
    batchThreads = 0;
  };
  const note = (path: string, r: Read, pid: number, tid: number): void => {
    if (!r.ok && !GONE.has(r.code)) problems.push({ path, code: r.code, pid, tid });
  };
  const wanted = new Set(req.pids);
  const entries = list(req.procRoot).filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57);
  if (direction < 0) entries.reverse();
  let visited = 0;
  for (const name of entries) {
    const tgid = Number(name);
    if (!claim(claims, tgid)) continue;
    const dir = `${req.procRoot}/${name}`;
    progress[0] = tgid;
    progress[1] = 0;
    const cgPath = `${dir}/cgroup`;
    const cg = read(cgPath);
    note(cgPath, cg, tgid, tgid);
    let cgroups = cg.ok ? parseCgroupFile(cg.text) : [];
    const tids = list(`${dir}/task`);
    // A leader that exited (fake zombie) has left its cgroups; its live threads have not.
    if (tids.length > 1 && !cgroups.some((l) => parsePodCgroup(l.path))) {
      const other = read(`${dir}/task/${tids.find((t) => t !== name)}/cgroup`);
      if (other.ok && parseCgroupFile(other.text).some((l) => parsePodCgroup(l.path))) cgroups = parseCgroupFile(other.text);
    }
    if (wanted.size > 0 && !wanted.has(tgid) && !tids.some((t) => wanted.has(Number(t)))) continue;
    // Zombies read cgroup "/", so a pod filter must keep them for attribution later.
    if (req.podUid && !cgroups.some((l) => parsePodCgroup(l.path)?.podUid === req.podUid) && !cgroups.every((l) => l.path === '/')) continue;
    visited++;
    const stPath = `${dir}/status`;
    const st = read(stPath);
    note(stPath, st, tgid, tgid);
    const processStatus: ProcStatus = st.ok ? parseStatus(st.text) : { nsPid: [], nsTgid: [] };
    let pidNsInode = 0;
    try {
      const link = readlinkSync(`${dir}/ns/pid`);
      pidNsInode = Number(/\[(\d+)\]/.exec(link)?.[1] ?? 0);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      if (!GONE.has(code)) problems.push({ path: `${dir}/ns/pid`, code, pid: tgid, tid: tgid });
    }
    const isNsInit = processStatus.nsPid.length > 1 && processStatus.nsPid[processStatus.nsPid.length - 1] === 1;
    const scoped = wanted.size > 0 || req.podUid !== '';
    const proc: RawProcess = { tgid, status: processStatus, cgroups, pidNsInode, threads: [] };
    for (const t of tids.length > 0 ? tids : [name]) {
      const tid = Number(t);
      progress[1] = tid;
      const tdir = `${dir}/task/${t}`;
      const s = read(`${tdir}/stat`);
      if (!s.ok) {
        note(`${tdir}/stat`, s, tgid, tid);
        continue;
      }
      const stat = parseStat(s.text);
      if (!stat) continue;
      const full = req.allThreadDetails || scoped || isNsInit || req.fullStates.includes(stat.state);
      let status: ProcStatus | undefined;
      let wchan = '';
      if (full) {
        if (tid !== tgid) {
          const ts = read(`${tdir}/status`);
          note(`${tdir}/status`, ts, tgid, tid);
          if (ts.ok) status = parseStatus(ts.text);
        }
        const w = read(`${tdir}/wchan`);
        note(`${tdir}/wchan`, w, tgid, tid);
        if (w.ok && w.text !== '0') wchan = w.text.trim();
      }
      proc.threads.push({ tid, stat, full, status, wchan });
    }
    batch.push(proc);
    batchThreads += proc.threads.length;
    if (batchThreads >= 2048) flush();
  }
  flush();
  const done: ScanMessage = { type: 'done', visitedProcesses: visited };
  parentPort?.postMessage(done);
}

parentPort?.on('message', (job: ScanJob) => scan(job));
