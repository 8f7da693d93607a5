import { name, taskEvidence, taskRef } from '../context';
import type { Remediation } from '../finding';
import { signalRemediation } from '../kill-verdict';
import { finding, plural, type Rule } from '../rule';

/** Tasks stopped by job control (T) or by a tracer (t). */
export const stoppedTask: Rule = {
  id: 'stopped-task',
  run(ctx) {
    const stopped = [...ctx.processes.values()].filter((t) => t.state === 'T' || t.state === 't');
    if (!stopped.length) return [];
    const traced = stopped.filter((t) => t.state === 't' || t.tracerPid);
    // Whether SIGCONT works is the kill verdict's to say (a state only inferred, a freezer, a tracer: not "yes").
    const remediations: Remediation[] = stopped
      .filter((t) => !traced.includes(t))
      .slice(0, 3)
      .map((t) => signalRemediation(t, ctx, 'SIGCONT', 'low'));
    for (const t of traced.slice(0, 3))
      remediations.push({
        action: 'manual',
        effective: 'yes',
        risk: 'low',
        why: `${name(t)} is stopped by its tracer${t.tracerPid ? ` (pid ${t.tracerPid})` : ''}: continue or detach the debugger (gdb "continue"/"detach", or end the tracer).`,
      });
    return [
      finding({
        id: 'stopped-task',
        severity: 'warning',
        confidence: 0.9,
        title: `${plural(stopped.length, 'task')} stopped (${[...new Set(stopped.map((t) => t.state))].join('/')})`,
        explanation: `${stopped.slice(0, 5).map(name).join(', ')} ${stopped.length === 1 ? 'is' : 'are'} stopped: ${traced.length ? 'state t means a tracer (debugger, strace) stopped it; ' : ''}state T means job-control stop (SIGSTOP, SIGTSTP, SIGTTIN/TTOU). A stopped task does nothing until continued, but is not in D: it does not add to the load average.`,
        evidence: stopped.slice(0, 6).flatMap((t) => taskEvidence(t, 3)),
        tasks: [
          ...stopped.slice(0, 10).map((t) => taskRef(t, 'victim')),
          ...[...new Set(traced.map((t) => t.tracerPid).filter((p): p is number => Boolean(p)))]
            .map((p) => ctx.processes.get(p))
            .filter((t): t is NonNullable<typeof t> => Boolean(t))
            .map((t) => taskRef(t, 'blocker')),
        ],
        remediations,
      }),
    ];
  },
};
