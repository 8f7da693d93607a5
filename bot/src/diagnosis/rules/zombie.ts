import type { Task } from '../../evidence/evidence';
import { pidOf } from '../../evidence/evidence';
import { name, taskEvidence, taskRef, type DiagnosisContext } from '../context';
import type { Finding, Remediation, ZombieKind } from '../finding';
import { killVerdict, signalRemediation } from '../kill-verdict';
import { finding, plural, type Rule } from '../rule';
import { isTearingDown } from '../pidns-init';

/** Programs that reap orphans when they run as PID 1. */
const INIT_SYSTEMS = /^(?:systemd|init|tini|tini-static|dumb-init|catatonit|pause|s6-svscan|runit|runsvdir|supervisord|openrc-init|busybox|my_init|docker-init|containerd-shim\S*)$/;

export function zombieKind(z: Task, ctx: DiagnosisContext): ZombieKind {
  const live = ctx.liveThreads(z);
  const parent = ctx.parentOf(z);
  if (live > 0) {
    const dThread = ctx.threadsOf(pidOf(z)).some((t) => t.state === 'D');
    const killed = ctx.killPending(z) || (parent !== undefined && isTearingDown(parent, ctx) !== null);
    return dThread || killed ? 'zombie-with-d-thread' : 'fake-zombie';
  }
  if (z.tracerPid) return 'ptraced';
  if (parent?.state === 'D') return 'parent-blocked';
  // An init seen waiting to learn that a child exited does reap: it missed this one.
  if (parent && isNamespaceInit(parent) && !INIT_SYSTEMS.test(parent.comm) && !awaitsChildExit(parent)) return 'missing-init';
  if (!parent && z.ppid === 1 && ctx.byTid.get(1) === undefined && z.nsPid && z.nsPid.length > 1) return 'missing-init';
  return 'parent-not-reaping';
}

/** Seen in user space waiting for a signal in code that waits for a child (sigwait in WaitForChild, reap_children…). */
function awaitsChildExit(t: Task): boolean {
  return t.userWait?.kind === 'signal' && t.userWait.forChild === true;
}

/** What the parent is seen doing in user space, and who waits on it in turn. */
function parentWords(parent: Task, ctx: DiagnosisContext): string {
  const w = parent.userWait;
  let out = '';
  if (w && awaitsChildExit(parent)) {
    out = ` ${name(parent)} is alive and asleep in ${w.fn}() waiting for a signal, in code that waits for a child: it missed the SIGCHLD of this child's exit (SIGCHLD is not queued: one that comes before the wait, or while another is pending, is lost), so it never calls wait() for it.`;
  } else if (w?.kind === 'child' && w.pid !== undefined && w.pid > 0) {
    out = ` ${name(parent)} is blocked in ${w.fn}() for pid ${w.pid} only: it reaps no other child until that one exits.`;
  }
  const waiters = waitersOn(parent, ctx);
  if (waiters.length)
    out += ` ${waiters.slice(0, 3).map(name).join(', ')} ${waiters.length === 1 ? 'waits' : 'wait'} in turn for ${name(parent)} to exit (${waiters[0].userWait!.fn}()), so ${waiters.length === 1 ? 'it hangs' : 'they hang'} as well.`;
  return out;
}

/** Tasks blocked in waitpid() for this task. */
function waitersOn(t: Task, ctx: DiagnosisContext): Task[] {
  const pid = pidOf(t);
  return pid ? ctx.tasks.filter((x) => x !== t && x.userWait?.kind === 'child' && !x.userWait.nohang && x.userWait.pid === pid) : [];
}

function isNamespaceInit(t: Task): boolean {
  if (t.isPidNsInit) return true;
  if (t.nsPid && t.nsPid.length > 1) return t.nsPid[t.nsPid.length - 1] === 1;
  // A `ps` taken inside a container: PID 1 is whatever the image runs.
  return (t.tid === 1 || t.pid === 1) && !INIT_SYSTEMS.test(t.comm);
}

