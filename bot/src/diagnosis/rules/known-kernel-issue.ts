import { isBefore, KNOWN_ISSUES } from '../knowledge/known-issues';
import { taskRef } from '../context';
import type { Finding } from '../finding';
import { finding, type Rule } from '../rule';
import { reportTask } from './lockups';

/** Kernel reports that match a known upstream defect with a fix. */
export const knownKernelIssue: Rule = {
  id: 'known-kernel-issue',
  run(ctx) {
    const out: Finding[] = [];
    for (const issue of KNOWN_ISSUES) {
      const hits = ctx.ev.reports.filter((r) =>
        (issue.reportKinds as string[]).includes(r.kind) &&
        (issue.functions.includes(r.rip ?? '') || r.frames.some((f) => !f.unreliable && issue.functions.includes(f.fn))));
      if (!hits.length) continue;
      const release = hits.find((r) => r.kernelRelease)?.kernelRelease ?? ctx.ev.node.kernelRelease;
      const affected = isBefore(release, issue.fixedIn);
      if (affected === false) continue;
      out.push(finding({
        id: 'known-kernel-issue',
        severity: 'warning',
        confidence: affected ? 0.9 : 0.6,
        title: `Known kernel issue: ${issue.title} — fixed upstream by ${issue.fix.commit} "${issue.fix.subject}" (v${issue.fixedIn})`,
        explanation: `${issue.explanation} ${release ? `This kernel is ${release}${affected ? `, older than v${issue.fixedIn}` : ''}.` : 'The kernel version was not in the input.'}`,
        evidence: hits.slice(0, 3).flatMap((r) => [r.headline, ...(r.rip ? [`RIP: ${r.rip}`] : []), ...r.frames.filter((f) => issue.functions.includes(f.fn)).map((f) => `${f.fn}${f.offset}`)]),
        tasks: hits.slice(0, 3).map((r) => taskRef(reportTask(r, ctx), 'blocker')),
        remediations: [{ action: 'manual', effective: 'yes', risk: 'medium', why: issue.mitigation }],
        references: [`${issue.fix.commit} ("${issue.fix.subject}", v${issue.fixedIn})`, ...issue.references],
      }));
    }
    return out;
  },
};
