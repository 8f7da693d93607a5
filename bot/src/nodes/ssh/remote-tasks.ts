import type { SnapshotRequest__Output } from '../../../../proto/generated/whystuck/v1/SnapshotRequest';
import type { Task } from '../../../../proto/generated/whystuck/v1/Task';
import { type RawProcess, parseStat, type ProcStat, parseStatus, type ProcStatus, parseCgroupFile, parsePodCgroup, type CgroupLine, buildTasks, problemTasks } from '../../../../collector/src';
import { hostPidNamespace, stackTasks } from './snapshot-parts';
import type { RemoteScan } from './remote-scan';

/** States whose threads get FULL detail (own status and wchan), as the collector's scan. */
const FULL_STATES = 'DZTtXxWP';

export type SnapshotScope = Pick<Partial<SnapshotRequest__Output>, 'scope' | 'pids' | 'pod_uid' | 'all_thread_details' | 'stack_states' | 'problems_only'>;

/** One process of the scan, before its per-thread details are read. */
interface ScannedProcess {
  tgid: number;
  tids: number[];
  stats: Map<number, ProcStat>;
  status: ProcStatus;
  cgroups: CgroupLine[];
  isNsInit: boolean;
}

const hasPod = (lines: CgroupLine[]): boolean => lines.some((l) => parsePodCgroup(l.path));

function scannedProcesses(scan: RemoteScan): ScannedProcess[] {
  const byTgid = new Map<number, ScannedProcess>();
  for (const [tid, { tgid, text }] of scan.stats) {
    if (scan.vanished.has(tgid)) continue;
    const stat = parseStat(text);
    if (!stat) continue;
    let p = byTgid.get(tgid);
    if (!p) {
      const status = scan.status.has(tgid) ? parseStatus(scan.status.get(tgid) as string) : { nsPid: [], nsTgid: [] };
      p = {
        tgid,
        tids: [],
        stats: new Map(),
        status,
        cgroups: parseCgroupFile(scan.cgroup.get(tgid) ?? ''),
        isNsInit: status.nsPid.length > 1 && status.nsPid[status.nsPid.length - 1] === 1,
      };
      byTgid.set(tgid, p);
    }
    p.tids.push(tid);
    p.stats.set(tid, stat);
  }
  const out = [...byTgid.values()].sort((a, b) => a.tgid - b.tgid);
  for (const p of out) p.tids.sort((a, b) => a - b);
  return out;
}

/** Which processes a scoped request keeps, as the collector's scan decides it (with the cgroups known so far). */
function inScope(p: ScannedProcess, cgroups: CgroupLine[], req: SnapshotScope): boolean {
  const wanted = req.scope === 'pids' ? (req.pids?.pids ?? []) : [];
  if (wanted.length > 0 && !wanted.includes(p.tgid) && !p.tids.some((t) => wanted.includes(t))) return false;
  const podUid = req.scope === 'pod_uid' ? (req.pod_uid ?? '') : '';
  // Zombies read cgroup "/", so a pod filter keeps them for attribution later.
  if (podUid && !cgroups.some((l) => parsePodCgroup(l.path)?.podUid === podUid) && !cgroups.every((l) => l.path === '/')) return false;
  return true;
}

const scoped = (req: SnapshotScope): boolean => (req.scope === 'pids' && (req.pids?.pids ?? []).length > 0) || (req.scope === 'pod_uid' && Boolean(req.pod_uid));

/** A leader that exited (fake zombie) has left its cgroups; its live threads have not: read one of theirs. */
const needsThreadCgroup = (p: ScannedProcess): boolean => p.tids.length > 1 && !hasPod(p.cgroups);

/**
 * The second run's arguments (`collect.sh details ...`): wchan and status of
 * the threads that get FULL detail, stacks of the tasks whose stacks the
 * collector would read, and one thread's cgroup for multi-threaded processes
 * outside pods. Decided on the first run's data with the collector's own
 * selection (`stackTaskMask`), widened where a later fact could change it,
 * so the final snapshot never lacks a read it needs.
 */
export interface DetailPlan {
  words: Array<string | number>;
  /** Stack files asked for ("TGID/task/TID/stack"). */
  stacks: Set<string>;
}

