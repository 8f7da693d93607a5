#!/usr/bin/env node
'use strict';
// The `whystuck` command. The TypeScript sources are compiled into dist/ by
// `npm ci` (the package's prepare script).
// A build from before bot/src/config/ left dist/bot/src/config.js, which would shadow dist/bot/src/config/.
if (require('node:fs').existsSync(require('node:path').join(__dirname, '..', 'dist', 'bot', 'src', 'config.js'))) {
  process.stderr.write('whystuck: dist/ holds an older build (dist/bot/src/config.js); run `rm -rf dist && npm run build` in the package first\n');
  process.exit(2);
}
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
// The one place the bot reads process.env: every setting comes from it through bot/src/config.
cli.main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`whystuck: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
