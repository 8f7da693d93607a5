import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { runAnalyze } from '../../../bot/src/cli/analyze-command';
import { runDiagnose } from '../../../bot/src/cli/diagnose-command';
import { loadCases } from '../../helpers/bot/corpus-cases';

function io(stdin: string | Buffer = '', tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const input = Object.assign(Readable.from([Buffer.from(stdin)]), { isTTY: tty });
  return { io: { stdin: input, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } }, out, err };
}

const s001 = loadCases().find((c) => c.name === 's-001-pod-terminating-zap-pid-ns')!;

describe('whystuck analyze', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'whystuck-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file and prints the ranked summary first, then findings with actions', async () => {
    const file = path.join(dir, 'paste.txt');
    writeFileSync(file, s001.input);
    const t = io();
    expect(await runAnalyze([file], t.io)).toBe(0);
    const text = t.out.join('');
    expect(text.split('\n')[0]).toMatch(/^PID-namespace teardown blocked: catatonit \(pid 22026\)/);
    expect(text).toMatch(/will NOT work.*SIGKILL to 22103|SIGKILL to 22103[\s\S]*?prometheus/);
    expect(text).toMatch(/Read: ps \(lines 1-10\); stat/);
  });

  it('--json from standard input has inputs, findings with kinds, tasks and remediations', async () => {
    const t = io(s001.input);
    expect(await runAnalyze(['-', '--json'], t.io)).toBe(0);
    const doc = JSON.parse(t.out.join(''));
    expect(doc.inputs[0]).toEqual({ kind: 'ps', lines: [1, 10] });
    const zombie = doc.findings.find((f: { id: string }) => f.id === 'zombie');
    expect(zombie).toMatchObject({ kind: 'zombie-with-d-thread', severity: 'critical' });
    for (const f of doc.findings) {
      expect(Object.keys(f)).toEqual(expect.arrayContaining(['id', 'severity', 'confidence', 'title', 'explanation', 'evidence', 'tasks', 'remediations', 'references']));
      for (const r of f.remediations) expect(['yes', 'no', 'unknown']).toContain(r.effective);
    }
  });

  it('an unreadable file: exit 2 and one clear line', async () => {
    const missing = io();
    expect(await runAnalyze([path.join(dir, 'nope.txt')], missing.io)).toBe(2);
    expect(missing.err.join('')).toBe(`whystuck analyze: cannot read ${path.join(dir, 'nope.txt')}: no such file\n`);
    const directory = io();
    expect(await runAnalyze([dir], directory.io)).toBe(2);
    expect(directory.err.join('')).toMatch(/is a directory\n$/);
    if (process.getuid?.() !== 0) {
      const locked = path.join(dir, 'locked');
      writeFileSync(locked, 'x');
      chmodSync(locked, 0);
      const denied = io();
      expect(await runAnalyze([locked], denied.io)).toBe(2);
    }
  });

  it('usage errors: unknown options, two files, a terminal on stdin', async () => {
    const a = io();
    expect(await runAnalyze(['--jsn'], a.io)).toBe(2);
    expect(a.err.join('')).toMatch(/unknown option --jsn/);
    const b = io('', true);
    expect(await runAnalyze([], b.io)).toBe(2);
    expect(b.err.join('')).toMatch(/paste text on standard input or name a FILE/);
  });

  it('a binary paste does not crash: says what it could not read', async () => {
    const t = io(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x0a]));
    expect(await runAnalyze([], t.io)).toBe(0);
    expect(t.out.join('')).toMatch(/Could not read lines 1-2: binary data/);
  });
});

describe('whystuck diagnose --local', () => {
  it('rejects a pid that is not a number, with the allowed range, before touching /proc', async () => {
    const t = io();
    expect(await runDiagnose(['--local', '--pid', '1;reboot'], t.io)).toBe(2);
    expect(t.err.join('')).toBe('whystuck diagnose: --pid must be a process id between 1 and 4194304, not "1;reboot"\n');
  });

  it('needs --local and one scope', async () => {
    const a = io();
    expect(await runDiagnose([], a.io)).toBe(2);
    const b = io();
    expect(await runDiagnose(['--local', '--pid', '1', '--all'], b.io)).toBe(2);
  });

  it('diagnoses this machine as JSON, and reports a pid that is not there', async () => {
    const t = io();
    expect(await runDiagnose(['--local', '--pid', String(process.pid), '--json'], t.io)).toBe(0);
    const doc = JSON.parse(t.out.join(''));
    expect(doc.summary).toMatch(new RegExp(`pid ${process.pid}`));
    const gone = io();
    expect(await runDiagnose(['--local', '--pid', '4194300'], gone.io)).toBe(1);
    expect(gone.err.join('')).toMatch(/pid 4194300 is not on this machine/);
  });
});
