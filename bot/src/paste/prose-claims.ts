import type { StatedFact } from '../evidence/evidence';

/**
 * Two claims people make in words that the other prose readers do not keep:
 * processes piling up re-parented to init ("orphans", "reparented to PID 1"),
 * and a container sitting at its memory limit ("memory flat at 255.5 MB, the
 * limit is 256 MB", "usage almost the same as the limit"). Stated facts, for
 * rules to suggest a finding and ask for the evidence.
 */
const ORPHAN = /\borphan(?:s|ed)?\b|\bre-?parent(?:ed|s)? to (?:PID ?1|init|systemd)\b/i;
const COUNT = /\b(\d{1,3}(?:,\d{3})+|\d+)\s+(?:orphan|leaked|stray)/i;
const MEMORY = /\bmemory\b/i;
const LIMIT = /\blimit\b|\bmemory\.max\b|\blimit_in_bytes\b/i;
const AT_LIMIT = /\b(?:same as|exactly|flat|at (?:the|its) limit|close to|near(?:ly)?|almost|hit(?:s|ting)?|stuck at|pinned|reach(?:ed|es)?)\b/i;

type Claim = Pick<StatedFact, 'kind' | 'text'> & Partial<StatedFact>;

export function readProseClaims(line: string): Claim[] {
  const out: Claim[] = [];
  const text = line.trim().slice(0, 300);
  if (ORPHAN.test(line)) {
    const n = COUNT.exec(line);
    out.push({ kind: 'orphans', text, ...(n ? { load: Number(n[1].replace(/,/g, '')) } : {}) });
  }
  if (MEMORY.test(line) && LIMIT.test(line) && AT_LIMIT.test(line)) out.push({ kind: 'memory-at-limit', text });
  return out;
}
