import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

const normalise = (text: string): string => text.replace(/^\/\/ Original file: .*$/gm, '');

describe('proto/generated', () => {
  it('is exactly what proto-loader-gen-types makes of proto/ (run `npm run gen:proto` after editing a .proto)', () => {
    const out = mkdtempSync(join(tmpdir(), 'whystuck-gen-'));
    try {
      execFileSync(process.execPath, [join(root, 'scripts', 'gen-proto.js'), out]);
      const fresh = files(out)
        .map((f) => relative(out, f))
        .sort();
      const committed = files(join(root, 'proto', 'generated'))
        .map((f) => relative(join(root, 'proto', 'generated'), f))
        .sort();
      expect(committed).toEqual(fresh);
      for (const f of fresh) {
        expect([f, normalise(readFileSync(join(root, 'proto', 'generated', f), 'utf8'))]).toEqual([f, normalise(readFileSync(join(out, f), 'utf8'))]);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
