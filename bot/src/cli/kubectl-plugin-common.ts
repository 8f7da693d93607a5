import { neutraliseControls } from '../render/terminal-safe';

/** What both halves of the kubectl plugin share (kubectl-plugin.ts reads the command line; kubectl-plugin-answer.ts answers). */

export interface PluginIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
}

/** Exit codes: 0 answered, 1 pod not found, 2 usage error or invalid name, 3 not read. */
export const EXIT = { ok: 0, notFound: 1, usage: 2, notRead: 3 } as const;

/** Where the collectors are and how they are called: the bot's settings (same variables, same defaults). */
export interface CollectorSettings {
  namespace: string;
  selector: string;
  port: number;
  serverName: string;
  deadlineMs: number;
}

/** A question checked on the command line: names valid, nothing read yet. */
export interface PluginRequest {
  kind: 'pod' | 'node';
  name: string;
  /** -n; absent: the kubeconfig context's namespace, else "default". */
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  json: boolean;
  /** The client certificate (by default the read-only reader's, spiffe://whystuck/reader): files, or a Secret in the collector namespace. */
  tls: { files: { cert: string; key: string; ca: string } } | { secret: string };
  collectors: CollectorSettings;
}

/** Text from the command line or the cluster, made safe to print: control characters shown, not obeyed. */
export const shown = (s: string, max = 80): string => neutraliseControls(s.length > max ? `${s.slice(0, max)}…` : s);

/** A usage error on stderr; returns the exit code. */
export function usageError(io: PluginIo, why: string): number {
  io.stderr.write(`kubectl-whystuck: ${why}\n(kubectl whystuck --help for usage)\n`);
  return EXIT.usage;
}
