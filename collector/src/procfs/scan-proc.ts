/**
 * Runs on a reader worker thread (see guarded-read-worker.ts), and in slices
 * on the main thread (task-scanner.ts): walks
 * <procRoot>/<pid>/task/<tid> and reads the files that
 * take no lock on the target (stat, status, wchan, cgroup, ns/pid), with
 * plain synchronous reads into one reused buffer (direct-read.ts: through
 * libc on the main thread); stat lines are parsed from the bytes.
 * Each task is encoded as a protobuf Task message right where it is read, so
 * no task object outlives its thread's iteration or is cloned across
 * threads; batches of encoded tasks and a few columns stream back (typed
 * arrays, transferred) so that a scan stuck on a strange proc root still
 * delivers everything read before the stall. The shared `progress` array
 * tells the main thread which task it is on; if the walk ever gets stuck, the
 * guarded reader writes the thread off like any other stuck read.
 */
import { readdirSync } from 'node:fs';
import { lastReadError, readInto, readLink } from './direct-read';
import { parseStatBytes, type ProcStat } from './parse-stat';
import { parseStatus, type ProcStatus } from './parse-status';
import { parseCgroupFile, parsePodCgroup, type CgroupLine } from '../cgroups/parse-pod-cgroup';
import {
  isShimComm,
  TASK_KTHREAD,
  TASK_LEADER,
  TASK_NS_INIT,
  TASK_SHIM_COMM,
  type PodEntry,
  type RawProblem,
  type RawProcess,
  type RawThread,
  type ScanMessage,
  type ScanRequest,
  type TaskBatch,
} from './raw-task';
import { fillTask, processFacts, type ProcessFacts } from '../snapshot/build-tasks';
import type { Task } from '../../../proto/generated/whystuck/v1/Task';
import type { CgroupMap } from './cgroup-pass';
import { taskCodec } from '../proto/snapshot-codec';
import type { HeldFiles } from './held-files';
import { Out } from '../proto/wire-codec';

const buf = Buffer.allocUnsafe(64 * 1024);

type Read = { ok: true; text: string } | { ok: false; code: string };

/** `held`: through a file kept open between walks (held-files.ts), when the walk keeps them. */
function read(path: string, held?: HeldFiles): Read {
  const n = held ? held.read(path, buf) : readInto(path, buf);
  return n < 0 ? { ok: false, code: lastReadError() } : { ok: true, text: buf.toString('latin1', 0, n) };
}

