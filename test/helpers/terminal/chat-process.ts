import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { trackPid } from '../kernel/cleanup';

const ROOT = join(__dirname, '..', '..', '..');
export const BIN = join(ROOT, 'bin', 'whystuck.js');

/** The CLI as `npm start` runs it: from dist/, which `npm ci` builds (the package's prepare step). */
export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist', 'bot', 'src', 'terminal', 'run-start.js'))) throw new Error('dist/ has no terminal chat: run `npm run build` first (npm ci does it)');
}

export interface ChatProcess {
  child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  send(line: string): void;
  /** Waits until stdout after `from` (a position in stdout()) matches. */
  waitFor(re: RegExp, opts?: { from?: number; timeoutMs?: number }): Promise<RegExpExecArray>;
  exited(): Promise<number | null>;
  kill(): void;
}

/**
 * `node bin/whystuck.js ARGS` with a pipe on stdin, as a user (or a script)
 * typing into `npm start`. `prefix` runs it through another program first
 * (e.g. setpriv to drop root). Killed by pid on cleanup.
 */
export function startChat(args: string[], env: NodeJS.ProcessEnv, prefix: string[] = []): ChatProcess {
  requireBuild();
  const argv = [...prefix, process.execPath, BIN, ...args];
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
  trackPid(child.pid);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => { out += d.toString('utf8'); for (const l of listeners) l(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString('utf8'); });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => { for (const l of listeners) l(); resolve(code); }));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    send(line) { child.stdin!.write(`${line}\n`); },
    waitFor(re, opts = {}) {
      const from = opts.from ?? 0;
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = re.exec(out.slice(from));
          if (m) { listeners.delete(check); clearTimeout(timer); resolve(m); return; }
          if (child.exitCode !== null) { listeners.delete(check); clearTimeout(timer); reject(new Error(`whystuck exited (${child.exitCode}) before printing ${re}:\n${out.slice(from)}\n--- stderr:\n${err}`)); }
        };
        const timer = setTimeout(() => { listeners.delete(check); reject(new Error(`timed out waiting for ${re}; output so far:\n${out.slice(from)}\n--- stderr:\n${err}`)); }, opts.timeoutMs ?? 30_000);
        listeners.add(check);
        check();
      });
    },
    exited: () => exit,
    kill() { try { child.kill('SIGKILL'); } catch { /* gone */ } },
  };
}

/** An environment for `whystuck start` in the terminal: no Slack credentials, no kubeconfig, a private audit log. */
export function terminalEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, WHYSTUCK_DB: join(dir, 'audit.db'), WHYSTUCK_NODE_NAME: 'test-node', NO_COLOR: '1', ...extra };
}
