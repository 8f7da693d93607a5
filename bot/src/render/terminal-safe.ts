/**
 * Text a tenant controls (a comm, a command line, a kernel log line, a
 * collector message) must not drive the operator's terminal: escape
 * sequences could clear it, retitle it, or hide a line. Control characters
 * other than newline and tab are shown as visible `\xNN` text instead.
 * The bold on/off sequences the chat itself adds survive when asked to.
 */
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
const CONTROLS_KEEP_BOLD = /\x1b\[(?:1|22)m|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

const visible = (c: string): string => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

export function neutraliseControls(text: string, opts: { keepBold?: boolean } = {}): string {
  if (opts.keepBold) return text.replace(CONTROLS_KEEP_BOLD, (m) => (m.length > 1 ? m : visible(m)));
  return text.replace(CONTROLS, visible);
}
