import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Starts a worker thread from a module path. Compiled builds load the .js file
 * directly; when running from TypeScript sources (tests), the worker first
 * installs a small swc require hook so the .ts entry can be loaded.
 */
/** Workers read files and build small objects: a small heap keeps the collector's RSS low. */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 1 };

export function startWorker(entry: string, workerData: unknown, resourceLimits: ResourceLimits = RESOURCE_LIMITS): Worker {
  if (!entry.endsWith('.ts')) return new Worker(entry, { workerData, resourceLimits });
  const bootstrap = `
    const fs = require('node:fs');
    const swc = require('@swc/core');
    require.extensions['.ts'] = (module, filename) => {
      const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
        filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' },
      });
      module._compile(code, filename);
    };
    require(${JSON.stringify(entry)});
  `;
  return new Worker(bootstrap, { eval: true, workerData, resourceLimits });
}

/** The sibling module `name` of a module, in the same flavour (.ts or .js). */
export function siblingEntry(moduleFilename: string, name: string): string {
  const ext = moduleFilename.endsWith('.ts') ? '.ts' : '.js';
  return moduleFilename.replace(/[^/]+$/, `${name}${ext}`);
}
