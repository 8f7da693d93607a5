import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';

/**
 * Every relative link in the repository's Markdown resolves inside the
 * repository: the file (or folder) exists, and a #fragment names a heading of
 * the Markdown file it points at (GitHub's anchors). Links with a scheme
 * (https:, mailto:) are left alone. Not scanned: node_modules, dist, hidden
 * folders (.git, .scratch, .ci) and test/fixtures (vendored incident texts).
 */
const ROOT = resolve(__dirname, '..', '..');
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage']);
const SKIP_PATHS = [join('test', 'fixtures')];

interface Problem {
  file: string;
  line: number;
  target: string;
  why: string;
}

function markdownFiles(root: string, dir = root, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
      if (SKIP_PATHS.includes(relative(root, path))) continue;
      markdownFiles(root, path, out);
    } else if (entry.isFile() && extname(entry.name).toLowerCase() === '.md') {
      out.push(path);
    }
  }
  return out;
}

/** The lines of a Markdown file with fenced code blocks blanked (their line numbers kept). */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence !== undefined) {
      if (m && m[1]![0] === fence[0] && m[1]!.length >= fence.length && line.trim() === m[1]) fence = undefined;
      return '';
    }
    if (m) {
      fence = m[1];
      return '';
    }
    return line;
  });
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, each space a hyphen. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (anchors) return anchors;
  anchors = new Set();
  const seen = new Map<string, number>();
  for (const line of proseLines(readFileSync(file, 'utf8'))) {
    const h = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      const base = slug(h[1]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n ? `${base}-${n}` : base);
    }
    for (const a of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(a[1]!);
  }
  anchorCache.set(file, anchors);
  return anchors;
}

/** Link targets on one line of prose: inline links and images, reference definitions, HTML href/src. */
function targetsOf(line: string): string[] {
  const text = line.replace(/(`+)[^`]*?\1/g, '');
  const targets: string[] = [];
  for (const m of text.matchAll(/\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1]!.replace(/^<|>$/g, ''));
  const def = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(text);
  if (def) targets.push(def[1]!.replace(/^<|>$/g, ''));
  for (const m of text.matchAll(/\s(?:href|src)="([^"]+)"/g)) targets.push(m[1]!);
  return targets;
}

function checkLinks(root: string): Problem[] {
  anchorCache.clear();
  const problems: Problem[] = [];
  for (const file of markdownFiles(root)) {
    const rel = relative(root, file);
    proseLines(readFileSync(file, 'utf8')).forEach((line, i) => {
      for (const target of targetsOf(line)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
        const problem = (why: string): void => {
          problems.push({ file: rel, line: i + 1, target, why });
        };
        const hash = target.indexOf('#');
        let pathPart = hash < 0 ? target : target.slice(0, hash);
        const fragment = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
        try {
          pathPart = decodeURIComponent(pathPart);
        } catch {
          problem('not a valid URL path');
          continue;
        }
        const to = pathPart === '' ? file : pathPart.startsWith('/') ? join(root, pathPart) : resolve(dirname(file), pathPart);
        const inside = relative(root, to);
        if (inside === '..' || inside.startsWith(`..${sep}`) || resolve(root, inside) !== to) {
          problem('leaves the repository');
          continue;
        }
        if (!existsSync(to)) {
          problem('no such file');
          continue;
        }
        if (fragment !== undefined && fragment !== '' && statSync(to).isFile() && extname(to).toLowerCase() === '.md' && !anchorsOf(to).has(fragment)) {
          problem(`no heading with anchor #${fragment} in ${relative(root, to)}`);
        }
      }
    });
  }
  return problems;
}

const show = (ps: Problem[]): string[] => ps.map((p) => `${p.file}:${p.line}: ${p.target} — ${p.why}`);

describe('relative links in Markdown', () => {
  it('every relative link in the repository resolves inside it, anchors included', () => {
    expect(show(checkLinks(ROOT))).toEqual([]);
  });

  describe('the check itself', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'whystuck-links-'));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));
    const write = (files: Record<string, string>): void => {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      }
    };

    it('passes good links and names each bad one with its file, line and reason', () => {
      write({
        'README.md': [
          '# Top',
          '## SSH fallback: `whystuck diagnose --ssh`',
          'See [docs](docs/a.md), [a heading](docs/a.md#now-versus-then-what-is-stuck-now), [here](#top),',
          '[ssh](#ssh-fallback-whystuck-diagnose---ssh), [dir](docs/), [web](https://example.com/x), [mail](mailto:a@b.c).',
          '```sh',
          '[not a link](../../outside.md)',
          '```',
          'Inline code is no link: `[x](../nowhere.md)`.',
          '[bad](../shared/ARCHITECTURE.md) [missing](docs/b.md) [anchor](docs/a.md#nope) [self](#nope)',
          '[ref]: ../shared/corpus',
        ].join('\n'),
        'docs/a.md': '# Now versus then: what is stuck now\n\nBack to [the top](../README.md#top).\n',
        'node_modules/x/README.md': '[ignored](../../../nowhere.md)\n',
        'test/fixtures/corpus/README.md': '[ignored](../../../../shared/corpus)\n',
      });
      expect(show(checkLinks(root))).toEqual([
        'README.md:9: ../shared/ARCHITECTURE.md — leaves the repository',
        'README.md:9: docs/b.md — no such file',
        'README.md:9: docs/a.md#nope — no heading with anchor #nope in docs/a.md',
        'README.md:9: #nope — no heading with anchor #nope in README.md',
        'README.md:10: ../shared/corpus — leaves the repository',
      ]);
    });
  });
});
