import type { Evidence } from '../evidence/evidence';
import type { Diagnosis } from '../diagnosis/finding';

/**
 * The `--json` document of analyze and diagnose (same shape for both): the
 * findings as they are (each with `when` and `last_seen`), and how history
 * was chosen (window, reference, how far back the log reaches, the older
 * groups) when the evidence carries times.
 */
export function toJson(ev: Evidence, d: Diagnosis): object {
  return {
    summary: d.summary,
    inputs: ev.inputs,
    unreadable: ev.unreadable,
    missing: ev.missing,
    findings: d.findings,
    ...(d.history ? { history: d.history } : {}),
  };
}
