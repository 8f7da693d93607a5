import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as ts from 'typescript';
import { parsePaste } from '../../../bot/src/paste/paste-reader';

/**
 * Paste parsing cannot stall the bot: no regular expression the readers use
 * backtracks super-linearly on a long line. Every regex literal (and every
 * `new RegExp(...)` / `RegExp(...)` with literal arguments) in the paste
 * readers, the evidence model, the diagnosis and the collector's kernel-log
 * patterns is found with the TypeScript compiler API and run against 64 KB
 * lines of the shapes that make backtracking blow up. One exec taking 50 ms
 * or more fails, naming the file, line and pattern.
 */

const ROOT = path.resolve(__dirname, '../../..');
const SOURCES: { dir: string; recursive: boolean }[] = [
  { dir: 'bot/src/paste', recursive: true },
  { dir: 'bot/src/evidence', recursive: false },
  { dir: 'bot/src/diagnosis', recursive: true },
  { dir: 'collector/src/kmsg', recursive: false },
];
const LIMIT_MS = 50;
const SIZE = 64 * 1024;
const fill = (unit: string): string => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
const SHAPES: Record<string, string> = {
  spaces: fill(' '),
  '>': fill('>'),
  digits: fill('0123456789'),
  a: fill('a'),
  tabs: fill('\t'),
  '0x': fill('0x'),
  '[<0>] ': fill('[<0>] '),
};
// The same runs ended by a character nothing expects: a pattern that only fails at the very end backtracks over the whole run.
for (const [k, v] of Object.entries({ ...SHAPES })) SHAPES[`${k} then \\x01`] = `${v.slice(1)}\x01`;

interface Pattern {
  file: string;
  line: number;
  source: string;
  flags: string;
}

