import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

/**
 * The two packages are real npm workspaces: the privileged collector image
 * installs the collector's own dependencies (`npm ci --omit=dev -w
 * @whystuck/collector`) and nothing of the bot's — no Slack SDK, database
 * drivers, SSH client or Kubernetes client on every node.
 */
const ROOT = join(__dirname, '..', '..');
const readJson = (p: string): Record<string, unknown> => JSON.parse(readFileSync(join(ROOT, p), 'utf8')) as Record<string, unknown>;
const depsOf = (p: string): Record<string, string> => (readJson(p).dependencies ?? {}) as Record<string, string>;

/** Loaded only when the code runs from its TypeScript sources (the tests): a development dependency of the root. */
const SOURCES_ONLY = new Set(['@swc/core']);

/** Packages the bot needs and the collector must not ship. */
const BOT_ONLY = ['@slack/bolt', '@slack/types', '@kubernetes/client-node', 'pg', 'better-sqlite3', 'ssh2', 'yaml', 'zod'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return name.endsWith('.ts') ? [p] : [];
  });
}

/** Every package a source tree imports at run time (type-only imports left out), by package name. */
function packagesImported(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const IMPORT = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'|\bimport\('([^']+)'\)|\brequire\('([^']+)'\)/gm;
  for (const file of sources(dir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      if (m[2]) continue;
      const spec = m[3] ?? m[4] ?? m[5];
      if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (!found.has(name)) found.set(name, file.slice(ROOT.length + 1));
    }
  }
  return found;
}

describe('npm workspaces: the collector package ships only what the collector loads', () => {
  it('the root lists both packages as workspaces', () => {
    expect(readJson('package.json').workspaces).toEqual(['collector', 'bot']);
    expect(readJson('collector/package.json').name).toBe('@whystuck/collector');
    expect(readJson('bot/package.json').name).toBe('@whystuck/bot');
  });

  it("every package the collector's code loads is one of its dependencies, and none of the bot's only ones is", () => {
    const declared = depsOf('collector/package.json');
    const used = packagesImported(join(ROOT, 'collector', 'src'));
    expect(used.size).toBeGreaterThan(3);
    for (const [name, where] of used) if (!SOURCES_ONLY.has(name)) expect([name, where, name in declared]).toEqual([name, where, true]);
    for (const name of SOURCES_ONLY) expect((readJson('package.json').devDependencies as Record<string, string>)[name]).toBeDefined();
    for (const name of BOT_ONLY) expect([name, name in declared]).toEqual([name, false]);
  });

  it("every package the bot's code loads is declared by the bot or by the collector it depends on", () => {
    const declared = { ...depsOf('collector/package.json'), ...depsOf('bot/package.json') };
    expect(depsOf('bot/package.json')['@whystuck/collector']).toBeDefined();
    for (const [name, where] of packagesImported(join(ROOT, 'bot', 'src'))) if (!SOURCES_ONLY.has(name)) expect([name, where, name in declared]).toEqual([name, where, true]);
  });

  it("what the collector's package resolves, production dependencies only, holds none of the bot's", () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(npm, ['ls', '--omit=dev', '--all', '--parseable', '-w', '@whystuck/collector'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const resolved = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((p) => p.replace(/^.*node_modules\//, ''));
    expect(resolved).toEqual(expect.arrayContaining(['@grpc/grpc-js', 'protobufjs', 'pino']));
    for (const name of BOT_ONLY) expect(resolved).not.toContain(name);
  });

  it('the collector image installs the collector workspace only, and its build fails if a bot package is there', () => {
    const dockerfile = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/npm ci --omit=dev -w @whystuck\/collector/);
    for (const name of BOT_ONLY) expect(dockerfile).toContain(`node_modules/${name}`);
  });
});
