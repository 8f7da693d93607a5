import { createInterface, type Interface } from 'node:readline';
import { neutraliseControls } from '../render/terminal-safe';
import type { TerminalSession } from './terminal-session';

export interface ChatIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  isTty: boolean;
}

export interface TerminalOutput {
  out(text: string): void;
  /** While a line is being answered, output is not interleaved with a prompt. */
  attach(rl: Interface | undefined, busy: boolean): void;
}

/** Output that arrives while the user types (a recheck after a signal) goes above the prompt, which is redrawn. */
export function createTerminalOutput(io: ChatIo): TerminalOutput {
  let rl: Interface | undefined;
  let busy = true;
  return {
    out(text) {
      const redraw = Boolean(rl) && io.isTty && !busy;
      if (redraw) io.stdout.write('\r\x1b[K');
      io.stdout.write(`${neutraliseControls(text, { keepBold: true })}\n`);
      if (redraw) rl!.prompt(true);
    },
    attach(r, b) {
      rl = r;
      busy = b;
    },
  };
}

/**
 * The interactive chat: one line at a time, each answered before the next is
 * read (lines piped in all at once wait their turn). Ends on `quit`, end of
 * input, Ctrl-C or Ctrl-D, after a recheck still due has been shown.
 */
export async function runTerminalChat(session: TerminalSession, io: ChatIo, output: TerminalOutput): Promise<void> {
  const rl = createInterface({ input: io.stdin, output: io.isTty ? io.stdout : undefined, terminal: io.isTty });
  const queue: string[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  const prompt = (): void => {
    const p = session.prompt();
    if (io.isTty) {
      rl.setPrompt(p);
      rl.prompt();
    } else if (p !== 'whystuck> ') io.stdout.write(`${p}\n`);
    output.attach(rl, false);
  };
  rl.on('line', (line) => {
    output.attach(rl, true);
    queue.push(line);
    wake?.();
  });
  rl.on('close', () => {
    closed = true;
    wake?.();
  });
  rl.on('SIGINT', () => rl.close());
  prompt();
  for (;;) {
    if (!queue.length) {
      if (closed) break;
      await new Promise<void>((r) => {
        wake = r;
      });
      wake = undefined;
      continue;
    }
    output.attach(rl, true);
    const res = await session.handleLine(queue.shift()!);
    if (res.quit) break;
    prompt();
  }
  output.attach(undefined, true);
  rl.close();
  await session.idle();
}
