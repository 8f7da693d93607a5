import { isBefore, KNOWN_ISSUES } from '../knowledge/known-issues';
import { taskRef, type DiagnosisContext } from '../context';
import type { Finding } from '../finding';
import { finding, type Rule } from '../rule';
import { reportTask } from './lockups';

/** Kernel reports that match a known upstream defect with a fix. */
export const knownKernelIssue: Rule = {
  id: 'known-kernel-issue',
  run(ctx) {
    const out: Finding[] = [];
    for (const issue of KNOWN_ISSUES) {
      const hits = ctx.ev.reports.filter(
        (r) => (issue.reportKinds as string[]).includes(r.kind) && (issue.functions.includes(r.rip ?? '') || r.frames.some((f) => !f.unreliable && issue.functions.includes(f.fn))),
      );
      if (!hits.length) continue;
      const release = hits.find((r) => r.kernelRelease)?.kernelRelease ?? ctx.ev.node.kernelRelease;
      const affected = isBefore(release, issue.fixedIn);
      if (affected === false) continue;
      out.push(
        finding({
          id: 'known-kernel-issue',
          severity: 'warning',
          confidence: affected ? 0.9 : 0.6,
          title: `Known kernel issue: ${issue.title} — fixed upstream by ${issue.fix.commit} "${issue.fix.subject}" (v${issue.fixedIn})`,
          explanation: `${issue.explanation} ${release ? `This kernel is ${release}${affected ? `, older than v${issue.fixedIn}` : ''}.` : 'The kernel version was not in the input.'}`,
          evidence: hits.slice(0, 3).flatMap((r) => [r.headline, ...(r.rip ? [`RIP: ${r.rip}`] : []), ...r.frames.filter((f) => issue.functions.includes(f.fn)).map((f) => `${f.fn}${f.offset}`)]),
          tasks: hits.slice(0, 3).map((r) => taskRef(reportTask(r, ctx), 'blocker')),
          remediations: [{ action: 'manual', effective: 'yes', risk: 'medium', why: issue.mitigation }],
          references: [`${issue.fix.commit} ("${issue.fix.subject}", v${issue.fixedIn})`, ...issue.references],
        }),
      );
    }
    if (!out.length) out.push(...cited(ctx));
    return out;
  },
};

/** Kernel reports that fit no entry of the table, but the text cites the upstream defect and its fix. */
function cited(ctx: DiagnosisContext): Finding[] {
  const refs = ctx.ev.stated.filter((f) => f.kind === 'upstream-defect' && f.ref);
  const reports = ctx.ev.reports.filter((r) => r.kind !== 'oom-kill' && r.kind !== 'task-dump' && r.kind !== 'backtrace');
  if (!refs.length || !reports.length) return [];
  const fixed = refs.filter((f) => f.fixed);
  const r = reports[0];
  return [
    finding({
      id: 'known-kernel-issue',
      severity: 'warning',
      confidence: fixed.length ? 0.55 : 0.4,
      title: `Known kernel issue (as cited): ${r.kind.replace(/-/g, ' ')} tied to ${refs[0].ref}${fixed.length ? ', with a fix or revert upstream' : ''}`,
      explanation: `The kernel reported ${r.headline.slice(0, 140)}${reports.length > 1 ? ` (and ${reports.length - 1} more report${reports.length > 2 ? 's' : ''})` : ''}, and the text ties it to an upstream defect: ${refs
        .slice(0, 3)
        .map((f) => `"${f.text.slice(0, 200)}"`)
        .join(
          '; ',
        )}. This is the reporter's identification, not a signature whystuck knows: check the kernel's changelog for the fix${ctx.ev.node.kernelRelease ? ` (this kernel: ${ctx.ev.node.kernelRelease})` : ''}.`,
      evidence: [r.headline, ...refs.slice(0, 3).map((f) => f.text)],
      tasks: reports.slice(0, 3).map((x) => taskRef(reportTask(x, ctx), 'blocker')),
      remediations: [
        {
          action: 'manual',
          effective: 'unknown',
          risk: 'medium',
          why: fixed.length
            ? "Move to a kernel that carries the fix or revert the text names (or the distribution's backport); until then, avoid the workload pattern that triggers it."
            : 'Follow the cited report for a fix; until then, avoid the workload pattern that triggers it.',
        },
      ],
      references: refs.map((f) => f.ref!).slice(0, 5),
    }),
  ];
}