function tsFiles(dir: string, recursive: boolean): string[] {
  const abs = path.join(ROOT, dir);
  const out: string[] = [];
  for (const name of readdirSync(abs).sort()) {
    const p = path.join(abs, name);
    if (statSync(p).isDirectory()) {
      if (recursive) out.push(...tsFiles(path.join(dir, name), true));
      continue;
    }
    if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const literalText = (n: ts.Node | undefined): string | undefined => (n && (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) ? n.text : undefined);

/** Every regular expression written as a literal in a file: /.../flags, and RegExp('...', 'flags'). */
export function regexesOf(file: string): Pattern[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Pattern[] = [];
  const rel = path.relative(ROOT, file);
  const at = (n: ts.Node): number => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const visit = (n: ts.Node): void => {
    if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const text = (n as ts.RegularExpressionLiteral).text;
      const slash = text.lastIndexOf('/');
      out.push({ file: rel, line: at(n), source: text.slice(1, slash), flags: text.slice(slash + 1) });
    } else if ((ts.isNewExpression(n) || ts.isCallExpression(n)) && ts.isIdentifier(n.expression) && n.expression.text === 'RegExp') {
      const source = literalText(n.arguments?.[0]);
      const flags = n.arguments && n.arguments.length > 1 ? literalText(n.arguments[1]) : '';
      if (source !== undefined && flags !== undefined) out.push({ file: rel, line: at(n), source, flags });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Runs in a worker: a pattern that never returns cannot stall the test, and the watchdog names it. */
const TIMER = `
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const { patterns, shapes, start } = workerData;
const progress = new Int32Array(workerData.progress);
const names = Object.keys(shapes);
for (let i = start; i < patterns.length; i++) {
  Atomics.store(progress, 0, i);
  let re;
  try { re = new RegExp(patterns[i].source, patterns[i].flags); } catch (err) { parentPort.postMessage({ i, error: String(err) }); continue; }
  const times = {};
  for (let k = 0; k < names.length; k++) {
    Atomics.store(progress, 1, k);
    let best = Infinity;
    // The best of three, so a busy machine's pause is not blamed on a pattern.
    for (let tries = 0; tries < 3 && best >= ${LIMIT_MS}; tries++) {
      re.lastIndex = 0;
      const t0 = performance.now();
      re.exec(shapes[names[k]]);
      best = Math.min(best, performance.now() - t0);
    }
    times[names[k]] = best;
  }
  parentPort.postMessage({ i, times });
}
parentPort.postMessage({ done: true });
`;

interface Timing {
  pattern: Pattern;
  times: Record<string, number>;
  error?: string;
}

/** Times every pattern on every shape; a pattern stuck for `stallMs` is reported as taking that long, and the rest go on. */
function timeAll(patterns: Pattern[], stallMs = 3000): Promise<Timing[]> {
  const results: Timing[] = [];
  return new Promise((resolve, reject) => {
    const run = (start: number): void => {
      if (start >= patterns.length) {
        resolve(results);
        return;
      }
      const progress = new SharedArrayBuffer(8);
      const worker = new Worker(TIMER, { eval: true, workerData: { patterns, shapes: SHAPES, start, progress } });
      let watchdog: NodeJS.Timeout;
      const arm = (): void => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          const view = new Int32Array(progress);
          const i = Atomics.load(view, 0);
          const shape = Object.keys(SHAPES)[Atomics.load(view, 1)];
          results.push({ pattern: patterns[i], times: { [shape]: stallMs } });
          void worker.terminate();
          run(i + 1);
        }, stallMs);
      };
      arm();
      worker.on('message', (m: { i?: number; times?: Record<string, number>; error?: string; done?: boolean }) => {
        if (m.done) {
          clearTimeout(watchdog);
          void worker.terminate();
          resolve(results);
          return;
        }
        results.push({ pattern: patterns[m.i!], times: m.times ?? {}, error: m.error });
        arm();
      });
      worker.on('error', (err) => {
        clearTimeout(watchdog);
        reject(err);
      });
    };
    run(0);
  });
}

const allPatterns = (): Pattern[] => SOURCES.flatMap((s) => tsFiles(s.dir, s.recursive)).flatMap(regexesOf);

describe('no regular expression of the readers backtracks super-linearly on a long line', () => {
  it('finds the patterns with the compiler API (literals and RegExp with literal arguments)', () => {
    const found = allPatterns();
    expect(found.length).toBeGreaterThan(200);
    expect(new Set(found.map((p) => p.file.split('/').slice(0, 3).join('/')))).toEqual(new Set(['bot/src/paste', 'bot/src/evidence', 'bot/src/diagnosis', 'collector/src/kmsg']));
    const sample = path.join(ROOT, 'bot/src/paste/paste-reader.ts');
    expect(regexesOf(sample).every((p) => p.line > 0 && p.source.length > 0)).toBe(true);
  });

  it('the timer catches a super-linear pattern and names it (the crash-ps pattern that cost 3 s on 64 KB of spaces)', async () => {
    const bad: Pattern = { file: 'example', line: 1, source: String.raw`^\s*>?\s*(\d+)\s+(\d+)`, flags: '' };
    const good: Pattern = { file: 'example', line: 2, source: String.raw`^\s*(?:>\s*)?(\d+)\s+(\d+)`, flags: '' };
    const [b, g] = await timeAll([bad, good], 1000);
    expect(b.pattern).toBe(bad);
    expect(b.times.spaces).toBeGreaterThanOrEqual(LIMIT_MS);
    expect(g.pattern).toBe(good);
    expect(Math.max(...Object.values(g.times))).toBeLessThan(LIMIT_MS);
  });

  it(`every pattern runs each 64 KB shape (${Object.keys(SHAPES).join(', ')}) in under ${LIMIT_MS} ms`, async () => {
    const timings = await timeAll(allPatterns());
    const slow = timings.flatMap((t) =>
      t.error
        ? [`${t.pattern.file}:${t.pattern.line} /${t.pattern.source}/${t.pattern.flags} does not compile: ${t.error}`]
        : Object.entries(t.times)
            .filter(([, ms]) => ms >= LIMIT_MS)
            .map(([shape, ms]) => `${t.pattern.file}:${t.pattern.line} /${t.pattern.source}/${t.pattern.flags} takes ${Math.round(ms)} ms on 64 KB of ${JSON.stringify(shape)}`),
    );
    expect(slow).toEqual([]);
  }, 180_000);

  it('parsePaste reads a 64 KB line of each shape fast (alone, and between lines of a ps table and a kernel log)', () => {
    const slow: string[] = [];
    for (const [shape, line] of Object.entries(SHAPES)) {
      for (const [what, text] of [
        ['alone', line],
        [
          'in a ps table',
          [
            '  PID  PPID STAT WCHAN                            COMMAND',
            ' 4100     1 Ssl  -                                containerd-shim',
            line,
            ' 4120  4100 D    rwsem_down_write_slowpath        harbor_core',
          ].join('\n'),
        ],
        ['in a kernel log', ['[ 9120.200000] INFO: task rsync:7001 blocked for more than 120 seconds.', `[ 9120.200001] ${line}`, line, '[ 9120.200003]  __schedule+0x2cd/0x890'].join('\n')],
        ['quoted', `> ${line}\n> ${line}`],
      ] as const) {
        let best = Infinity;
        for (let tries = 0; tries < 3 && best >= 500; tries++) {
          const t0 = performance.now();
          parsePaste(text);
          best = Math.min(best, performance.now() - t0);
        }
        if (best >= 500) slow.push(`${shape} ${what}: ${Math.round(best)} ms`);
      }
    }
    expect(slow).toEqual([]);
  });
});
