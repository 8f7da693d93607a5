import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The lint rule that keeps configuration in bot/src/config/: the repository's
 * eslint.config.js run on a small tree made for it (its own tsconfig, the
 * repository's node_modules), so a process.env read in a bot module fails.
 */
const ROOT = join(__dirname, '..', '..');
const ESLINT = join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');

describe('eslint: only bot/src/config/ reads process.env', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'whystuck-env-lint-'));
    copyFileSync(join(ROOT, 'eslint.config.js'), join(root, 'eslint.config.js'));
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'commonjs', target: 'ES2022', types: ['node'] }, include: ['bot/src', 'collector/src'] }));
    const files: Record<string, string> = {
      'bot/src/slack/reads-env.ts': 'export const token = process.env.SLACK_BOT_TOKEN;\n',
      'bot/src/kube/reads-env-index.ts': "export const ns = process['env'].POD_NAMESPACE;\n",
      'bot/src/watch/destructures-env.ts': 'const { env } = process;\nexport const shards = env.WHYSTUCK_WATCH_SHARDS;\n',
      'bot/src/cli/imports-env.ts': "import { env } from 'node:process';\nexport const level = env.LOG_LEVEL;\n",
      'bot/src/config/reads-env.ts': 'export const fromConfig = process.env.WHYSTUCK_CONFIG;\n',
      'bot/src/slack/takes-env.ts': 'export const token = (env: Record<string, string | undefined>): string | undefined => env.SLACK_BOT_TOKEN;\n',
      'collector/src/cli/reads-env.ts': 'export const level = process.env.WHYSTUCK_LOG_LEVEL;\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('fails on every form of a process.env read in a bot module, names the file and the way out; config/ and the collector pass', () => {
    const r = spawnSync(process.execPath, [ESLINT, '--format', 'json', 'bot/src', 'collector/src'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(1);
    const results = JSON.parse(r.stdout) as { filePath: string; messages: { ruleId: string | null; message: string; line: number }[] }[];
    const byFile = new Map(results.map((x) => [x.filePath.slice(root.length + 1), x.messages]));
    for (const bad of ['bot/src/slack/reads-env.ts', 'bot/src/kube/reads-env-index.ts', 'bot/src/watch/destructures-env.ts', 'bot/src/cli/imports-env.ts']) {
      const msgs = byFile.get(bad) ?? [];
      expect(msgs.map((m) => m.ruleId)).toEqual([expect.stringMatching(/^no-restricted-(properties|imports)$/)]);
      expect(msgs[0].message).toMatch(/Only bot\/src\/config\/ reads the environment/);
      expect(msgs[0].line).toBe(1);
    }
    for (const ok of ['bot/src/config/reads-env.ts', 'bot/src/slack/takes-env.ts', 'collector/src/cli/reads-env.ts']) expect(byFile.get(ok)).toEqual([]);
  });
});
