import type { Task } from '../../evidence/evidence';
import { name, taskRef } from '../context';
import { finding, type Rule } from '../rule';

const THRESHOLD = 10;

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
    return [...groups.values()].filter((g) => g.length >= THRESHOLD).map((g) => {
      const parent = ctx.processes.get(g[0].ppid!);
      return finding({
        id: 'orphan-accumulation',
        severity: 'warning',
        confidence: 0.7,
        title: `${g.length} orphaned ${g[0].comm} processes under ${parent ? name(parent) : `pid ${g[0].ppid}`}`,
        explanation: `${g.length} ${g[0].comm} processes have ${parent ? name(parent) : `pid ${g[0].ppid}`} as parent: their original parents exited without ending them, so they were re-parented to init and keep running (and using memory, pids and file handles). Typical causes: a supervisor killed with SIGKILL, health-check or cron scripts that time out, or \`sh -c\` wrappers killed without their process group.`,
        evidence: g.slice(0, 8).flatMap((t) => t.lines.slice(0, 1)),
        tasks: g.slice(0, 10).map((t) => taskRef(t, 'victim')),
        remediations: [{ action: 'manual', effective: 'unknown', risk: 'medium', why: 'Find who starts them (their start times, cmdline) and fix its timeout/kill handling (kill the process group); end the leftovers once confirmed unneeded.', command: `pkill -TERM -x ${g[0].comm}` }],
      });
    });
  },
};
