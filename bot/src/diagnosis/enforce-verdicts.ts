import type { DiagnosisContext } from './context';
import type { Finding, Remediation } from './finding';
import { killVerdict, weaker, type Verdict } from './kill-verdict';

/**
 * The last step of a diagnosis: every signal remediation a rule produced is
 * checked against the kill verdict for its pid and signal, and anything a
 * rule claimed beyond the verdict is brought down to it (with the verdict's
 * reason). A rule may be more careful than the verdict, never less. The
 * verdict is asked with `endsProblem` (ending the task ends the problem):
 * whether it does is the rule's knowledge; whether the signal can end the
 * task at all is the verdict's alone.
 */
export function enforceVerdicts(findings: Finding[], ctx: DiagnosisContext): void {
  for (const f of findings) f.remediations = f.remediations.map((r) => enforce(r, ctx));
}

function verdictFor(r: Remediation, ctx: DiagnosisContext): Verdict {
  const t = r.pid ? (ctx.processes.get(r.pid) ?? ctx.byTid.get(r.pid)) : undefined;
  if (!t) {
    return {
      effective: 'unknown',
      why: r.pid ? `pid ${r.pid} is not in this evidence: nothing shows what ${r.signal} would do to it.` : `No pid is known for it: find it first (ps -eo pid,stat,wchan:32,comm).`,
    };
  }
  return killVerdict(t, ctx, r.signal!, { endsProblem: true });
}

function enforce(r: Remediation, ctx: DiagnosisContext): Remediation {
  // Every signal, sent by a button or by hand (SIGCHLD is 'manual').
  if (!r.signal) return r;
  const v = verdictFor(r, ctx);
  const effective = weaker(r.effective, v.effective);
  if (effective === r.effective) return r;
  return { ...r, effective, why: v.why };
}
