import type { Task } from '../../evidence/evidence';
import { pidOf } from '../../evidence/evidence';
import { name, taskEvidence, taskRef, type DiagnosisContext } from '../context';
import type { Remediation } from '../finding';
import { signalRemediation } from '../kill-verdict';
import { finding, plural, uniqueBy, type Rule } from '../rule';
import { storageFix } from '../storage-fixes';
import { describeChain } from '../wait-signature';
import { isTearingDown } from '../pidns-init';

/** Every process below the init (its namespace as far as the evidence shows it). */
function members(init: Task, ctx: DiagnosisContext): Task[] {
  const out: Task[] = [];
  const queue = [pidOf(init)];
  const seen = new Set(queue);
  while (queue.length) {
    for (const c of ctx.childrenOf(queue.shift()!)) {
      const pid = pidOf(c);
      if (seen.has(pid)) continue;
      seen.add(pid);
      out.push(c);
      queue.push(pid);
    }
  }
  if (init.pidNsInode) {
    for (const t of ctx.processes.values()) if (t.pidNsInode === init.pidNsInode && !seen.has(pidOf(t)) && t !== init) out.push(t);
  }
  return out;
}

export const pidnsTeardownBlocked: Rule = {
  id: 'pidns-teardown-blocked',
  run(ctx) {
    const out = [];
    for (const init of ctx.processes.values()) {
      const how = isTearingDown(init, ctx);
      if (!how) continue;
      const procs = members(init, ctx);
      const stuckThreads = procs.flatMap((p) => ctx.threadsOf(pidOf(p)).filter((t) => t.state === 'D'));
      const zombieLeaders = procs.filter((p) => p.state === 'Z' && ctx.liveThreads(p) > 0);
      const alive = procs.filter((p) => p.state !== 'Z' && p.state !== 'X' && !stuckThreads.some((t) => pidOf(t) === pidOf(p)));
      const blockers = uniqueBy([...stuckThreads, ...zombieLeaders], (t) => t.tid || t.comm);
      const parts: string[] = [
        `${name(init)} is the init (PID 1) of a PID namespace. It has exited and waits in zap_pid_ns_processes until every other task of the namespace is gone; the container, and the pod, stay Terminating until then.`,
      ];
      for (const z of zombieLeaders) {
        parts.push(
          `${name(z)} cannot be reaped: its leader is a zombie but ${plural(ctx.liveThreads(z), 'more thread')} ${ctx.liveThreads(z) === 1 ? 'is' : 'are'} still alive${z.numThreads ? ` (num_threads=${z.numThreads})` : ''}; after the namespace-wide SIGKILL, live threads mean threads stuck in uninterruptible sleep.`,
        );
      }
      for (const t of stuckThreads.slice(0, 5)) {
        const s = ctx.signature(t);
        parts.push(`${name(t)} is in D${ctx.killPending(t) ? ' with SIGKILL pending' : ''}, waiting in ${describeChain(s, 4)}${s.subsystem ? ` (${s.subsystem})` : ''}.`);
      }
      if (!blockers.length && alive.length) parts.push(`Still present in the namespace: ${alive.slice(0, 5).map(name).join(', ')}.`);
      if (!blockers.length && !alive.length) parts.push('The tasks it waits for were not in this input: look for tasks of the same pod in D, and zombie leaders whose threads are still alive.');
      const subsystem = stuckThreads.map((t) => ctx.signature(t).subsystem).find(Boolean);
      const backend = ctx.ev.backend.filter((e) => e.kind !== 'nfs-ok');
      if (backend.length) parts.push(`The kernel log names the backend: "${backend[0].last.text}".`);
      parts.push('Signals change nothing here: the init is already dead and the tasks it waits for are dead or in D; the I/O has to complete or fail.');

      const remediations: Remediation[] = [signalRemediation(init, ctx)];
      for (const t of blockers.slice(0, 3)) remediations.push(signalRemediation(ctx.processes.get(pidOf(t)) ?? t, ctx));
      remediations.push({ ...storageFix(subsystem, backend), why: `Complete or fail the blocked I/O. ${storageFix(subsystem, backend).why}` });
      remediations.push({
        action: 'kubectl',
        effective: 'no',
        risk: 'high',
        why: "`kubectl delete pod --force --grace-period=0` only deletes the API object: the processes stay in the kernel, the pod's resources stay held on the node, and a replacement may start beside them.",
        command: 'kubectl delete pod POD --force --grace-period=0',
      });
      out.push(
        finding({
          id: 'pidns-teardown-blocked',
          severity: 'critical',
          confidence: init.provenance?.stack || init.provenance?.wchan ? 0.5 : how === 'stack' ? 0.95 : 0.7,
          title: `PID-namespace teardown blocked: ${name(init)} waits in zap_pid_ns_processes${blockers.length ? ` for ${blockers.slice(0, 3).map(name).join(', ')}` : ''}`,
          explanation: parts.join(' '),
          evidence: [...taskEvidence(init, 5), ...blockers.slice(0, 6).flatMap((t) => taskEvidence(t, 5)), ...backend.slice(0, 2).map((e) => e.last.text)],
          tasks: [taskRef(init, 'init'), ...blockers.slice(0, 10).map((t) => taskRef(t, 'blocker')), ...alive.slice(0, 5).map((t) => taskRef(t, 'waiter'))],
          remediations,
        }),
      );
    }
    return out;
  },
};
