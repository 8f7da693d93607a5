import type { HealthResponse__Output } from '../../../proto/generated/whystuck/v1/HealthResponse';

/**
 * What the collector could not read with the privileges it has, and what
 * running as root would add — said once when the chat starts.
 */
export function privilegeNote(health: HealthResponse__Output, user: string, uid: number): string | undefined {
  if (!health.missing.length) return undefined;
  const gains = health.missing.map((m) => {
    const [cap, what] = m.split(/:\s*cannot\s+/, 2);
    return what ? `  • ${what} — ${cap}` : `  • ${m}`;
  });
  const who = uid === 0 ? 'root without all capabilities' : `${user.replace(/^local:/, '')}, not root`;
  return [
    `Running as ${who}: less evidence. With root (\`sudo npm start\`) the collector could also:`,
    ...gains,
    ...(health.missing.some((m) => m.startsWith('CAP_KILL')) ? ['Remediation can signal only processes of your own user.'] : []),
  ].join('\n');
}
