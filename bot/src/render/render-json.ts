import type { Evidence } from '../evidence/evidence';
import type { Diagnosis } from '../diagnosis/finding';

/** The `--json` document of analyze and diagnose (same shape for both). */
export function toJson(ev: Evidence, d: Diagnosis): object {
  return {
    summary: d.summary,
    inputs: ev.inputs,
    unreadable: ev.unreadable,
    missing: ev.missing,
    findings: d.findings,
  };
}
