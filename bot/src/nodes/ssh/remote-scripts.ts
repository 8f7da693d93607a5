import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The fixed shell scripts the SSH fallback runs, shipped as files in the
 * package at bot/src/nodes/ssh/scripts/. From the TypeScript sources (tests) they sit
 * beside this module; from the compiled dist/bot/src/nodes/ssh/ the package root is
 * five levels up (tsc does not copy them, and does not need to).
 */
export type RemoteScript = 'collect' | 'signal';

const cache = new Map<RemoteScript, string>();

export function scriptsDir(moduleDir = __dirname): string {
  const candidates = [join(moduleDir, 'scripts'), resolve(moduleDir, '../../../../../bot/src/nodes/ssh/scripts')];
  const found = candidates.find((d) => existsSync(join(d, 'collect.sh')));
  if (!found) throw new Error(`the SSH scripts are missing from the package: looked in ${candidates.join(' and ')}; reinstall whystuck`);
  return found;
}

export function remoteScript(name: RemoteScript): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(scriptsDir(), `${name}.sh`), 'utf8');
    cache.set(name, text);
  }
  return text;
}
