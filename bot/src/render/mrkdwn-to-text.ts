/**
 * Slack mrkdwn as a terminal shows it: emoji names the bot uses become
 * symbols or words, *bold* becomes bold (or stays plain without colour),
 * code fences become indented lines, mentions and dates their readable form,
 * and the HTML entities Slack requires are unescaped.
 */
const EMOJI: Record<string, string> = {
  red_circle: 'CRITICAL',
  large_orange_circle: 'WARNING',
  white_circle: 'INFO',
  white_check_mark: '✓',
  x: '✗',
  grey_question: '?',
  warning: '⚠',
  no_entry: '✗',
  rotating_light: '‼',
  alarm_clock: '⏰',
  clock3: '◷',
  electric_plug: '⚡',
};

export interface TextStyle {
  /** ANSI bold for *bold*; off for pipes and NO_COLOR. */
  color: boolean;
}

const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** `<@U1>`, `<@U1|name>`, `<#C1|name>`, `<!subteam^S1>`, `<!date^…|fallback>`, `<url|text>`. */
function entities(s: string): string {
  return s.replace(/<([^<>\n]+)>/g, (_m, inner: string) => {
    const [target, label] = inner.split('|', 2) as [string, string | undefined];
    if (target.startsWith('@')) return label ? `@${label}` : describeUser(target.slice(1));
    if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
    if (target.startsWith('!subteam^')) return `@${label ?? target.slice('!subteam^'.length)}`;
    if (target.startsWith('!date^')) return label ?? target;
    if (target.startsWith('!')) return `@${label ?? target.slice(1)}`;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return label ? `${label} (${target})` : target;
    return `<${inner}>`;
  });
}

/** Terminal users are `local:NAME`: shown as the name. */
function describeUser(id: string): string {
  const local = /^local:(.+)$/.exec(id);
  return local ? local[1] : `@${id}`;
}

export function mrkdwnToText(text: string, style: TextStyle = { color: false }): string {
  const parts = text.split('```');
  const out = parts.map((part, i) => {
    if (i % 2 === 1) {
      // A code block: its own lines, indented, nothing inside interpreted.
      const body = unescape(part.replace(/^\n/, '').replace(/\n$/, ''));
      return `\n${body
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')}\n`;
    }
    let s = part.replace(/:([a-z0-9_+-]+):/g, (m, name: string) => EMOJI[name] ?? m);
    s = s.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?…])/g, (_m, pre: string, bold: string) => `${pre}${style.color ? `\x1b[1m${bold}\x1b[22m` : bold}`);
    return unescape(entities(s));
  });
  return out
    .join('')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}
