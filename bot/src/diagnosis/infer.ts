import type { Evidence, Frame, StatedFact, Task, TaskFact } from '../evidence/evidence';
import { newTask, pidOf } from '../evidence/evidence';
import { inferFromUserWaits } from './infer-user-waits';
import { siteOf, siteOfWchan } from './wait-sites';
import { waitSignature } from './wait-signature';

/**
 * One pass over the evidence before the rules, the same for live snapshots
 * and pastes: facts that follow from other facts are filled in and marked
 * 'derived'; facts a person stated become tasks or wait sites marked
 * 'stated'. Nothing observed is overwritten.
 *
 * - a task's state from its kernel stack when no state was printed;
 * - live threads behind a zombie leader (ps `l`, NLWP > 1, CPU time still
 *   being used now);
 * - a process shown as `[name]` (no cmdline, not a kernel thread) that still
 *   has children has exited; if it is a container's PID 1, it is the
 *   namespace init waiting for them;
 * - the thread group of tasks seen only per thread;
 * - pids named only as a parent become placeholder tasks findings can name;
 * - a stated state or wait site about a pid (or about the only task that
 *   fits) is attached to that task;
 * - user-space waits (debugger backtraces): who waits for which child, and
 *   the parent of a zombie seen waiting for SIGCHLD (infer-user-waits.ts).
 */
export function inferFacts(ev: Evidence): void {
  const byTid = new Map<number, Task>();
  for (const t of ev.tasks) if (t.tid) byTid.set(t.tid, t);
  const children = new Map<number, Task[]>();
  for (const t of ev.tasks) {
    if (t.ppid === undefined) continue;
    (children.get(t.ppid) ?? children.set(t.ppid, []).get(t.ppid)!).push(t);
  }

  for (const t of ev.tasks) {
    stateFromStack(t);
    liveThreadsOfZombie(t);
    exitedWithChildren(t, children.get(pidOf(t)) ?? [], byTid);
  }
  placeholderParents(ev, byTid);
  for (const f of ev.stated) applyStated(ev, f, byTid);
  inferFromUserWaits(ev, byTid);
}

const frame = (fn: string): Frame => ({ fn, offset: '', module: '', unreliable: false });

function mark(t: Task, fact: TaskFact, how: 'derived' | 'stated'): void {
  (t.provenance ??= {})[fact] = how;
}

function stateFromStack(t: Task): void {
  if (t.state !== undefined) return;
  const sig = waitSignature(t);
  if (!sig.sleep || (!sig.frames.length && !t.wchan)) return;
  // A stack's first frame says how the task sleeps; kernel threads idling in their loop stay unknown.
  t.state = sig.sleep;
  mark(t, 'state', 'derived');
}

function liveThreadsOfZombie(t: Task): void {
  if (t.state !== 'Z' || t.numThreads !== undefined) return;
  const multi = (t.stateExtra ?? '').includes('l');
  // top shows CPU used in its last interval: a zombie leader using CPU now has threads that run.
  const burning = t.cpuPct !== undefined && t.cpuPct > 0 && t.lines.some((l) => TOP_ROW.test(l));
  if (!multi && !burning) return;
  t.numThreads = 2;
  mark(t, 'numThreads', 'derived');
}

/** A `top` row: PID USER PR NI VIRT RES SHR S %CPU %MEM TIME+ COMMAND. */
const TOP_ROW = /^\s*\d+\s+\S+\s+(?:-?\d+|rt)\s+-?\d+\s+[\d.]+[kmgtp]?\s+[\d.]+[kmgtp]?\s+[\d.]+[kmgtp]?\s+[A-Z]\s+[\d.]+\s/i;

const INIT_NAMES = /^(?:pause|tini|tini-static|dumb-init|catatonit|docker-init|s6-svscan|runit|runsvdir|my_init|init|systemd|sh|bash)$/;

