// @ts-check
'use strict';
// Lint for the whole repository (`npm run lint`, part of `npm test`). Type-aware
// where it matters (floating promises). The import boundaries between bot/ and
// collector/ are checked here for the common forms, and completely (every form,
// plus import cycles) by scripts/check-boundaries.js.
const { defineConfig, globalIgnores } = require('eslint/config');
const tseslint = require('typescript-eslint');

/** A disable comment says why, after ` -- `, on its own line: `// eslint-disable-next-line rule -- reason`. */
const disableNeedsReason = {
  meta: { type: 'problem', docs: { description: 'eslint-disable comments give their reason after " -- "' }, schema: [] },
  create(context) {
    return {
      Program() {
        for (const c of context.sourceCode.getAllComments()) {
          const text = c.value.trim();
          if (!/^eslint-disable(-next-line|-line)?\b/.test(text)) continue;
          const reason = /\s--\s+(.*)$/.exec(text)?.[1]?.trim() ?? '';
          if (reason.length < 8) context.report({ loc: c.loc ?? { line: 1, column: 0 }, message: 'say why this rule does not apply here: `eslint-disable... rule -- reason`' });
        }
      },
    };
  },
};

/** Relative specifiers that leave a package for the other one (or for tests). */
const BOT_TO_COLLECTOR_INTERNAL = String.raw`(^|\/)collector\/src\/(?!index$).`;
const TO_BOT = String.raw`^(\.\.\/)+bot(\/|$)`;
const TO_TESTS = String.raw`^(\.\.\/)+(test|bench)(\/|$)`;

/** The same boundaries for import(), require() and import('x').T, which no-restricted-imports does not see. */
const dynamicImportsOf = (regex, message) => [
  { selector: `ImportExpression[source.value=/${regex}/]`, message },
  { selector: `CallExpression[callee.name='require'] > Literal.arguments[value=/${regex}/]`, message },
  { selector: `TSImportType Literal[value=/${regex}/]`, message },
];

const BOT_MESSAGE = "The bot reaches the collector only through its surface: import from '…/collector/src' (collector/src/index.ts), and export what is missing there.";
const COLLECTOR_MESSAGE = 'The collector imports nothing from bot/: move what both need under collector/ (or proto/).';
const TESTS_MESSAGE = 'A package does not import test or bench code.';
const ENV_MESSAGE =
  'Only bot/src/config/ reads the environment: add the setting to its section there (a zod schema, named in `whystuck config check`) and take it from the config; the CLI entry passes process.env in, tests pass their own env object.';

const FOCUSED_TESTS = [
  { selector: "MemberExpression[object.name=/^(describe|it|test)$/][property.name='only']", message: 'A focused test (.only) skips the rest of the file: remove it before committing.' },
  { selector: 'CallExpression[callee.name=/^f(describe|it)$/]', message: 'A focused test (fit/fdescribe) skips the rest of the file: remove it before committing.' },
];

module.exports = defineConfig([
  globalIgnores(['dist/', 'node_modules/', 'proto/generated/', 'test/fixtures/', '.scratch/', 'coverage/']),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { local: { rules: { 'disable-needs-reason': disableNeedsReason } } },
    rules: { 'local/disable-needs-reason': 'error' },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // `typeof import('./x')` stays allowed: it types a module loaded on first use with require().
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    files: ['bot/src/**/*.ts', 'collector/src/**/*.ts'],
    rules: {
      // The packages import; a require() is a module loaded on first use on purpose, and says why.
      '@typescript-eslint/no-require-imports': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', ecmaVersion: 2022 },
  },
  {
    // The programs' output goes through process.stdout/stderr and the logger; bin/, scripts/ and bench/ print on purpose.
    files: ['bot/src/**', 'collector/src/**', 'test/**'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['bot/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: BOT_TO_COLLECTOR_INTERNAL, message: BOT_MESSAGE },
            { regex: TO_TESTS, message: TESTS_MESSAGE },
          ],
          paths: ['process', 'node:process'].map((name) => ({ name, importNames: ['env'], message: ENV_MESSAGE })),
        },
      ],
      'no-restricted-syntax': ['error', ...dynamicImportsOf(BOT_TO_COLLECTOR_INTERNAL, BOT_MESSAGE), ...dynamicImportsOf(TO_TESTS, TESTS_MESSAGE)],
      // process.env, process['env'] and const { env } = process.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: ENV_MESSAGE }],
    },
  },
  {
    // The one configuration: bot/src/config/ is where the bot's settings are read.
    files: ['bot/src/config/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['collector/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: TO_BOT, message: COLLECTOR_MESSAGE },
            { regex: TO_TESTS, message: TESTS_MESSAGE },
          ],
        },
      ],
      'no-restricted-syntax': ['error', ...dynamicImportsOf(TO_BOT, COLLECTOR_MESSAGE), ...dynamicImportsOf(TO_TESTS, TESTS_MESSAGE)],
    },
  },
  {
    files: ['test/**'],
    rules: { 'no-restricted-syntax': ['error', ...FOCUSED_TESTS] },
  },
]);
