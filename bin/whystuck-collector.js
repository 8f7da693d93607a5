#!/usr/bin/env node
'use strict';
// The collector's own command (collector, collector-health, version, help):
// it loads the collector's modules only, never the bot's. The TypeScript
// sources are compiled into dist/ by `npm ci` (the package's prepare script).
let cli;
try {
  cli = require('../dist/collector/src/cli/main.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && /dist\/collector\/src\/cli\/main/.test(String(err.message))) {
    process.stderr.write('whystuck-collector: the build is missing; run `npm ci` (or `npm run build`) in the package first\n');
    process.exit(2);
  }
  throw err;
}
cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`whystuck-collector: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
