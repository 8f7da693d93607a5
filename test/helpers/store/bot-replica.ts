import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** One `whystuck bot` replica in its own process, from the TypeScript sources, in HTTP mode on a free loopback port. */
export interface BotReplica {
  pid: number;
  /** http://127.0.0.1:PORT/slack/events */
  url: string;
  /** http://127.0.0.1:PORT/readyz */
  readyz: string;
  /** Its log (pino JSON on stderr). */
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when it has exited. */
  stop(): Promise<void>;
  /** SIGKILL at once (a crashed pod: nothing released); resolves when it has exited. */
  kill(): Promise<void>;
}

/**
 * Runs the real CLI (`main(['bot'])`, what `whystuck bot` runs) with the
 * sources compiled on load by the same swc transform the tests use, and waits
 * for its "started" log line with the port it listens on.
 */
export async function startBotReplica(env: Record<string, string>, timeoutMs = 60_000): Promise<BotReplica> {
  const script = `require(${JSON.stringify(join(ROOT, 'bench', 'ts-hook.js'))});
require(${JSON.stringify(join(ROOT, 'bot', 'src', 'cli', 'main.ts'))}).main(['bot'], process.env).then((c) => { process.exitCode = c; }, (e) => { console.error(e); process.exitCode = 1; });`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', WHYSTUCK_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(hard);
  };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the bot replica did not start within ${timeoutMs} ms:\n${log}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString('utf8');
      const m = /"port":(\d+)[^\n]*whystuck bot started|whystuck bot started[^\n]*"port":(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1] ?? m[2]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the bot replica exited (${code}) before it started:\n${log}`));
    });
  });
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  return { pid: child.pid!, url: `http://127.0.0.1:${port}/slack/events`, readyz: `http://127.0.0.1:${port}/readyz`, log: () => log, stop, kill };
}
