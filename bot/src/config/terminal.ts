import { z } from 'zod';
import { isNodeName } from '../kube/names';
import { listWhere, textWhere, type SettingTable, type Sources } from './sources';

/** The terminal chat's own settings (`npm start`); terminal/terminal-config.ts adds who the user is and where the audit goes. */
export interface TerminalSettings {
  /** WHYSTUCK_LOCAL_REMEDIATORS: local user names allowed to remediate; undefined = the user (and the sudo user). */
  localRemediators?: string[];
  /** WHYSTUCK_NODE_NAME: this machine's node name; undefined = the hostname. */
  nodeName?: string;
  /** WHYSTUCK_ALLOW_HOST_PROCESSES=1: remediation of host processes (not only pods') allowed. */
  allowHostProcesses: boolean;
  /** NO_COLOR set (any value): no ANSI bold. */
  noColor: boolean;
  /** SUDO_USER: who ran sudo. */
  sudoUser?: string;
  /** HOME and XDG_STATE_HOME: where the audit database goes, and ~/.kube/config. */
  home?: string;
  xdgStateHome?: string;
}

export const TERMINAL_SETTINGS = {
  localRemediators: { env: 'WHYSTUCK_LOCAL_REMEDIATORS', type: 'list' },
  nodeName: { env: 'WHYSTUCK_NODE_NAME' },
  allowHostProcesses: { env: 'WHYSTUCK_ALLOW_HOST_PROCESSES', type: 'flag' },
  noColor: { env: 'NO_COLOR' },
  sudoUser: { env: 'SUDO_USER', blankIsUnset: true },
  home: { env: 'HOME', blankIsUnset: true },
  xdgStateHome: { env: 'XDG_STATE_HOME', blankIsUnset: true },
} satisfies SettingTable;

const TerminalSchema = z.object({
  localRemediators: listWhere((r) => /^[a-z_][a-z0-9_.-]*\$?$/i.test(r), 'is not a local user name').optional(),
  nodeName: textWhere(isNodeName, 'is not a node name (lowercase letters, digits, "-" and "."); set WHYSTUCK_NODE_NAME').optional(),
  allowHostProcesses: z.boolean().default(false),
  noColor: z.string().optional(),
  sudoUser: z.string().optional(),
  home: z.string().optional(),
  xdgStateHome: z.string().optional(),
});

export function terminalSection(src: Sources): TerminalSettings {
  const v = src.section('terminal', TERMINAL_SETTINGS, TerminalSchema);
  return { ...v, noColor: v.noColor !== undefined };
}
