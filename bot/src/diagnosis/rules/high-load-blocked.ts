import { name, taskRef, type DiagnosisContext } from '../context';
import type { Finding } from '../finding';
import { finding, type Rule } from '../rule';
import { blockedTasks } from './d-state-tasks';

/** Load average driven by tasks in D rather than by CPU demand. */
export const highLoadBlocked: Rule = {
  id: 'high-load-blocked',
  run(ctx) {
    const { loadavg, cpu, taskCounts, cpuCount } = ctx.ev.node;
    if (!loadavg) return statedOnly(ctx);
    const blocked = blockedTasks(ctx);
    const inD = Math.max(blocked.length, taskCounts?.blocked ?? 0);
    const load = loadavg.one;
    const running = taskCounts?.running ?? loadavg.running;
    const idle = cpu?.idlePct;
    const cpuBound = (running !== undefined && running >= load * 0.7) || (idle !== undefined && idle < 10 && (cpu?.iowaitPct ?? 0) < 10);
    if (load < 2 || cpuBound) return [];
    const idleCpus = (idle !== undefined && idle >= 20) || (cpu?.iowaitPct ?? 0) >= 20 || (running !== undefined && running <= load / 2);
    // Relational, not a fixed number: the load is far above what runs and what the CPUs are doing, so the rest is tasks in D —
    // seen in the input, or not shown but implied (load counts R + D; mostly idle CPUs cannot be behind it).
    const cpus = cpuCount ?? 1;
    const busyCpus = idle !== undefined ? (cpus * (100 - idle - (cpu?.iowaitPct ?? 0))) / 100 : undefined;
    const implied =
      idle !== undefined && idle >= 50 && load >= Math.max(4, 2 * cpus * (1 - idle / 100) + 2) && (running === undefined || running <= load / 4)
        ? Math.round(load - Math.max(running ?? 0, busyCpus ?? 0))
        : 0;
    // A listing cut with `[...]` may hide the rest of the D tasks: one seen is enough when the load says there are more.
    const minSeen = ctx.ev.cuts.length ? 1 : 2;
    if (inD < minSeen && implied < 2) return [];
    if (!idleCpus && inD < load / 2 && implied < 2) return [];
    const facts = [
      `load average ${loadavg.one}, ${loadavg.five}, ${loadavg.fifteen}`,
      cpu ? `CPU ${idle ?? '?'}% idle, ${cpu.iowaitPct ?? '?'}% iowait` : '',
      running !== undefined ? `${running} running` : '',
      cpuCount ? `${cpuCount} CPUs` : '',
      `${inD} tasks in D seen`,
      implied > inD ? `about ${implied} in D implied by the load` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return [
      finding({
        id: 'high-load-blocked',
        severity: 'warning',
        confidence: inD >= 2 ? (idleCpus ? 0.85 : 0.65) : 0.6,
        title: `Load average ${load} is driven by tasks in D, not CPU demand`,
        explanation: `${facts}. Linux counts tasks in uninterruptible sleep in the load average although they use no CPU; iowait only shows CPUs idling while block I/O is outstanding, so waits on locks, FUSE or network storage show as idle. The load falls when ${blocked.slice(0, 3).map(name).join(', ') || 'the blocked tasks'} and the others finish their waits; more CPUs would not help.`,
        evidence: [facts, ...blocked.slice(0, 5).flatMap((t) => t.lines.slice(0, 1))],
        tasks: blocked.slice(0, 10).map((t) => taskRef(t, 'blocker')),
        remediations: [{ action: 'manual', effective: 'unknown', risk: 'low', why: 'Resolve what the D tasks wait on (see the uninterruptible-io finding); load follows.' }],
      }),
    ];
  },
};

/** "load ~50 while the CPUs were idle", said in words: suggest it, and ask for the numbers that would show it. */
function statedOnly(ctx: DiagnosisContext): Finding[] {
  const said = ctx.ev.stated.find((f) => f.kind === 'load-idle');
  if (!said) return [];
  const blocked = blockedTasks(ctx);
  return [
    finding({
      id: 'high-load-blocked',
      severity: 'warning',
      confidence: 0.45,
      title: `Load${said.load !== undefined ? ` ~${said.load}` : ''} with idle CPUs (as stated): tasks in D drive it`,
      explanation: `The text says: "${said.text.slice(0, 200)}". A high load average with idle CPUs means tasks in uninterruptible sleep (D), which Linux counts in the load although they use no CPU${blocked.length ? `; ${blocked.slice(0, 3).map(name).join(', ')} ${blocked.length === 1 ? 'is' : 'are'} in D here` : ''}. Confirm with the numbers: \`cat /proc/loadavg; grep procs_blocked /proc/stat; ps -eLo pid,tid,stat,wchan:32,comm | awk '$3 ~ /^D/'\`.`,
      evidence: [said.text],
      tasks: blocked.slice(0, 10).map((t) => taskRef(t, 'blocker')),
      remediations: [
        {
          action: 'manual',
          effective: 'unknown',
          risk: 'low',
          why: 'Resolve what the D tasks wait on (see the uninterruptible-io finding); load follows.',
          command: 'cat /proc/loadavg; grep procs_blocked /proc/stat',
        },
      ],
    }),
  ];
}
