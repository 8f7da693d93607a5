import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { diagnose } from '../diagnosis/engine';
import { readPasteStream } from '../paste/read-paste-stream';
import { toJson } from '../render/render-json';
import { renderText } from '../render/render-text';

export const ANALYZE_USAGE = `usage: whystuck analyze [FILE|-] [--json]
  Reads kernel logs (dmesg, dmesg -T, journalctl -k, /var/log/messages), ps/top
  output, /proc/PID/stack|stat|status and crash bt — mixed in one paste is fine —
  and names the root cause. FILE "-" or no FILE reads standard input.`;

export interface CliIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory', EPERM: 'operation not permitted',
};

/** `whystuck analyze`: exit 0 after a diagnosis, 2 for usage errors or an unreadable file. */
export async function runAnalyze(args: string[], io: CliIo): Promise<number> {
  const json = args.includes('--json');
  const rest = args.filter((a) => a !== '--json');
  if (rest.includes('--help') || rest.includes('-h')) { io.stdout.write(`${ANALYZE_USAGE}\n`); return 0; }
  const unknown = rest.find((a) => a.startsWith('-') && a !== '-');
  if (unknown || rest.length > 1) {
    io.stderr.write(`whystuck analyze: ${unknown ? `unknown option ${unknown}` : 'give one FILE (or - for standard input)'}\n${ANALYZE_USAGE}\n`);
    return 2;
  }
  const file = rest[0] ?? '-';
  let input: Readable;
  if (file === '-') {
    if (io.stdin.isTTY) { io.stderr.write(`whystuck analyze: paste text on standard input or name a FILE\n${ANALYZE_USAGE}\n`); return 2; }
    input = io.stdin;
  } else {
    try {
      const fd = fs.openSync(file, 'r');
      if (fs.fstatSync(fd).isDirectory()) { fs.closeSync(fd); throw Object.assign(new Error('is a directory'), { code: 'EISDIR' }); }
      input = fs.createReadStream('', { fd, highWaterMark: 1 << 20 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      io.stderr.write(`whystuck analyze: cannot read ${file}: ${REASONS[code] ?? (err as Error).message}\n`);
      return 2;
    }
  }
  let ev;
  try {
    ev = await readPasteStream(input);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    io.stderr.write(`whystuck analyze: cannot read ${file === '-' ? 'standard input' : file}: ${REASONS[code] ?? (err as Error).message}\n`);
    return 2;
  }
  const d = diagnose(ev);
  io.stdout.write(json ? `${JSON.stringify(toJson(ev, d), null, 2)}\n` : renderText(ev, d));
  return 0;
}
