import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';

/**
 * A Bolt-shaped `app.action()` registry, so handlers written for Slack
 * buttons (the guarded remediation in slack/remediate-action.ts) run
 * unchanged when another transport's user picks the same choice.
 */
type Handler = (args: { ack: () => Promise<void>; body: unknown; action: unknown; client: WebClient }) => Promise<void>;

export interface ActionRegistry {
  /** Pass where a Bolt `App` is expected; only `action()` is implemented. */
  app: App;
  /** Runs the handler registered for `actionId`; false when there is none. */
  dispatch(actionId: string, value: string, who: { user: string; channel: string; messageTs: string; threadTs?: string }, client: WebClient): Promise<boolean>;
}

export function createActionRegistry(): ActionRegistry {
  const handlers: { match: string | RegExp; handler: Handler }[] = [];
  const app = { action: (match: string | RegExp, handler: Handler) => { handlers.push({ match, handler }); } };
  return {
    app: app as unknown as App,
    async dispatch(actionId, value, who, client) {
      const found = handlers.find((h) => (typeof h.match === 'string' ? h.match === actionId : h.match.test(actionId)));
      if (!found) return false;
      const body = { user: { id: who.user }, channel: { id: who.channel }, message: { ts: who.messageTs, thread_ts: who.threadTs } };
      await found.handler({ ack: async () => undefined, body, action: { type: 'button', action_id: actionId, value }, client });
      return true;
    },
  };
}
