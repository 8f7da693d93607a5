/**
 * A sentence that cites an upstream kernel defect: a kernel bugzilla entry,
 * a lore.kernel.org thread, a kernel.org or torvalds/linux commit, a
 * distribution's kernel bug, or "commit <hash>" — together with what the
 * text says happened to it (fixed, reverted, regression). Evidence that a
 * known defect is involved, at the confidence of a person's claim.
 */
export interface UpstreamRef {
  ref: string;
  /** The text says the defect was fixed, reverted or patched (a fix exists). */
  fixed: boolean;
  /** The text calls it a regression or bisects it to a commit. */
  regression: boolean;
}

const KERNEL_REF =
  /https?:\/\/(?:bugzilla\.kernel\.org\/show_bug\.cgi\?id=\d+|lore\.kernel\.org\/[^\s)>\]]+|lkml\.org\/lkml\/[^\s)>\]]+|git\.kernel\.org\/[^\s)>\]]*?(?:commit\/?\?id=|\/c\/)[0-9a-f]{7,40}|github\.com\/torvalds\/linux\/commit\/[0-9a-f]{7,40}|bugzilla\.redhat\.com\/show_bug\.cgi\?id=\d+|bugs\.launchpad\.net\/[^\s)>\]]*?linux[^\s)>\]]*?\/\+bug\/\d+|access\.redhat\.com\/solutions\/\d+)/;
const COMMIT = /\b[Cc]ommit:? ([0-9a-f]{12,40})\b/;
const FIXED = /\b(?:fix(?:ed|es)?|revert(?:ed|s)?|patch(?:ed)?|backport(?:ed)?|resolved in|landed in)\b/i;
const REGRESSION = /\b(?:regress(?:ion|ed)?|bisect(?:ed|ing)?|introduced (?:in|by))\b/i;

/** Cheap first look: most lines mention none of these. */
const HINT = /kernel\.org|torvalds|bugzilla|launchpad|redhat\.com|lkml|[Cc]ommit/;

export function readUpstreamRef(line: string): UpstreamRef | null {
  if (!HINT.test(line)) return null;
  const m = KERNEL_REF.exec(line) ?? COMMIT.exec(line);
  if (!m) return null;
  return { ref: m[1] ?? m[0], fixed: FIXED.test(line), regression: REGRESSION.test(line) };
}
