import { name, taskEvidence, taskRef } from '../context';
import type { Remediation } from '../finding';
import { signalRemediation } from '../kill-verdict';
import { finding, type Rule } from '../rule';
import { describeChain } from '../wait-signature';

/** A task looping in direct reclaim / memcg charge under a memory limit (seed 003). */
export const memcgReclaimLoop: Rule = {
  id: 'memcg-reclaim-loop',
  run(ctx) {
    const loopers = ctx.tasks.filter((t) => ctx.signature(t).category === 'reclaim' && t.state !== 'Z');
    if (!loopers.length) return [];
    return loopers.slice(0, 5).map((t) => {
      const s = ctx.signature(t);
      const fns = s.frames.map((f) => f.fn);
      const memcg = fns.some((f) => /mem_cgroup|memcg|try_charge/.test(f));
      const getblk = fns.includes('__getblk') || fns.includes('free_more_memory');
      const fault = fns.find((f) => /wp_page_copy|do_wp_page|do_shared_fault|page_mkwrite|handle_mm_fault|do_page_fault|__do_page_fault|exc_page_fault/.test(f));
      const why = getblk
        ? 'ext4 needs a buffer head (__getblk), cannot allocate one and retries free_more_memory → try_to_free_pages in a loop'
        : memcg ? 'the memory-cgroup charge fails, reclaim frees too little, and the charge is retried' : 'direct reclaim cannot free memory and is retried';
      const remediations: Remediation[] = [];
      if (t.tid) remediations.push(signalRemediation(t, ctx, 'SIGKILL', 'medium'));
      else remediations.push({ action: 'signal', signal: 'SIGKILL', effective: 'yes', risk: 'medium', why: `Kill the looping ${t.comm} (find its pid with ps): a pending fatal signal makes the charge path give up.`, command: `kill -9 <pid of ${t.comm}>` });
      remediations.push({ action: 'manual', effective: 'yes', risk: 'low', why: 'Raise the container\'s memory limit (or free page cache in the cgroup) so the charge succeeds.', command: 'kubectl set resources ... --limits=memory=...' });
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
