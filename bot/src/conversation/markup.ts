/**
 * The markup the conversation writes its sentences in: Slack's mrkdwn subset
 * (*bold*, `code`, ```blocks```, :emoji:, <@user>, <!date^…|fallback>), with
 * every dynamic string escaped (`&`, `<`, `>`) where it is written. Slack
 * shows it as it is; the terminal turns it into plain text
 * (render/mrkdwn-to-text.ts), undoing the escapes.
 */
export const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A size for people: "1.5 MB", "300.0 KB". */
export const formatBytes = (n: number): string => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`);

/** At most `n` characters, with an ellipsis when cut (Slack's 3,000 per text object). */
export const clip = (s: string, n = 3000): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
