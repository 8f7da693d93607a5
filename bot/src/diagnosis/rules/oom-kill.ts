import { parsePodCgroup } from '../../../../collector/src';
import { newTask } from '../../evidence/evidence';
import { taskRef } from '../context';
import type { Finding } from '../finding';
import { finding, type Rule } from '../rule';

const USAGE = /^memory: usage (\d+)kB, limit (\d+)kB, failcnt (\d+)/;

/** OOM kills, global or memory-cgroup, attributed to the pod from the memcg path. */
export const oomKill: Rule = {
  id: 'oom-kill',
  run(ctx) {
    const out: Finding[] = ctx.ev.reports
      .filter((r) => r.kind === 'oom-kill' && (r.victim || r.oomMemcg || r.comm))
      .map((r) => {
        const memcg = r.oomConstraint === 'CONSTRAINT_MEMCG' || /Memory cgroup/.test(r.lines.join('\n'));
        const pod = r.oomMemcg ? parsePodCgroup(r.oomMemcg) : null;
        const usage = r.lines.map((l) => USAGE.exec(l)).find(Boolean);
        const limit = usage ? `${Math.round(Number(usage[2]) / 1024)} MiB` : undefined;
        // Cut before its kill line: the OOM killer ran, whom it killed is not in the input.
        const inProgress = !r.victim;
        const v = r.victim ?? { pid: r.pid ?? 0, comm: r.comm ?? '?' };
        const task = ctx.byTid.get(v.pid) ?? { ...newTask(v.pid, v.comm), state: 'X', podUid: pod?.podUid };
        return finding({
          id: 'oom-kill',
          severity: 'warning',
          confidence: 0.95,
          title: inProgress
            ? `${memcg ? 'Memory-cgroup' : 'Global'} OOM killer invoked by ${v.comm}${v.pid ? ` (pid ${v.pid})` : ''}${pod ? ` in pod ${pod.podUid}` : ''}; the kill is not in this input`
            : `${memcg ? 'Memory-cgroup' : 'Global'} OOM kill: ${v.comm} (pid ${v.pid})${pod ? ` in pod ${pod.podUid}` : ''}${limit ? `, limit ${limit}` : ''}`,
          explanation: inProgress
            ? `${v.comm}${v.pid ? ` (pid ${v.pid})` : ''} tried to allocate memory ${memcg ? `in a memory cgroup${r.oomMemcg ? ` (${r.oomMemcg})` : ''} at its limit` : 'with the node out of memory'} and invoked the OOM killer. The report is cut before its "Killed process" line, so the victim is not shown: the next lines of the log (or \`dmesg | grep -A2 'invoked oom-killer'\`) name it.`
            : memcg
              ? `${v.comm} (pid ${v.pid}) was killed by the OOM killer because its memory cgroup${r.oomMemcg ? ` ${r.oomMemcg}` : ''} reached its limit${limit ? ` (${limit})` : ''}${pod ? `; that cgroup belongs to pod ${pod.podUid}${pod.containerId ? `, container ${pod.containerId.slice(0, 12)}` : ''}` : ''}. Kubernetes reports this as OOMKilled and restarts the container.`
              : `The node ran out of memory and the kernel killed ${v.comm} (pid ${v.pid}).${r.comm ? ` The allocation that triggered it came from ${r.comm}.` : ''}`,
          evidence: r.lines.filter((l) => /invoked oom-killer|^memory: usage|oom-kill:constraint|Killed process|Kill process|Task in /.test(l)),
          tasks: [taskRef(task, inProgress ? 'trigger' : 'victim'), ...(r.pid && r.pid !== v.pid ? [taskRef(ctx.byTid.get(r.pid) ?? newTask(r.pid, r.comm ?? '?'), 'trigger')] : [])],
          remediations: [
            {
              action: 'manual',
              effective: 'unknown',
              risk: 'low',
              why: memcg
                ? "Raise the container's memory limit if the workload needs it, or find the leak; the kill itself already happened."
                : "Find what used the memory (the OOM report's task list), set memory limits, add memory or reduce workload on the node.",
            },
          ],
        });
      });
    for (const m of ctx.ev.node.memcgOom) {
      if (!m.underOom && (!m.oomKills || out.some((f) => f.title.includes(m.podUid ?? '\0')))) continue;
      const where = m.podUid ? `pod ${m.podUid}` : m.path;
      out.push(
        finding({
          id: 'oom-kill',
          severity: m.underOom ? 'critical' : 'warning',
          confidence: 0.8,
          title: m.underOom ? `Memory cgroup of ${where} is under OOM now${m.oomKills ? ` (${m.oomKills} OOM kills so far)` : ''}` : `Memory-cgroup OOM kills in ${where}: ${m.oomKills}`,
          explanation: m.underOom
            ? `The memory cgroup ${m.path} is at its limit and under OOM right now${m.oomKills ? `; it has counted ${m.oomKills} OOM kill(s)` : ''}. Its tasks wait for memory until the OOM killer frees some (or, with the OOM killer disabled for it, until someone does).`
            : `The memory cgroup ${m.path} counted ${m.oomKills} OOM kill(s); it is not under OOM now. The counter is all that is left of them where the kernel log no longer has the kills.`,
          evidence: [`${m.path}: oom_kill ${m.oomKills}${m.underOom ? ', under_oom 1' : ''}`],
          remediations: [{ action: 'manual', effective: 'unknown', risk: 'low', why: 'Raise the memory limit or find what grows.' }],
          // A counter of past kills is history; a memory cgroup under OOM is the present.
          ...(m.underOom ? {} : { when: 'earlier' as const }),
        }),
      );
    }
    return out;
  },
};
