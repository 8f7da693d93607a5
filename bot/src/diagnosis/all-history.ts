import { rankFindings } from './engine';
import type { Diagnosis } from './finding';

/** The diagnosis with the history older than its window among the findings ("all history", `--all-history`). */
export function withAllHistory(d: Diagnosis): Diagnosis {
  if (!d.history?.older.length) return d.history ? { ...d, history: { ...d.history, window_seconds: 'all', since_boot: undefined } } : d;
  return {
    ...d,
    findings: rankFindings([...d.findings, ...d.history.older]),
    history: { ...d.history, window_seconds: 'all', since_boot: undefined, older: [] },
  };
}
