import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** scripts/check-boundaries.js on small trees made for it: it passes a clean one and names every violation in a bad one. */
const SCRIPT = join(__dirname, '..', '..', 'scripts', 'check-boundaries.js');

describe('scripts/check-boundaries.js', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'whystuck-boundaries-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const write = (files: Record<string, string>): void => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  };
  const run = () => spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });

  const CLEAN = {
    'collector/src/index.ts': "export { parse } from './parse/parse';\nexport type { Kind } from './parse/kinds';\n",
    'collector/src/parse/parse.ts': "import type { Kind } from './kinds';\nexport const parse = (s: string): Kind => (s ? 'a' : 'b');\n",
    'collector/src/parse/kinds.ts': "export type Kind = 'a' | 'b';\n",
    'collector/src/grpc/client.ts': "import type { Kind } from '../parse/kinds';\nexport const k: Kind = 'a';\n",
    'bot/src/a.ts': "import { parse, type Kind } from '../../collector/src';\nimport { b } from './b';\nexport const a: Kind = parse(b);\n",
    'bot/src/b.ts': "import type { Kind } from '../../collector/src/index';\nexport const b = 'x';\nexport type K = Kind;\n",
    'bot/src/lazy.ts': "export const load = () => import('../../collector/src');\n",
    'proto/generated/t.ts': 'export interface T { a: number }\n',
    'bot/src/uses-proto.ts': "import type { T } from '../../proto/generated/t';\nexport type U = T;\n",
  };

  it('passes a tree that keeps the boundaries', () => {
    write(CLEAN);
    const r = run();
    expect(r.stdout).toMatch(/no boundary violation, no import cycle/);
    expect(r.status).toBe(0);
  });

  it('fails on each kind of violation and names the file, the line and the import', () => {
    write({
      ...CLEAN,
      // The collector reaching into the bot (a type import counts too).
      'collector/src/parse/uses-bot.ts': "import type { Evidence } from '../../../bot/src/evidence';\nexport type E = Evidence;\n",
      'bot/src/evidence.ts': 'export interface Evidence { a: number }\n',
      // The bot past the collector's index: static, dynamic, require() and import('x').T.
      'bot/src/deep.ts': "import { k } from '../../collector/src/grpc/client';\nexport const d = k;\n",
      'bot/src/deep-lazy.ts': "export const load = () => import('../../collector/src/grpc/client');\n",
      'bot/src/deep-require.ts': "export const load = () => require('../../collector/src/parse/parse');\n",
      'bot/src/deep-type.ts': "export type K = import('../../collector/src/parse/kinds').Kind;\n",
      // A package importing tests.
      'bot/src/uses-test.ts': "import { h } from '../../test/helpers/h';\nexport const x = h;\n",
      'test/helpers/h.ts': 'export const h = 1;\n',
      // Cycles: two files, and three through a type-only import.
      'collector/src/c1.ts': "import { c2 } from './c2';\nexport const c1 = () => c2;\n",
      'collector/src/c2.ts': "import { c1 } from './c1';\nexport const c2 = () => c1;\n",
      'bot/src/r1.ts': "import { r2 } from './r2';\nexport const r1 = r2;\n",
      'bot/src/r2.ts': "import { r3 } from './r3';\nexport const r2 = r3;\n",
      'bot/src/r3.ts': "import type { R } from './r1';\nexport const r3 = 1;\nexport type Q = R;\n",
    });
    const r = run();
    expect(r.status).toBe(1);
    const lines = r.stdout.split('\n');
    const has = (re: RegExp): void => {
      expect(lines.some((l) => re.test(l))).toBe(true);
    };
    has(/^boundary: collector\/src\/parse\/uses-bot\.ts:1: imports '\.\.\/\.\.\/\.\.\/bot\/src\/evidence' .*the collector imports nothing from bot\//);
    has(/^boundary: bot\/src\/deep\.ts:1: .*collector\/src\/grpc\/client\.ts.*only through collector\/src\/index\.ts/);
    has(/^boundary: bot\/src\/deep-lazy\.ts:1: /);
    has(/^boundary: bot\/src\/deep-require\.ts:1: /);
    has(/^boundary: bot\/src\/deep-type\.ts:1: /);
    has(/^boundary: bot\/src\/uses-test\.ts:1: .*test or bench code/);
    has(/^cycle in collector\/src: collector\/src\/c1\.ts -> collector\/src\/c2\.ts -> collector\/src\/c1\.ts$/);
    has(/^cycle in bot\/src: bot\/src\/r1\.ts -> bot\/src\/r2\.ts -> bot\/src\/r3\.ts -> bot\/src\/r1\.ts$/);
    expect(r.stdout).toMatch(/6 boundary violation\(s\), 2 import cycle\(s\)/);
    // The clean files are not reported.
    expect(r.stdout).not.toMatch(/bot\/src\/(a|b|lazy|uses-proto)\.ts/);
  });
});
