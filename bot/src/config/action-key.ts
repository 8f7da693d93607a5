import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from './errors';

/**
 * The action key (WHYSTUCK_ACTION_SECRET): the HMAC key that signs the Slack
 * bot's remediation buttons. Whoever holds it can mint a button that signals
 * a process, so it is required by the Slack bot, at least 32 random bytes of
 * its own, and never derived from another secret or a constant.
 *
 * How its length is counted (the HMAC itself uses the value as given):
 *   - only hex digits, an even number of them: the bytes they encode
 *     (`openssl rand -hex 32` is 64 digits, 32 bytes);
 *   - otherwise only base64 characters (either alphabet, `=` padding at the
 *     end, a length that is a multiple of 4): the bytes they decode to
 *     (`openssl rand -base64 48` is 64 characters, 48 bytes);
 *   - anything else: its UTF-8 bytes.
 * So a value made only of letters and digits counts as base64 (6 bits a
 * character), which is about what such a string can carry.
 *
 * Refused as not random: one character repeated; a pattern repeated (or cut
 * short) of at most half the value's length; characters too alike to carry
 * the bits (an estimate from their frequencies, under 128 bits); a
 * placeholder's words (replace, changeme, example, secret…); equal to, part
 * of, or containing another configured secret (Slack, PagerDuty, SSH,
 * database), or encoding one; and the key older whystuck derived from the
 * Slack signing secret. None of these messages shows the value.
 */
export const ACTION_KEY_ENV = 'WHYSTUCK_ACTION_SECRET';
export const ACTION_KEY_MIN_BYTES = 32;
export const ACTION_KEY_FIX = `make one with \`openssl rand -base64 48\` and set ${ACTION_KEY_ENV} to it, in the bot's Secret only (the same value on every replica)`;

/** Another configured secret, by its variable, to compare the action key with. */
export interface OtherSecret {
  env: string;
  value?: string;
}

/** How the key's bytes were counted. */
export type ActionKeyEncoding = 'hex' | 'base64' | 'text';

/** The key's bytes, as its length is counted (see above). */
export function actionKeyBytes(value: string): { bytes: Buffer; encoding: ActionKeyEncoding } {
  const t = value.trim();
  if (/^(?:[0-9a-fA-F]{2})+$/.test(t)) return { bytes: Buffer.from(t, 'hex'), encoding: 'hex' };
  if (t.length % 4 === 0 && (/^[A-Za-z0-9+/]+={0,2}$/.test(t) || /^[A-Za-z0-9_-]+={0,2}$/.test(t))) {
    return { bytes: Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64'), encoding: 'base64' };
  }
  return { bytes: Buffer.from(t, 'utf8'), encoding: 'text' };
}

const ENCODED_AS: Record<ActionKeyEncoding, string> = { hex: 'read as hex', base64: 'read as base64', text: 'as UTF-8 text' };

/** The shortest period p ≤ half the length with s[i] = s[i+p] everywhere (a repeated pattern, possibly cut short), or undefined. */
function period(s: string): number | undefined {
  for (let p = 1; p <= s.length / 2; p++) if (s.slice(p) === s.slice(0, s.length - p)) return p;
  return undefined;
}

/** Bits the value's characters carry, estimated from their frequencies (Shannon entropy × length). */
function estimatedBits(s: string): number {
  const chars = [...s];
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / chars.length) * Math.log2(n / chars.length);
  return perChar * chars.length;
}

const PLACEHOLDER = /replace|change-?me|example|placeholder|secret|password|whystuck|openssl/i;

/** The key older whystuck used when none was configured: derived from the signing secret, so anyone with that secret could sign buttons. */
const legacyDerived = (signingSecret: string): string => createHash('sha256').update(`whystuck-actions:${signingSecret}`).digest('hex');

/** Why `value` is not an acceptable action key (never quoting it), or undefined. */
export function actionKeyProblem(value: string, others: readonly OtherSecret[] = []): string | undefined {
  const t = value.trim();
  if (t === '') return `is empty: it must be at least ${ACTION_KEY_MIN_BYTES} random bytes`;
  const { bytes, encoding } = actionKeyBytes(t);
  for (const o of others) {
    const other = o.value?.trim();
    if (!other) continue;
    if (other === t) return `is the same as ${o.env}: it must be a key of its own`;
    if (other.length >= 8 && t.includes(other)) return `contains ${o.env}: it must be a key of its own, not derived from another secret`;
    if (t.length >= 8 && other.includes(t)) return `is part of ${o.env}: it must be a key of its own, not derived from another secret`;
    const otherBytes = actionKeyBytes(other).bytes;
    if (bytes.equals(Buffer.from(other, 'utf8')) || bytes.equals(otherBytes)) return `encodes ${o.env}: it must be a key of its own, not derived from another secret`;
    if (o.env === 'SLACK_SIGNING_SECRET' && t.toLowerCase() === legacyDerived(other))
      return 'is the key whystuck used to derive from SLACK_SIGNING_SECRET: anyone with the signing secret can compute it; it must be a key of its own';
  }
  if (bytes.length < ACTION_KEY_MIN_BYTES) return `is ${bytes.length} bytes (${ENCODED_AS[encoding]}): it must be at least ${ACTION_KEY_MIN_BYTES} random bytes`;
  if (new Set(t).size === 1) return 'is one character repeated: it must be random bytes';
  const p = period(t);
  if (p !== undefined) return `is a pattern of ${p} character${p > 1 ? 's' : ''} repeated: it must be random bytes`;
  if (PLACEHOLDER.test(t)) return "contains a placeholder's word (replace, changeme, example, placeholder, secret, password, whystuck or openssl): it must be random bytes";
  const bits = Math.floor(estimatedBits(t));
  if (bits < 128) return `has characters too alike to be random (about ${bits} bits by their frequencies; ${ACTION_KEY_MIN_BYTES} random bytes carry ${ACTION_KEY_MIN_BYTES * 8})`;
  return undefined;
}

/** The zod schema of the setting: absent, or a key that passes actionKeyProblem (the issue carries the fix, never the value). */
export const actionKeySchema = (others: readonly OtherSecret[]) =>
  z
    .string()
    .transform((value, ctx) => {
      const problem = actionKeyProblem(value, others);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem, params: { hideValue: true, fix: ACTION_KEY_FIX } });
        return z.NEVER;
      }
      return value;
    })
    .optional();

/** The Slack bot's action key, or the ConfigError that stops the bot (and that `config check` reports) when it is not set. */
export function requireActionKey(config: { actionSecret?: string }): string {
  if (config.actionSecret === undefined) {
    throw ConfigError.bad({
      key: ACTION_KEY_ENV,
      allowed: `is not set: the Slack bot signs its remediation buttons with it; it must be at least ${ACTION_KEY_MIN_BYTES} random bytes of its own (never derived from SLACK_SIGNING_SECRET or another secret)`,
      fix: ACTION_KEY_FIX,
    });
  }
  return config.actionSecret;
}

/** `config check`'s line about the action key: set or not, its size and how it was counted; never the value. */
export function describeActionKey(config: { actionSecret?: string }): string {
  if (config.actionSecret === undefined) return `action key: ${ACTION_KEY_ENV} not set (the Slack bot refuses to start without it)`;
  const { bytes, encoding } = actionKeyBytes(config.actionSecret);
  return `action key: ${ACTION_KEY_ENV} set (value not shown), ${bytes.length} bytes ${ENCODED_AS[encoding]}; at least ${ACTION_KEY_MIN_BYTES}, not a repeated pattern or placeholder, equal to none of the other credentials`;
}