function exitedWithChildren(t: Task, kids: Task[], byTid: Map<number, Task>): void {
  if (t.exited !== undefined || t.cmdline !== '' || !kids.length) return;
  if (t.isKernelThread || t.ppid === 2 || t.ppid === 0 || t.tid === 2 || (t.tid === 1 && t.nsPid === undefined && t.comm === 'systemd')) return;
  if (kids.every((k) => k.isKernelThread)) return;
  t.exited = true;
  mark(t, 'exited', 'derived');
  const parent = t.ppid !== undefined ? byTid.get(t.ppid) : undefined;
  // PID 1 of a container (shown as 1 inside it, or a known init under a runtime shim) is the namespace init.
  if (t.isPidNsInit === undefined && (t.tid === 1 || (INIT_NAMES.test(t.comm) && parent !== undefined && /shim|conmon|runc|containerd/.test(parent.comm)))) {
    t.isPidNsInit = true;
    mark(t, 'isPidNsInit', 'derived');
  }
}

function placeholderParents(ev: Evidence, byTid: Map<number, Task>): void {
  const added: Task[] = [];
  for (const t of ev.tasks) {
    const ppid = t.ppid;
    if (ppid === undefined || ppid <= 2 || byTid.has(ppid)) continue;
    const p: Task = { ...newTask(ppid, '?'), placeholder: 'ppid' };
    byTid.set(ppid, p);
    added.push(p);
  }
  ev.tasks.push(...added);
}

/** "pid 4668 is in D", "stuck in zap_pid_ns_processes": attach to the task it is about. */
function applyStated(ev: Evidence, f: StatedFact, byTid: Map<number, Task>): void {
  if (f.kind !== 'state' && f.kind !== 'wait-site' && f.kind !== 'zombie') return;
  let t = f.pid !== undefined ? byTid.get(f.pid) : undefined;
  if (!t && f.pid === undefined && f.comm) {
    const named = ev.tasks.filter((x) => x.comm === f.comm);
    if (named.length === 1) t = named[0];
  }
  // "several zombie chrome processes" beside a listing that shows them: the sentence is about those.
  if (!t && f.kind === 'zombie' && ev.tasks.some((x) => x.state === 'Z' && (!f.comm || x.comm === f.comm || x.comm === '?'))) return;
  if (!t && f.pid === undefined && f.kind === 'wait-site' && f.site && siteOf(f.site)?.kind === 'pidns') t = namespaceInitCandidate(ev);
  if (!t) {
    if (f.pid === undefined && f.kind !== 'zombie' && !f.comm) return;
    t = { ...newTask(f.pid ?? 0, f.comm ?? '?'), placeholder: 'stated' };
    t.lines.push(f.text);
    ev.tasks.push(t);
    if (f.pid !== undefined) byTid.set(f.pid, t);
  }
  if (f.kind === 'zombie' && f.pid !== undefined && t.state !== undefined && t.state !== 'Z') return;
  if (f.kind === 'zombie' && t.state === undefined) {
    t.state = 'Z';
    mark(t, 'state', 'stated');
  }
  if (f.kind === 'state' && f.state && t.state === undefined) {
    t.state = f.state;
    mark(t, 'state', 'stated');
  }
  if (f.kind === 'wait-site' && f.site && !t.stack?.length && t.wchan && t.wchan !== f.site) {
    // The wait channel is where it sleeps; the stated function is further down the same chain ("in zap_pid_ns_processes").
    t.stack = [frame(t.wchan), frame(f.site)];
    mark(t, 'stack', 'stated');
  } else if (f.kind === 'wait-site' && f.site && !t.stack?.length && !t.wchan) {
    t.wchan = f.site;
    mark(t, 'wchan', 'stated');
    if (t.state === undefined) {
      const s = siteOfWchan(f.site);
      if (s) {
        t.state = s.sleep;
        mark(t, 'state', 'stated');
      }
    }
  }
  if (!t.lines.includes(f.text) && t.lines.length < 4) t.lines.push(f.text);
}

/** The one task that can be a container's PID 1 in this evidence: pid 1 inside it, or an init under a shim. */
function namespaceInitCandidate(ev: Evidence): Task | undefined {
  const c = ev.tasks.filter((t) => t.isPidNsInit || (t.tid === 1 && t.comm !== 'systemd' && t.comm !== 'init'));
  return c.length === 1 ? c[0] : undefined;
}