const EXPLAIN: Record<ZombieKind, string> = {
  'parent-not-reaping': 'Their parent is alive but does not call wait() for them (no SIGCHLD handling or a bug).',
  'parent-blocked': 'Their parent is itself in uninterruptible sleep, so it cannot run its wait() until its own wait ends.',
  'missing-init': "They were orphaned inside a container whose PID 1 is not an init system: the kernel re-parents orphans to the namespace's PID 1, and this program never reaps them.",
  ptraced: 'They are traced: a traced zombie is reported to its tracer, which has to reap or detach it first.',
  'fake-zombie': 'The thread-group leader exited (pthread_exit in main) while other threads still run: ps shows Z for the leader but the process is alive.',
  'zombie-with-d-thread': 'The leader exited but other threads are stuck in uninterruptible sleep; the process cannot finish exiting until they return.',
};

export const zombie: Rule = {
  id: 'zombie',
  run(ctx) {
    const zombies = [...ctx.processes.values(), ...ctx.tasks.filter((t) => !pidOf(t))].filter((t) => t.state === 'Z' && (t.pid === undefined || t.tid === t.pid));
    const groups = new Map<string, Task[]>();
    for (const z of zombies) {
      const kind = zombieKind(z, ctx);
      const key = `${kind}|${kind === 'fake-zombie' || kind === 'zombie-with-d-thread' ? pidOf(z) : (z.ppid ?? '?')}`;
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(z);
    }
    const out: Finding[] = [];
    for (const [key, list] of groups) {
      const kind = key.split('|')[0] as ZombieKind;
      const parent = ctx.parentOf(list[0]);
      const who = list.slice(0, 5).map(name).join(', ') + (list.length > 5 ? ` and ${list.length - 5} more` : '');
      // Said in words, not shown: name it, ask for the evidence, act on nothing.
      const stated = list.every((z) => z.provenance?.state === 'stated' || !pidOf(z));
      // A parent seen waiting for SIGCHLD can be woken whatever the zombie's evidence: the verdict says whether it works.
      const nudge = parent && awaitsChildExit(parent) && pidOf(parent) ? [wakeParent(parent, ctx)] : [];
      const remediations = stated ? [confirmZombie(list[0]), ...nudge] : [...nudge, ...fixes(kind, list, parent, ctx)];
      const waiters = parent ? waitersOn(parent, ctx) : [];
      out.push(
        finding({
          id: 'zombie',
          kind,
          severity: kind === 'zombie-with-d-thread' ? 'critical' : list.length >= 10 || kind === 'missing-init' ? 'warning' : 'info',
          confidence: stated ? 0.4 : list[0].ppid !== undefined || kind === 'fake-zombie' || kind === 'zombie-with-d-thread' ? 0.85 : 0.6,
          title: `${plural(list.length, 'zombie')} (${kind}${stated ? ', as stated' : ''})${parent ? ` under ${name(parent)}` : ''}`,
          explanation: `${who} ${list.length === 1 ? 'is a' : 'are'} zombie${list.length === 1 ? '' : 's'}${stated ? ' (as the text says; no process listing shows it)' : ''}. ${stated && !parent ? 'Without its parent, threads and stacks the reason cannot be told apart; ' : ''}${EXPLAIN[kind]}${parent ? parentWords(parent, ctx) : ''} ${kind === 'fake-zombie' ? 'SIGKILL to the process ends the live threads; then the parent can reap it.' : 'A zombie is already dead: signals to it do nothing; only what reaps it helps.'}`,
          evidence: [...list.slice(0, 6).flatMap((z) => taskEvidence(z, 4)), ...(parent ? taskEvidence(parent, 4) : []), ...waiters.slice(0, 3).flatMap((w) => taskEvidence(w, 4))],
          tasks: [
            ...list.slice(0, 50).map((z) => taskRef(z, 'victim')),
            ...(parent ? [taskRef(parent, 'parent')] : []),
            ...waiters.slice(0, 10).map((w) => taskRef(w, 'waiter')),
            ...(kind === 'ptraced' && list[0].tracerPid && ctx.processes.get(list[0].tracerPid) ? [taskRef(ctx.processes.get(list[0].tracerPid)!, 'blocker')] : []),
          ],
          remediations,
        }),
      );
    }
    return out;
  },
};

