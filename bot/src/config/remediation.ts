import { z } from 'zod';
import { isNamespaceName } from '../kube/names';
import { actionKeySchema, type OtherSecret } from './action-key';
import { listWhere, numberWhere, type SettingTable, type Sources } from './sources';

export interface RemediationConfig {
  /** Slack user ids (U…/W…) and user-group ids (S…) allowed to remediate. */
  remediators: string[];
  /** Namespaces whose pods get no remediation button (default kube-system and the collectors' namespace). */
  protectedNamespaces: string[];
  /**
   * WHYSTUCK_ACTION_SECRET: the key that signs the buttons' action tokens. When
   * set it is at least 32 random bytes, no other secret (action-key.ts); the
   * Slack bot requires it (requireActionKey), the terminal makes its own per run.
   */
  actionSecret?: string;
  /** An intent without a result older than this is taken for one whose replica stopped between intent and result: marked UNKNOWN and rechecked. */
  unfinishedIntentGraceMs: number;
}

export const REMEDIATION_FILE_KEYS = {
  remediators: z.array(z.string()).optional(),
  protectedNamespaces: z.array(z.string()).optional(),
};

export const REMEDIATION_SETTINGS = {
  remediators: { env: 'WHYSTUCK_REMEDIATORS', file: 'remediators', type: 'list' },
  protectedNamespaces: { env: 'WHYSTUCK_PROTECTED_NAMESPACES', file: 'protectedNamespaces', type: 'list' },
  actionSecret: { env: 'WHYSTUCK_ACTION_SECRET', secret: true },
  unfinishedIntentGraceSeconds: { env: 'WHYSTUCK_UNFINISHED_INTENT_GRACE_SECONDS', type: 'number' },
} satisfies SettingTable;

const schema = (collectorNamespace: string, otherSecrets: readonly OtherSecret[]) =>
  z.object({
    remediators: listWhere((r) => /^[UWS][A-Z0-9]{2,}$/.test(r), 'is not a Slack user id (U…/W…) or user-group id (S…)').default([]),
    protectedNamespaces: listWhere(isNamespaceName, 'is not a namespace name').default(['kube-system', collectorNamespace]),
    actionSecret: actionKeySchema(otherSecrets),
    unfinishedIntentGraceSeconds: numberWhere((n) => n >= 1 && n <= 86400, 'must be a number of seconds from 1 to 86400, longer than a signal can take (the default 600 is)').default(600),
  });

/**
 * Who may remediate, which namespaces never get a button, how buttons are
 * signed, when an unfinished intent is closed. `otherSecrets`: every other
 * configured secret, which the action key must not be, contain or encode.
 */
export function remediationSection(src: Sources, collectorNamespace: string, otherSecrets: readonly OtherSecret[] = []): RemediationConfig {
  const v = src.section('remediation', REMEDIATION_SETTINGS, schema(collectorNamespace, otherSecrets));
  return { remediators: v.remediators, protectedNamespaces: v.protectedNamespaces, actionSecret: v.actionSecret, unfinishedIntentGraceMs: 1000 * v.unfinishedIntentGraceSeconds };
}