function list(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

const GONE = new Set(['ENOENT', 'ESRCH']);

const BATCH_TASKS = 2048;
const codec = taskCodec();

/** Builds one batch of encoded tasks with its columns. */
/** One Task object for the worker's life: each thread is written into it and encoded at once. */
const scratchTask = {} as Task;
/** Likewise one stat and one thread: a thread is encoded as soon as it is read. */
const scratchStat: ProcStat = { pid: 0, comm: '', state: '', ppid: 0, flags: 0, utime: 0, stime: 0, priority: 0, nice: 0, numThreads: 0, startTime: 0, blocked: false, processor: 0, rtPriority: 0 };
const scratchThread: RawThread = { tid: 0, stat: scratchStat, full: false, status: undefined, wchan: '' };

/** One encoding buffer for the worker's life: batches copy out of it, it is never reallocated per batch. */
const scratch = new Out();

class BatchWriter {
  constructor(readonly out: Out) {
    out.pos = 0;
  }

  ends: number[] = [];
  tid: number[] = [];
  tgid: number[] = [];
  ppid: number[] = [];
  pidNs: number[] = [];
  state: number[] = [];
  bits: number[] = [];
  pod: number[] = [];
  freezer: number[] = [];
  newPods: PodEntry[] = [];
  newPaths: string[] = [];

  get size(): number {
    return this.ends.length;
  }

  take(problems: RawProblem[]): TaskBatch {
    const bytes = new Uint8Array(this.out.pos);
    bytes.set(this.out.buf.subarray(0, this.out.pos));
    return {
      type: 'tasks',
      bytes,
      ends: Uint32Array.from(this.ends),
      tid: Int32Array.from(this.tid),
      tgid: Int32Array.from(this.tgid),
      ppid: Int32Array.from(this.ppid),
      pidNs: Float64Array.from(this.pidNs),
      state: Uint8Array.from(this.state),
      bits: Uint8Array.from(this.bits),
      pod: Int32Array.from(this.pod),
      freezer: Int32Array.from(this.freezer),
      newPods: this.newPods,
      newPaths: this.newPaths,
      problems,
    };
  }
}

/** The inode of a namespace link ("pid:[4026531836]"), 0 when it is not one. */
function nsInode(link: string): number {
  const b = link.indexOf('[');
  return b >= 0 && link.endsWith(']') ? Number(link.slice(b + 1, -1)) || 0 : 0;
}

/** Takes process `tgid` for this thread: false when another thread already has it. */
function claim(claims: Int32Array, tgid: number): boolean {
  const word = tgid >>> 5;
  if (word >= claims.length) return true;
  const bit = 1 << (tgid & 31);
  return (Atomics.or(claims, word, bit) & bit) === 0;
}

/** Sends a message to the thread that asked for the scan, transferring the listed buffers. */
export type Post = (msg: ScanMessage, transfer: ArrayBuffer[]) => void;

/** A walk that can stop between processes and go on later (the main thread walks in slices). */
export interface Walk {
  /** Walks on until `untilMs` (performance.now()) has passed, checked between processes: true while processes remain. */
  step(untilMs: number): boolean;
  /** Sends the last batch and 'done'. */
  finish(): void;
}

/** The whole walk at once (or until `req.share.budgetMs` has passed): the reader thread's scan. */
export function scanProc(req: ScanRequest, progressBuffer: SharedArrayBuffer, post: Post): void {
  const walk = createWalk(req, progressBuffer, post, scratch);
  walk.step(req.share?.budgetMs ? performance.now() + req.share.budgetMs : Infinity);
  walk.finish();
}

/**
 * A walk of `req`. `out`: its encoding buffer, which holds the batch being
 * built between steps — the worker's shared one only for a walk made in one
 * go (scanProc); a walk in slices needs its own, as other walks may run on
 * the thread between its steps. `held`: files kept open between walks
 * (held-files.ts; the main thread's walk of the real /proc only).
 */
export function createWalk(req: ScanRequest, progressBuffer: SharedArrayBuffer, post: Post, out: Out = new Out(), held?: HeldFiles): Walk {
  const progress = new Int32Array(progressBuffer);
  const problems: RawProblem[] = [];
  const podIndex = new Map<string, number>();
  const pathIndex = new Map<string, number>();
  let batch = new BatchWriter(out);
  const flush = (): void => {
    if (batch.size === 0 && problems.length === 0) return;
    const msg = batch.take(problems.splice(0));
    const transfer = [msg.bytes, msg.ends, msg.tid, msg.tgid, msg.ppid, msg.pidNs, msg.state, msg.bits, msg.pod, msg.freezer].map((a) => a.buffer as ArrayBuffer);
    post(msg, transfer);
    batch = new BatchWriter(out);
  };
  // Cgroup files read beforehand: tgid -> text index; each distinct text parsed once, its facts built once.
  const known = new Map<number, number>();
  if (req.cgroups) for (let i = 0; i < req.cgroups.tgids.length; i++) known.set(req.cgroups.tgids[i], req.cgroups.text[i]);
  const parsedText: CgroupLine[][] = [];
  const factsOfText: ProcessFacts[] = [];
  /** A process's facts, pod and freezer cgroup (entering them in this batch's tables when new): before its threads are encoded. */
  let facts: ProcessFacts = { pod: null, path: '', cgroups: {} };
  let pod = -1;
  let freezer = -1;
  const beginProcess = (proc: RawProcess, textIndex: number): void => {
    if (textIndex >= 0) facts = factsOfText[textIndex] ??= processFacts(proc);
    else facts = processFacts(proc);
    pod = -1;
    if (facts.pod) {
      const key = `${facts.pod.podUid}/${facts.pod.containerId}/${facts.pod.runtime}`;
      pod = podIndex.get(key) ?? -1;
      if (pod < 0) {
        pod = podIndex.size;
        podIndex.set(key, pod);
        batch.newPods.push({ uid: facts.pod.podUid, containerId: facts.pod.containerId, runtime: facts.pod.runtime, qos: facts.pod.qosClass });
      }
    }
    freezer = -1;
    const freezerPath = facts.cgroups.freezer;
    if (freezerPath) {
      freezer = pathIndex.get(freezerPath) ?? -1;
      if (freezer < 0) {
        freezer = pathIndex.size;
        pathIndex.set(freezerPath, freezer);
        batch.newPaths.push(freezerPath);
      }
    }
  };
  /** Encodes one thread of the process begun last. */
  const emitThread = (proc: RawProcess, th: RawThread): void => {
    const task = fillTask(scratchTask, proc, th, facts, true);
    codec.encodeInto(batch.out, task);
    batch.ends.push(batch.out.pos);
    batch.tid.push(th.tid);
    batch.tgid.push(proc.tgid);
    batch.ppid.push(th.stat.ppid);
    batch.pidNs.push(proc.pidNsInode);
    batch.state.push(th.stat.state.charCodeAt(0) || 0);
    const leader = task.is_thread_group_leader ? TASK_LEADER | (isShimComm(th.stat.comm) ? TASK_SHIM_COMM : 0) : 0;
    batch.bits.push(leader | (task.is_kernel_thread ? TASK_KTHREAD : 0) | (task.is_pid_ns_init ? TASK_NS_INIT : 0));
    batch.pod.push(pod);
    batch.freezer.push(freezer);
  };
  const note = (path: string, r: Read, pid: number, tid: number): void => {
    if (!r.ok && !GONE.has(r.code)) problems.push({ path, code: r.code, pid, tid });
  };
  const wanted = new Set(req.pids);
  const entries = list(req.procRoot).filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57);
  let visited = 0;
  /**
   * The PID namespace of the proc root's own processes (NSpid of one level): this thread's own when it is in it
   * (the collector runs with hostPID; a namespace link of its own needs no ptrace access), else the first one read.
   */
  let rootNsInode = 0;
  const self = read(`${req.procRoot}/self/status`);
  if (self.ok && parseStatus(self.text).nsPid.length === 1) rootNsInode = nsInode(readLink(`${req.procRoot}/self/ns/pid`) ?? '');
  const claims = req.share ? new Int32Array(req.share.claims) : undefined;
  if (req.share?.backwards) entries.reverse();
  const abort = req.abort ? new Int32Array(req.abort) : undefined;
  let next = 0;
  const step = (untilMs: number): boolean => {
    while (next < entries.length) {
      // Past its time a sharing walker leaves the processes it has not taken to the others (or to its next step).
      if (untilMs !== Infinity && performance.now() > untilMs) return true;
      // Every caller of the scan has gone: what was read so far is sent, nothing more is read.
      if (abort && Atomics.load(abort, 0) !== 0) {
        next = entries.length;
        break;
      }
      const name = entries[next++];
      const tgid = Number(name);
      // The main thread leaves processes whose cgroups were not read beforehand to the reader thread.
      if (req.share?.noCgroupReads && req.cgroups !== null && !known.has(tgid)) continue;
      if (claims && !claim(claims, tgid)) continue;
      const dir = `${req.procRoot}/${name}`;
      progress[0] = tgid;
      progress[1] = 0;
      const textIndex = known.get(tgid) ?? -1;
      let cgroups: CgroupLine[] = [];
      // Leaders only: one stat per process, no thread list (a cheap look when no task is in D).
      // Otherwise the thread list is read when needed: a process whose status says one thread has none to list.
      let tids: string[] | undefined = req.leadersOnly ? [name] : undefined;
      const taskList = (): string[] => (tids ??= list(`${dir}/task`));
      if (textIndex >= 0) {
        cgroups = parsedText[textIndex] ??= parseCgroupFile((req.cgroups as CgroupMap).texts[textIndex]);
      } else if (req.cgroups !== null) {
        const cgPath = `${dir}/cgroup`;
        const cg = read(cgPath);
        note(cgPath, cg, tgid, tgid);
        cgroups = cg.ok ? parseCgroupFile(cg.text) : [];
        // A leader that exited (fake zombie) has left its cgroups; its live threads have not.
        if (!cgroups.some((l) => parsePodCgroup(l.path)) && taskList().length > 1) {
          const other = read(`${dir}/task/${taskList().find((t) => t !== name)}/cgroup`);
          if (other.ok && parseCgroupFile(other.text).some((l) => parsePodCgroup(l.path))) cgroups = parseCgroupFile(other.text);
        }
      }
      if (wanted.size > 0 && !wanted.has(tgid) && !taskList().some((t) => wanted.has(Number(t)))) continue;
      // Zombies read cgroup "/", so a pod filter must keep them for attribution later.
      if (req.podUid && !cgroups.some((l) => parsePodCgroup(l.path)?.podUid === req.podUid) && !cgroups.every((l) => l.path === '/')) continue;
      visited++;
      const stPath = `${dir}/status`;
      const st = read(stPath, held);
      note(stPath, st, tgid, tgid);
      const processStatus: ProcStatus = st.ok ? parseStatus(st.text) : { nsPid: [], nsTgid: [] };
      // A held thread list is used while status counts as many threads (and every one still reads, below).
      let heldList = false;
      if (!tids && held && processStatus.threads !== undefined && processStatus.threads > 1) {
        const last = held.threadsOf(tgid);
        if (last && last.length === processStatus.threads) {
          tids = last;
          heldList = true;
        }
      }
      tids ??= processStatus.threads === 1 ? [name] : list(`${dir}/task`);
      if (held && !heldList) held.keepThreads(tgid, tids.length > 1 ? tids : undefined);
      let pidNsInode = 0;
      // NSpid with one level: the process is in the proc root's own PID namespace, one inode for all of them —
      // read once per walk (on a busy node most processes: a readlink each was 1,000 syscalls of a scan).
      const rootLevel = processStatus.nsPid.length === 1;
      if (rootLevel && rootNsInode) pidNsInode = rootNsInode;
      else {
        const link = readLink(`${dir}/ns/pid`);
        if (link !== null) {
          pidNsInode = nsInode(link);
          if (rootLevel) rootNsInode = pidNsInode;
        } else {
          const code = lastReadError();
          if (!GONE.has(code)) problems.push({ path: `${dir}/ns/pid`, code, pid: tgid, tid: tgid });
        }
      }
      const isNsInit = processStatus.nsPid.length > 1 && processStatus.nsPid[processStatus.nsPid.length - 1] === 1;
      const scoped = wanted.size > 0 || req.podUid !== '';
      const proc: RawProcess = { tgid, status: processStatus, cgroups, pidNsInode, threads: [] };
      beginProcess(proc, textIndex);
      // Each thread is encoded as soon as it is read, through one stat and one thread object.
      const stat = scratchStat;
      const th = scratchThread;
      /** Reads and encodes thread `t`: false when its stat could not be read. */
      const readThread = (t: string): boolean => {
        const tid = Number(t);
        progress[1] = tid;
        const tdir = `${dir}/task/${t}`;
        const statPath = `${tdir}/stat`;
        // Read into the buffer and parsed there: no result object, no string of the line.
        const n = held ? held.read(statPath, buf) : readInto(statPath, buf);
        if (n < 0) {
          const code = lastReadError();
          if (!GONE.has(code)) problems.push({ path: statPath, code, pid: tgid, tid });
          return false;
        }
        if (!parseStatBytes(buf, n, stat)) return true;
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
        th.tid = tid;
        th.full = full;
        th.status = status;
        th.wchan = wchan;
        emitThread(proc, th);
        return true;
      };
      let gone = false;
      for (const t of tids.length > 0 ? tids : [name]) if (!readThread(t) && heldList) gone = true;
      // A thread of the held list has gone: the list is read again, and the threads new to it read too.
      if (gone && held) {
        const now = list(`${dir}/task`);
        const had = new Set(tids);
        for (const t of now) if (!had.has(t)) readThread(t);
        held.keepThreads(tgid, now.length > 1 ? now : undefined);
      }
      if (batch.size >= BATCH_TASKS) flush();
    }
    return false;
  };
  return {
    step,
    finish() {
      held?.endWalk(new Set(entries.map(Number)));
      flush();
      const done: ScanMessage = { type: 'done', visitedProcesses: visited };
      post(done, []);
    },
  };
}
