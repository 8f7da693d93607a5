import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The formatter step of `npm run lint`: the repository's prettier settings and
 * ignore list, run the way the lint script runs them, on a small tree made for
 * it — a badly laid-out module fails the check and is named; the same module
 * after `npm run format` passes; generated and vendored code is left alone.
 */
const ROOT = join(__dirname, '..', '..');
const PRETTIER = join(ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
// CI may set FORCE_COLOR; the check's report is read as plain text.
const PLAIN = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'FORCE_COLOR')), NO_COLOR: '1' };
const run = (args: string[], cwd: string) => spawnSync(process.execPath, [PRETTIER, ...args], { cwd, encoding: 'utf8', env: PLAIN });
const LINT = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('prettier in npm run lint', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'whystuck-format-'));
    for (const f of ['.prettierrc.json', '.prettierignore']) copyFileSync(join(ROOT, f), join(root, f));
    const files: Record<string, string> = {
      'bot/src/badly-laid-out.ts': 'export const x = {a:1,b:"two"}\nexport function f(a:number){return a+1}\n',
      'bot/src/laid-out.ts': "export const x = { a: 1, b: 'two' };\n",
      'proto/generated/made-by-protoc.ts': 'export const y = {a:1}\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is part of the lint script, and format is its --write twin', () => {
    expect(LINT.lint).toMatch(/prettier --check/);
    expect(LINT.test).toMatch(/npm run lint/);
    expect(LINT.format).toMatch(/prettier --write/);
  });

  it('fails on a badly laid-out module and names it; passes it after --write; leaves generated code alone', () => {
    const check = run(['--check', '.'], root);
    expect(check.status).toBe(1);
    const out = (check.stdout + check.stderr).replace(/\x1b\[[0-9;]*m/g, ''); // strips colour codes a terminal setting may still add
    expect(out).toMatch(/bot\/src\/badly-laid-out\.ts/);
    expect(out.split('\n').filter((l) => /\.ts$/.test(l))).toEqual(['[warn] bot/src/badly-laid-out.ts']);
    const write = run(['--write', '--log-level', 'warn', '.'], root);
    expect(write.status).toBe(0);
    expect(readFileSync(join(root, 'bot/src/badly-laid-out.ts'), 'utf8')).toBe("export const x = { a: 1, b: 'two' };\nexport function f(a: number) {\n  return a + 1;\n}\n");
    expect(readFileSync(join(root, 'proto/generated/made-by-protoc.ts'), 'utf8')).toBe('export const y = {a:1}\n');
    expect(run(['--check', '.'], root).status).toBe(0);
  });
});
