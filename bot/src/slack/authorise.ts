import type { WebClient } from '@slack/web-api';
import type { Authoriser } from '../conversation/outbox';

/**
 * May this Slack user remediate? WHYSTUCK_REMEDIATORS lists user ids (U…/W…)
 * and user-group ids (S…); group membership is read from Slack (cached briefly).
 */
export function createSlackAuthoriser(client: WebClient, remediators: string[], ttlMs = 60_000): Authoriser {
  const users = new Set(remediators.filter((r) => !r.startsWith('S')));
  const groups = remediators.filter((r) => r.startsWith('S'));
  const cache = new Map<string, { at: number; members: Set<string> }>();
  return {
    async mayRemediate(user) {
      if (users.has(user)) return true;
      for (const group of groups) {
        let entry = cache.get(group);
        if (!entry || Date.now() - entry.at > ttlMs) {
          try {
            const res = await client.usergroups.users.list({ usergroup: group });
            entry = { at: Date.now(), members: new Set(res.users ?? []) };
            cache.set(group, entry);
          } catch {
            continue; // an unreadable group grants nothing
          }
        }
        if (entry.members.has(user)) return true;
      }
      return false;
    },
    refusal: () => 'You are not allowed to send signals: only the users and groups in WHYSTUCK_REMEDIATORS may remediate. Ask on-call, or press Escalate.',
  };
}
