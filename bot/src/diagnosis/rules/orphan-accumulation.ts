import type { Task } from '../../evidence/evidence';
import { pidOf } from '../../evidence/evidence';
import { name, taskRef, type DiagnosisContext } from '../context';
import type { Finding } from '../finding';
import { finding, type Rule } from '../rule';
// Explicit pids, never the comm: a process named `.+` must not become `pkill -x .+`.
import { killPids } from '../shell-quote';

const THRESHOLD = 10;
/** A list cut with `[...]` shows only part of the pile: fewer rows prove as much when they are most of what is shown. */
const THRESHOLD_CUT = 2;

/** Many copies of one program re-parented to init (or a container's PID 1) and left running. */
export const orphanAccumulation: Rule = {
  id: 'orphan-accumulation',
  run(ctx) {
    const inits = new Set<number>([1, ...[...ctx.processes.values()].filter((t) => t.isPidNsInit).map((t) => t.tid)]);
    const groups = new Map<string, Task[]>();
    for (const t of ctx.processes.values()) {
      if (t.ppid === undefined || !inits.has(t.ppid) || t.isKernelThread || t.state === 'Z') continue;
      const key = `${t.ppid}|${t.comm}`;
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(t);
    }
    const cut = ctx.ev.cuts.length > 0;
    const shown = [...ctx.processes.values()].filter((t) => t.ppid !== undefined && !t.placeholder).length;
    const piles = [...groups.values()].filter((g) => g.length >= THRESHOLD || (cut && g.length >= THRESHOLD_CUT && g.length * 2 >= shown));
    if (!piles.length) return statedOrphans(ctx);
    return piles.map((g) => {
      const parent = ctx.processes.get(g[0].ppid!);
      return finding({
        id: 'orphan-accumulation',
        severity: 'warning',
        confidence: 0.7,
        title: `${cut && g.length < THRESHOLD ? 'At least ' : ''}${g.length} orphaned ${g[0].comm} processes under ${parent ? name(parent) : `pid ${g[0].ppid}`}`,
        explanation: `${g.length} ${g[0].comm} processes have ${parent ? name(parent) : `pid ${g[0].ppid}`} as parent: their original parents exited without ending them, so they were re-parented to init and keep running (and using memory, pids and file handles). Typical causes: a supervisor killed with SIGKILL, health-check or cron scripts that time out, or \`sh -c\` wrappers killed without their process group.`,
        evidence: g.slice(0, 8).flatMap((t) => t.lines.slice(0, 1)),
        tasks: g.slice(0, 10).map((t) => taskRef(t, 'victim')),
        remediations: [
          {
            action: 'manual',
            effective: 'unknown',
            risk: 'medium',
            why: 'Find who starts them (their start times, cmdline) and fix its timeout/kill handling (kill the process group); end the leftovers once confirmed unneeded.',
            command: `${killPids('TERM', g.map(pidOf))}${g.length > 64 ? ` # the first 64 of ${g.length}` : ''}`,
          },
        ],
      });
    });
  },
};

/** "1,204 orphans reparented to PID 1", said in words with no process list: suggest it, ask for the list. */
function statedOrphans(ctx: DiagnosisContext): Finding[] {
  const said = ctx.ev.stated.filter((f) => f.kind === 'orphans');
  if (!said.length) return [];
  const count = Math.max(0, ...said.map((f) => f.load ?? 0));
  return [
    finding({
      id: 'orphan-accumulation',
      severity: 'warning',
      confidence: 0.45,
      title: `Orphaned processes pile up under init${count ? ` (${count} stated)` : ''}, as the text says`,
      explanation: `The text says processes are left behind re-parented to init: ${said
        .slice(0, 2)
        .map((f) => `"${f.text.slice(0, 160)}"`)
        .join(
          '; ',
        )}. Orphans are alive (they hold memory, pids and files) until something ends them; their original parent exited without ending its process group. No process list is in the input: list them by parent and start time to confirm and to find the program that leaks them.`,
      evidence: said.slice(0, 4).map((f) => f.text),
      remediations: [
        {
          action: 'manual',
          effective: 'unknown',
          risk: 'low',
          why: 'List the orphans with their start times to see which program leaks them.',
          command: "ps -eo pid,ppid,lstart,rss,comm --sort=ppid | awk '$2 == 1'",
        },
        {
          action: 'manual',
          effective: 'unknown',
          risk: 'medium',
          why: 'Fix the program that starts them to end its whole process group (or run its children in their own cgroup / systemd scope) when a session ends; end the leftovers by pid once confirmed unneeded.',
        },
      ],
    }),
  ];
}
