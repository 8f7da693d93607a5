#!/usr/bin/env node
'use strict';
// The import boundaries between the two packages, and import cycles inside each:
//   - collector/src imports nothing from bot/;
//   - bot/src reaches the collector only through collector/src/index.ts;
//   - neither package imports test/ or bench/ code;
//   - no import cycle inside bot/src or inside collector/src. Type-only imports
//     count too: they vanish at run time, but a cycle through types is still two
//     modules that cannot be understood (or moved) one without the other.
// Every form of import is read (import/export ... from, import(), require(),
// import('x').T types) with the TypeScript parser, so nothing slips past the
// way it can past a lint rule that only sees static imports.
//
// usage: node scripts/check-boundaries.js [--root DIR]
// Prints each violation and each cycle with file paths; exits 1 if there is any.
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const PACKAGES = ['bot', 'collector'];
/** The one module of the collector the bot may import. */
const COLLECTOR_SURFACE = 'collector/src/index.ts';

function parseArgs(argv) {
  let root = path.resolve(__dirname, '..');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root' && argv[i + 1]) root = path.resolve(argv[++i]);
    else if (argv[i] === '--help' || argv[i] === '-h') {
      process.stdout.write('usage: node scripts/check-boundaries.js [--root DIR]\n');
      process.exit(0);
    } else {
      process.stderr.write(`check-boundaries: unknown argument ${argv[i]}\n`);
      process.exit(2);
    }
  }
  return { root };
}

function sourceFiles(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|tsx|js|cjs|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** The module specifiers a file imports, each with its line and whether only types come through it. */
function importsOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const found = [];
  const add = (lit, typeOnly) => {
    if (lit && ts.isStringLiteralLike(lit)) found.push({ spec: lit.text, line: sf.getLineAndCharacterOfPosition(lit.getStart(sf)).line + 1, typeOnly });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const typeOnly = Boolean(
        c && (c.isTypeOnly || (!c.name && c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly))),
      );
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const typeOnly =
        node.isTypeOnly || Boolean(node.exportClause && ts.isNamedExports(node.exportClause) && node.exportClause.elements.length > 0 && node.exportClause.elements.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node)) {
      const dynamic = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const required = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if ((dynamic || required) && node.arguments.length > 0) add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The file a relative specifier names, or undefined (a package, or nothing there). */
function resolve(fromFile, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(fromFile), spec);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, `${base}.d.ts`, `${base}.js`, path.join(base, 'index.ts'), path.join(base, 'index.js')];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? base;
}

/** 'bot', 'collector' or undefined for a path relative to the root. */
const packageOf = (rel) => PACKAGES.find((p) => rel.startsWith(`${p}/src/`));

function check(root) {
  const rel = (f) => path.relative(root, f).split(path.sep).join('/');
  const violations = [];
  /** package -> file -> files of the same package it imports */
  const graphs = new Map(PACKAGES.map((p) => [p, new Map()]));
  for (const pkg of PACKAGES) {
    for (const file of sourceFiles(path.join(root, pkg, 'src'))) {
      const from = rel(file);
      const edges = new Set();
      graphs.get(pkg).set(from, edges);
      for (const imp of importsOf(file)) {
        const target = resolve(file, imp.spec);
        if (!target) continue;
        const to = rel(target);
        const where = `${from}:${imp.line}`;
        if (to.startsWith('../')) violations.push(`${where}: imports '${imp.spec}', outside the repository`);
        else if (/^(test|bench)\//.test(to)) violations.push(`${where}: imports '${imp.spec}' (${to}): a package does not import test or bench code`);
        else if (pkg === 'collector' && to.startsWith('bot/')) violations.push(`${where}: imports '${imp.spec}' (${to}): the collector imports nothing from bot/`);
        else if (pkg === 'bot' && to.startsWith('collector/') && to !== COLLECTOR_SURFACE) {
          violations.push(`${where}: imports '${imp.spec}' (${to}): the bot reaches the collector only through ${COLLECTOR_SURFACE}`);
        }
        if (packageOf(to) === pkg) edges.add(to);
      }
    }
  }
  const cycles = [];
  for (const [pkg, graph] of graphs) for (const scc of cyclesOf(graph)) cycles.push({ pkg, files: scc });
  return { violations, cycles, files: [...graphs.values()].reduce((n, g) => n + g.size, 0) };
}

/** Strongly connected components with more than one file (or a file importing itself), each as one cycle path through it. */
function cyclesOf(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const out = [];
  const strong = (v) => {
    // Iterative Tarjan: a deep import chain must not overflow the call stack.
    const work = [{ v, it: [...(graph.get(v) ?? [])].sort()[Symbol.iterator]() }];
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const next = top.it.next();
      if (!next.done) {
        const w = next.value;
        if (!graph.has(w)) continue;
        if (!idx.has(w)) {
          idx.set(w, index);
          low.set(w, index);
          index++;
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, it: [...graph.get(w)].sort()[Symbol.iterator]() });
        } else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v), idx.get(w)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].v;
        low.set(parent, Math.min(low.get(parent), low.get(top.v)));
      }
      if (low.get(top.v) === idx.get(top.v)) {
        const members = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          members.push(w);
        } while (w !== top.v);
        if (members.length > 1 || graph.get(top.v).has(top.v)) out.push(cyclePath(graph, new Set(members)));
      }
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) strong(v);
  return out;
}

/** One cycle through a component: from its first file (sorted) back to it, by the shortest way. */
function cyclePath(graph, members) {
  const start = [...members].sort()[0];
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of [...graph.get(v)].sort()) {
      if (w === start) {
        const pathBack = [v];
        for (let p = prev.get(v); p; p = prev.get(p)) pathBack.push(p);
        return [...pathBack.reverse(), start];
      }
      if (members.has(w) && !prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

if (require.main === module) {
  const { root } = parseArgs(process.argv.slice(2));
  const { violations, cycles, files } = check(root);
  for (const v of violations) process.stdout.write(`boundary: ${v}\n`);
  for (const c of cycles) process.stdout.write(`cycle in ${c.pkg}/src: ${c.files.join(' -> ')}\n`);
  if (violations.length > 0 || cycles.length > 0) {
    process.stdout.write(`check-boundaries: ${violations.length} boundary violation(s), ${cycles.length} import cycle(s) in ${files} files\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(`check-boundaries: ${files} files, no boundary violation, no import cycle\n`);
  }
}

module.exports = { check };
