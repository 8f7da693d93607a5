import { neutraliseControls } from '../render/terminal-safe';
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { AnalysisStalled, analyzeFileInWorker, analyzeStreamInWorker } from '../paste/analyze-in-worker';

export const ANALYZE_USAGE = `usage: whystuck analyze [FILE|-] [--json] [--all-history] [--time-budget SECONDS]
  Reads kernel logs (dmesg, dmesg -T, journalctl -k, /var/log/messages), ps/top
  output, /proc/PID/stack|stat|status and crash bt — mixed in one paste is fine —
  and names the root cause. FILE "-" or no FILE reads standard input.
  --time-budget  stop reading after SECONDS (default 60; 0 = no limit) and
                 diagnose what was read, saying at which line it stopped
  --all-history  history older than 24 h before the newest line too (grouped)`;

/** The CLI reads whole logs (100 MB in a few seconds): a generous budget, still a bound. */
const CLI_BUDGET_S = 60;
const NO_LIMIT_MS = 2 ** 31 - 1;

export interface CliIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  EPERM: 'operation not permitted',
};

/** `whystuck analyze`: exit 0 after a diagnosis, 2 for usage errors or an unreadable file. */
export async function runAnalyze(args: string[], io: CliIo): Promise<number> {
  const json = args.includes('--json');
  const allHistory = args.includes('--all-history');
  let rest = args.filter((a) => a !== '--json' && a !== '--all-history');
  let budgetS = CLI_BUDGET_S;
  const at = rest.findIndex((a) => a === '--time-budget' || a.startsWith('--time-budget='));
  if (at >= 0) {
    const eq = rest[at].indexOf('=');
    const value = eq >= 0 ? rest[at].slice(eq + 1) : rest[at + 1];
    const n = Number(value);
    if (value === undefined || value.trim() === '' || !Number.isFinite(n) || n < 0) {
      io.stderr.write(`whystuck analyze: --time-budget needs a number of seconds (0 = no limit)\n${ANALYZE_USAGE}\n`);
      return 2;
    }
    budgetS = n;
    rest = rest.filter((_, i) => i !== at && (eq >= 0 || i !== at + 1));
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${ANALYZE_USAGE}\n`);
    return 0;
  }
  const unknown = rest.find((a) => a.startsWith('-') && a !== '-');
  if (unknown || rest.length > 1) {
    io.stderr.write(`whystuck analyze: ${unknown ? `unknown option ${unknown}` : 'give one FILE (or - for standard input)'}\n${ANALYZE_USAGE}\n`);
    return 2;
  }
  const file = rest[0] ?? '-';
  // A FILE is read by the worker thread itself (by descriptor); standard input is fed to it from here.
  let input: Readable | number;
  if (file === '-') {
    if (io.stdin.isTTY) {
      io.stderr.write(`whystuck analyze: paste text on standard input or name a FILE\n${ANALYZE_USAGE}\n`);
      return 2;
    }
    input = io.stdin;
  } else {
    try {
      const fd = fs.openSync(file, 'r');
      if (fs.fstatSync(fd).isDirectory()) {
        fs.closeSync(fd);
        throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      }
      input = fd;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      io.stderr.write(`whystuck analyze: cannot read ${file}: ${REASONS[code] ?? (err as Error).message}\n`);
      return 2;
    }
  }
  let analysis;
  let renderers;
  try {
    // Read and diagnosed in a worker thread, within the budget: past it, what was read is diagnosed and the cut is said.
    // Only rendered here: the evidence comes back without its tasks and reports (much less to copy between threads).
    const budget = { budgetMs: budgetS > 0 ? Math.min(NO_LIMIT_MS, budgetS * 1000) : NO_LIMIT_MS, forRendering: true };
    const reading = typeof input === 'number' ? analyzeFileInWorker(input, budget).finally(() => fs.closeSync(input as number)) : analyzeStreamInWorker(input, budget);
    // The renderers (and the diagnosis modules they bring) load here while the worker reads, not before it starts.
    renderers = Promise.all([import('../diagnosis/all-history'), import('../render/render-json'), import('../render/render-text')]);
    analysis = await reading;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const why = err instanceof AnalysisStalled ? err.message : (REASONS[code] ?? (err as Error).message);
    io.stderr.write(`whystuck analyze: cannot read ${file === '-' ? 'standard input' : file}: ${why}\n`);
    return 2;
  }
  const { evidence: ev } = analysis;
  const [{ withAllHistory }, { toJson }, { renderText }] = await renderers;
  const d = allHistory ? withAllHistory(analysis.diagnosis) : analysis.diagnosis;
  io.stdout.write(json ? `${JSON.stringify(toJson(ev, d), null, 2)}\n` : neutraliseControls(renderText(ev, d)));
  return 0;
}
