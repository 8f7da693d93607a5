import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * bin/whystuck-collector is the collector's own command line: whatever it
 * runs, no module of the bot is loaded. A preload hook (node --require, through
 * NODE_OPTIONS, which the deployment flags leave alone) writes every module in
 * require.cache when the process exits.
 */
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'whystuck-collector');

describe('bin/whystuck-collector loads no bot module', () => {
  let dir: string;
  let hook: string;

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'collector', 'src', 'cli', 'main.js'))) throw new Error('dist/ has no collector command line: run `npm run build` first (npm ci does it)');
    dir = mkdtempSync(join(tmpdir(), 'whystuck-collector-bin-'));
    hook = join(dir, 'record-modules.js');
    writeFileSync(hook, ["'use strict';", "process.on('exit', () => require('node:fs').writeFileSync(process.env.WHYSTUCK_TEST_MODULES, Object.keys(require.cache).join('\\n')));"].join('\n'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const envFor = (name: string): NodeJS.ProcessEnv => ({ ...process.env, NODE_OPTIONS: `--require ${hook}`, WHYSTUCK_TEST_MODULES: join(dir, `${name}.modules`) });
  const loaded = (name: string): string[] =>
    readFileSync(join(dir, `${name}.modules`), 'utf8')
      .split('\n')
      .filter(Boolean);
  const botModules = (mods: string[]): string[] => mods.filter((m) => m.startsWith(join(ROOT, 'dist', 'bot') + '/') || m.startsWith(join(ROOT, 'bot') + '/'));

  it('--help and version', () => {
    const help = spawnSync(BIN, ['--help'], { encoding: 'utf8', env: envFor('help') });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/usage: whystuck collector --listen HOST:PORT/);
    const version = spawnSync(BIN, ['version'], { encoding: 'utf8', env: envFor('version') });
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^whystuck-collector \d+\.\d+\.\d+\n$/);
    for (const name of ['help', 'version']) {
      expect(loaded(name)).toContain(join(ROOT, 'dist', 'collector', 'src', 'cli', 'main.js'));
      expect(botModules(loaded(name))).toEqual([]);
    }
  });

  it('a running collector and collector-health against it', async () => {
    const child = spawn(BIN, ['collector', '--listen', '127.0.0.1:0', '--insecure', '--log-level', 'warn', '--watch-interval-ms', '0'], { env: envFor('run'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!/listening 127\.0\.0\.1:\d+/.test(out)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the collector did not start: ${out}${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const address = /listening (127\.0\.0\.1:\d+)/.exec(out)![1];
      const health = spawnSync(BIN, ['collector-health', '--insecure', '--address', address, '--timeout-ms', '5000'], { encoding: 'utf8', env: envFor('health') });
      expect(health.stderr).toBe('');
      expect(health.stdout).toMatch(/^SERVING /);
      expect(health.status).toBe(0);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const run = loaded('run');
    // The whole collector was loaded (server, snapshotter, watch mode), and nothing of the bot.
    for (const m of ['cli/run-collector.js', 'grpc/server.js', 'snapshot/snapshotter.js', 'watch/watcher.js']) expect(run).toContain(join(ROOT, 'dist', 'collector', 'src', m));
    expect(botModules(run)).toEqual([]);
    expect(loaded('health')).toContain(join(ROOT, 'dist', 'collector', 'src', 'cli', 'health-command.js'));
    expect(botModules(loaded('health'))).toEqual([]);
  });
});
