import { name, taskEvidence, taskRef, type DiagnosisContext } from '../context';
import type { Finding, Remediation } from '../finding';
import { signalRemediation } from '../kill-verdict';
import { finding, type Rule } from '../rule';
import { describeChain } from '../wait-signature';

/** A task looping in direct reclaim / memcg charge under a memory limit (seed 003). */
export const memcgReclaimLoop: Rule = {
  id: 'memcg-reclaim-loop',
  run(ctx) {
    const loopers = ctx.tasks.filter((t) => ctx.signature(t).category === 'reclaim' && t.state !== 'Z');
    if (!loopers.length) return statedAtLimit(ctx);
    return loopers.slice(0, 5).map((t) => {
      const s = ctx.signature(t);
      const fns = s.frames.map((f) => f.fn);
      const memcg = fns.some((f) => /mem_cgroup|memcg|try_charge/.test(f));
      const getblk = fns.includes('__getblk') || fns.includes('free_more_memory');
      const fault = fns.find((f) => /wp_page_copy|do_wp_page|do_shared_fault|page_mkwrite|handle_mm_fault|do_page_fault|__do_page_fault|exc_page_fault/.test(f));
      const why = getblk
        ? 'ext4 needs a buffer head (__getblk), cannot allocate one and retries free_more_memory → try_to_free_pages in a loop'
        : memcg
          ? 'the memory-cgroup charge fails, reclaim frees too little, and the charge is retried'
          : 'direct reclaim cannot free memory and is retried';
      const remediations: Remediation[] = [];
      // Without a pid the verdict says to find it first; the command names a pid, never the comm.
      remediations.push(signalRemediation(t, ctx, 'SIGKILL', 'medium'));
      remediations.push({
        action: 'manual',
        effective: 'yes',
        risk: 'low',
        why: "Raise the container's memory limit (or free page cache in the cgroup) so the charge succeeds.",
        command: 'kubectl set resources ... --limits=memory=...',
      });
      return finding({
        id: 'memcg-reclaim-loop',
        severity: 'critical',
        confidence: memcg || getblk ? 0.9 : 0.7,
        title: `${name(t)} loops in ${memcg ? 'memory-cgroup ' : ''}reclaim${fault ? ' on a page fault' : ''}`,
        explanation: `${name(t)} is in ${describeChain(s, 6)}: ${why}${fault ? ` while handling a page fault (${fault}), holding the mmap lock` : ''}. It makes no progress, and the memcg OOM killer does not run while it loops. A pending SIGKILL makes the charge/reclaim path bail out, so killing the task works; raising the limit works too.`,
        evidence: taskEvidence(t, 10),
        tasks: [taskRef(t, 'blocker')],
        remediations,
      });
    });
  },
};

const HUNG = /\b(?:hang|hangs|hung|stuck|froze|frozen|unresponsive|no response|wedged)\b/i;

/**
 * "the container hung with its memory flat at the limit", said in words: a
 * memcg at its limit that neither progresses nor OOM-kills is the reclaim
 * loop's signature. Suggest it and ask for the stacks that would show it.
 */
function statedAtLimit(ctx: DiagnosisContext): Finding[] {
  const at = ctx.ev.stated.filter((f) => f.kind === 'memory-at-limit');
  if (!at.length) return [];
  const hung = at.some((f) => HUNG.test(f.text)) || ctx.ev.stated.some((f) => f.kind === 'hang' || (f.kind === 'state' && f.state === 'D'));
  if (!hung) return [];
  return [
    finding({
      id: 'memcg-reclaim-loop',
      severity: 'warning',
      confidence: 0.4,
      title: 'Memory cgroup at its limit and hung, as the text says: likely looping in reclaim',
      explanation: `The text says the workload hung with its memory at the cgroup limit: ${at
        .slice(0, 2)
        .map((f) => `"${f.text.slice(0, 180)}"`)
        .join(
          '; ',
        )}. At the limit, each allocation reclaims the cgroup's own page cache (re-read from disk at once: heavy reads, system CPU) and retries; while reclaim frees a little, the memcg OOM killer never runs and the tasks make no progress. Confirm with the tasks' stacks (try_to_free_mem_cgroup_pages / mem_cgroup_handle_over_high / shrink_* on them) and memory.events / memory.stat of the cgroup. A pending SIGKILL makes the charge path give up, so killing the stuck task (or raising the limit) ends it.`,
      evidence: at.slice(0, 3).map((f) => f.text),
      remediations: [
        {
          action: 'manual',
          effective: 'unknown',
          risk: 'low',
          why: "Read the stacks of the container's tasks and the cgroup's memory events to confirm.",
          command: 'cat /proc/PID/stack; cat /sys/fs/cgroup/memory/.../memory.stat',
        },
        { action: 'manual', effective: 'unknown', risk: 'low', why: "Raise the container's memory limit (page cache needs room beside the heap) or lower what it keeps in memory." },
      ],
    }),
  ];
}
