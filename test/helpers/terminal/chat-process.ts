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

/** Text that grows (a process's stdout), and waiting until the part after a mark matches. */
export interface TextWatch {
  text(): string;
  append(s: string): void;
  /** Rejects early when `ended()` says nothing more will come. */
  waitFor(re: RegExp, opts?: { from?: number; timeoutMs?: number }): Promise<RegExpExecArray>;
  /** Wakes waiters after the source ended. */
  end(): void;
}

export function watchText(ended: () => string | undefined = () => undefined, context: () => string = () => ''): TextWatch {
  let out = '';
  const listeners = new Set<() => void>();
  return {
    text: () => out,
    append(s) {
      out += s;
      for (const l of [...listeners]) l();
    },
    end() {
      for (const l of [...listeners]) l();
    },
    waitFor(re, opts = {}) {
      const from = opts.from ?? 0;
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = re.exec(out.slice(from));
          if (m) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(m);
            return;
          }
          const why = ended();
          if (why) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`${why} before printing ${re}:\n${out.slice(from)}${context()}`));
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${re}; output so far:\n${out.slice(from)}${context()}`));
        }, opts.timeoutMs ?? 30_000);
        listeners.add(check);
        check();
      });
    },
  };
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
  let err = '';
  const out = watchText(
    () => (child.exitCode !== null ? `whystuck exited (${child.exitCode})` : undefined),
    () => `\n--- stderr:\n${err}`,
  );
  child.stdout!.on('data', (d: Buffer) => out.append(d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      out.end();
      resolve(code);
    }),
  );
  return {
    child,
    stdout: () => out.text(),
    stderr: () => err,
    send(line) {
      child.stdin!.write(`${line}\n`);
    },
    waitFor: (re, opts) => out.waitFor(re, opts),
    exited: () => exit,
    kill() {
      try {
        child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    },
  };
}

/** An environment for `whystuck start` in the terminal: no Slack credentials, no kubeconfig, a private audit log. */
export function terminalEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, WHYSTUCK_DB: join(dir, 'audit.db'), WHYSTUCK_NODE_NAME: 'test-node', NO_COLOR: '1', ...extra };
}
