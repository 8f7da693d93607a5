import type { FetchFunction } from '@slack/web-api';

/**
 * The one boundary every request to Slack's Web API passes (the `fetch` of
 * the bot's Web API clients): whatever a text renderer missed, a string a
 * tenant controls — a process named `<!here>`, a kernel log line, a
 * collector's message — cannot make Slack notify a channel or a group.
 *
 * Slack turns `<!here>`, `<!channel>`, `<!everyone>` and `<!subteam^ID>` in a
 * message into notifications. whystuck never sends the first three, and a
 * user group only when it is one of the configured on-call groups; every
 * other one is escaped here (`&lt;!here&gt;`), so Slack shows the characters
 * and notifies nobody. Dates (`<!date^…>`) stay: they notify nobody.
 * Sentences are escaped where they are written (`&`, `<`, `>`); this catches
 * what one of those places forgets.
 */
/** A dynamic string in Slack text (mrkdwn or plain): `&`, `<`, `>` escaped, as Slack asks (the conversation's markup, conversation/markup.ts). */
export { escapeText } from '../conversation/markup';

const SPECIAL = /<!(here|channel|everyone|subteam\^([A-Z0-9]+))((?:\|[^>]*)?)>/gi;

export function neutraliseMentions(text: string, allowedGroups: ReadonlySet<string>): string {
  if (!text.includes('<!')) return text;
  return text.replace(SPECIAL, (whole: string, what: string, group: string | undefined, label: string) =>
    group !== undefined && allowedGroups.has(group) && what.startsWith('subteam^') ? whole : `&lt;!${what}${label}&gt;`,
  );
}

/** A request body as the Web API client sends it: form-encoded or JSON text (multipart file uploads pass as they are). */
function neutraliseBody(body: string, contentType: string, allowed: ReadonlySet<string>): string {
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(body);
    let changed = false;
    for (const [key, value] of [...form]) {
      const safe = neutraliseMentions(value, allowed);
      if (safe !== value) {
        form.set(key, safe);
        changed = true;
      }
    }
    return changed ? form.toString() : body;
  }
  return neutraliseMentions(body, allowed);
}

/** `allowedGroups`: the on-call user groups whystuck may notify (read when each request is sent). */
export function slackBoundaryFetch(allowedGroups: () => Iterable<string>, base: FetchFunction = globalThis.fetch as unknown as FetchFunction): FetchFunction {
  return (url, init) => {
    if (!init || typeof init.body !== 'string') return base(url, init);
    const headers = init.headers ?? {};
    const contentType = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
    const body = neutraliseBody(init.body, contentType, new Set(allowedGroups()));
    return base(url, body === init.body ? init : { ...init, body });
  };
}
