import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from '../kernel/cleanup';

/**
 * A unix socket that accepts connections and never answers a byte: a
 * runtime that is wedged (its socket listening, its gRPC server stuck).
 * Closed and removed by cleanupAll().
 */
export async function startSilentSocket(opts: { /** Where to listen (default: a new temporary directory). */ path?: string } = {}): Promise<{ path: string; accepted: () => number }> {
  const dir = opts.path ? undefined : mkdtempSync(join(tmpdir(), 'whystuck-silent-'));
  const path = opts.path ?? join(dir as string, 'containerd.sock');
  const held: Socket[] = [];
  let accepted = 0;
  const server = createServer((s) => {
    accepted++;
    held.push(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  onCleanup(`silent socket ${path}`, async () => {
    for (const s of held) s.destroy();
    await new Promise((r) => server.close(r));
    rmSync(dir ?? path, { recursive: true, force: true });
  });
  return { path, accepted: () => accepted };
}