export function planDetails(scan: RemoteScan, req: SnapshotScope): DetailPlan {
  const processes = scannedProcesses(scan);
  const all = Boolean(req.all_thread_details) || scoped(req);
  const perThread: number[] = [];
  const perProcess: number[] = [];
  const cgroups: number[] = [];
  const kept: ScannedProcess[] = [];
  for (const p of processes) {
    if (needsThreadCgroup(p)) cgroups.push(p.tgid, p.tids.find((t) => t !== p.tgid) as number);
    // Before the thread's cgroup is known, a fake zombie may still turn out to be in the pod.
    if (!inScope(p, needsThreadCgroup(p) ? [] : p.cgroups, req)) continue;
    kept.push(p);
    if (all || p.isNsInit) {
      perProcess.push(p.tgid);
      continue;
    }
    for (const tid of p.tids) if (FULL_STATES.includes((p.stats.get(tid) as ProcStat).state)) perThread.push(p.tgid, tid);
  }
  const draft = buildTasks(
    kept.map((p) => rawProcess(p, p.cgroups, 0, new Map())),
    0,
  );
  const stacks = stackTasks(req.problems_only ? problemTasks(draft) : draft, req.stack_states ?? []);
  const words: Array<string | number> = [];
  if (perThread.length) words.push('t', ...perThread);
  if (perProcess.length) words.push('p', ...perProcess);
  if (stacks.length) words.push('s', ...stacks.flatMap((t) => [t.tgid as number, t.tid as number]));
  if (cgroups.length) words.push('c', ...cgroups);
  return { words, stacks: new Set(stacks.map((t) => `${t.tgid}/task/${t.tid}/stack`)) };
}

/** What the details run read, by path relative to /proc. */
export type DetailFiles = Map<string, string>;

/**
 * The collector's `RawProcess` list from both runs, then its `buildTasks`:
 * pod attribution, kernel threads, namespace inits, zombies inheriting their
 * parent's pod. Scope and problems-only filters as the collector applies them.
 */
export function remoteTasks(scan: RemoteScan, details: DetailFiles, req: SnapshotScope): Task[] {
  const raws: RawProcess[] = [];
  const processes = scannedProcesses(scan);
  // A process whose NSpid has one level is in /proc's own PID namespace, as the collector reads it: its link
  // need not be readable (init's is not without ptrace access) for its namespace to be known.
  const rootNs = processes.find((p) => p.status.nsPid.length === 1 && scan.pidNs.has(p.tgid));
  const rootNsInode = rootNs ? (scan.pidNs.get(rootNs.tgid) ?? 0) : 0;
  for (const p of processes) {
    let cgroups = p.cgroups;
    if (needsThreadCgroup(p)) {
      const other = parseCgroupFile(details.get(`${p.tgid}/task/${p.tids.find((t) => t !== p.tgid)}/cgroup`) ?? '');
      if (hasPod(other)) cgroups = other;
    }
    if (!inScope(p, cgroups, req)) continue;
    const pidNs = p.status.nsPid.length === 1 ? rootNsInode || (scan.pidNs.get(p.tgid) ?? 0) : (scan.pidNs.get(p.tgid) ?? 0);
    raws.push(rawProcess(p, cgroups, pidNs, details, Boolean(req.all_thread_details) || scoped(req)));
  }
  let tasks = buildTasks(raws, hostPidNamespace(raws));
  const podUid = req.scope === 'pod_uid' ? (req.pod_uid ?? '') : '';
  if (podUid) tasks = tasks.filter((t) => t.pod_uid === podUid);
  if (req.problems_only) tasks = problemTasks(tasks);
  return tasks;
}

function rawProcess(p: ScannedProcess, cgroups: CgroupLine[], pidNsInode: number, details: DetailFiles, allFull = false): RawProcess {
  return {
    tgid: p.tgid,
    status: p.status,
    cgroups,
    pidNsInode,
    threads: p.tids.map((tid) => {
      const stat = p.stats.get(tid) as ProcStat;
      const full = allFull || p.isNsInit || FULL_STATES.includes(stat.state);
      const dir = `${p.tgid}/task/${tid}`;
      const own = full && tid !== p.tgid ? details.get(`${dir}/status`) : undefined;
      const w = full ? details.get(`${dir}/wchan`) : undefined;
      return { tid, stat, full, status: own === undefined ? undefined : parseStatus(own), wchan: w && w !== '0' ? w.trim() : '' };
    }),
  };
}
