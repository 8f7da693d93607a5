import type { Authoriser } from '../conversation/outbox';
import type { GroupMembers } from './read-authorise';

/**
 * May this Slack user remediate? WHYSTUCK_REMEDIATORS lists user ids (U…/W…)
 * and user-group ids (S…); group membership comes from the app's one cache of
 * Slack user groups (read-authorise.ts), which readers use too.
 */
export function createSlackAuthoriser(members: GroupMembers, remediators: string[]): Authoriser {
  const users = new Set(remediators.filter((r) => !r.startsWith('S')));
  const groups = remediators.filter((r) => r.startsWith('S'));
  return {
    async mayRemediate(user) {
      if (users.has(user)) return true;
      for (const group of groups) if (await members.has(group, user)) return true;
      return false;
    },
    refusal: () => 'You are not allowed to send signals: only the users and groups in WHYSTUCK_REMEDIATORS may remediate. Ask on-call, or press Escalate.',
  };
}
