#!/usr/bin/env node
'use strict';
// The `whystuck` command. The TypeScript sources are compiled into dist/ by
// `npm ci` (the package's prepare script).
let cli;
try {
  cli = require('../dist/bot/src/cli/main.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && /dist\/bot\/src\/cli\/main/.test(String(err.message))) {
    process.stderr.write('whystuck: the build is missing; run `npm ci` (or `npm run build`) in the package first\n');
    process.exit(2);
  }
  throw err;
}
cli.main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write(`whystuck: ${err && err.stack ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