/** `kill -CHLD PARENT`: wakes a parent asleep waiting for SIGCHLD so it reaps. */
function wakeParent(parent: Task, ctx: DiagnosisContext): Remediation {
  return signalRemediation(parent, ctx, 'SIGCHLD', 'low', {
    because: `Once awake it reaps the dead child; if the zombies come back, the program needs to call waitpid(-1, …, WNOHANG) in a loop after each wake (SIGCHLD notifications merge and can be missed).`,
  });
}

function confirmZombie(z: Task): Remediation {
  const pid = pidOf(z);
  return {
    action: 'manual',
    effective: 'unknown',
    risk: 'low',
    why: `Confirm and find who should reap it: its parent, its threads and what they wait on. A zombie itself cannot be killed; its parent reaping it (or exiting) removes it.`,
    command: pid ? `ps -o pid,ppid,stat,wchan:32,comm -p ${pid}; cat /proc/${pid}/status; cat /proc/${pid}/task/*/stack` : "ps -eLo pid,tid,ppid,stat,wchan:32,comm | awk '$4 ~ /^Z/'",
  };
}

function fixes(kind: ZombieKind, list: Task[], parent: Task | undefined, ctx: DiagnosisContext): Remediation[] {
  const z = list[0];
  const out: Remediation[] = [];
  const noKill: Remediation = { action: 'signal', pid: pidOf(z), signal: 'SIGKILL', effective: 'no', risk: 'low', why: killVerdict(z, ctx).why, command: `kill -9 ${pidOf(z)}`, comm: z.comm };
  switch (kind) {
    case 'fake-zombie':
      out.push(signalRemediation(z, ctx));
      break;
    case 'zombie-with-d-thread':
      out.push(noKill, {
        action: 'manual',
        effective: 'yes',
        risk: 'low',
        why: `Find what the remaining threads wait on (cat /proc/${pidOf(z)}/task/*/stack) and complete or fail that I/O; the process then finishes exiting and is reaped.`,
        command: `cat /proc/${pidOf(z)}/task/*/stack`,
      });
      break;
    case 'ptraced': {
      const tracer = z.tracerPid ? ctx.processes.get(z.tracerPid) : undefined;
      if (tracer)
        out.push(
          signalRemediation(tracer, ctx, 'SIGTERM', 'medium', {
            endsProblem: true,
            because: `Ending the tracer ${name(tracer)} detaches it; the zombie is then reported to and reaped by its real parent.`,
          }),
        );
      else out.push({ action: 'manual', effective: 'yes', risk: 'medium', why: `Detach or end the tracer (TracerPid ${z.tracerPid ?? 'in /proc/PID/status'}).` });
      out.push(noKill);
      break;
    }
    case 'missing-init':
      out.push(
        noKill,
        {
          action: 'manual',
          effective: 'yes',
          risk: 'low',
          why: "Run a real init as the container's PID 1 so orphans are reaped: tini / dumb-init / catatonit as ENTRYPOINT (`tini -- app`, `docker run --init`), or set `shareProcessNamespace: true` in the pod spec so the pause container reaps them.",
        },
        { action: 'kubectl', effective: 'yes', risk: 'medium', why: 'Restarting the pod removes the zombies now (they come back until the image has an init).', command: 'kubectl delete pod POD' },
      );
      break;
    case 'parent-blocked':
      if (parent) out.push(signalRemediation(parent, ctx, 'SIGKILL', 'medium', { endsProblem: true }));
      out.push(noKill, {
        action: 'manual',
        effective: 'yes',
        risk: 'low',
        why: `Resolve what ${parent ? name(parent) : 'the parent'} waits on (its stack); once it runs again it can reap its children.`,
      });
      break;
    case 'parent-not-reaping':
      if (parent && pidOf(parent) !== 1) {
        out.push(
          signalRemediation(parent, ctx, 'SIGTERM', 'medium', {
            endsProblem: true,
            because: `When ${name(parent)} exits, its zombies are re-parented to init (or the nearest subreaper), which reaps them. Fix the parent to wait() for its children.`,
          }),
        );
      } else {
        out.push({ action: 'manual', effective: 'unknown', risk: 'low', why: 'Find the parent (ppid in ps) and make it reap (SIGCHLD handler / wait()); restarting the parent releases them.' });
      }
      out.push(noKill);
      break;
  }
  return out;
}
