/**
 * Worker thread that performs reads which may block in the kernel
 * (cmdline/environ/maps wait on the target's mmap lock, stack/io/syscall on
 * its exec lock, anything on a FUSE-backed proc root). It reads one path at a
 * time and answers each; the main thread decides when it has waited too long.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

export interface ReadRequest { id: number; path: string; maxBytes: number }
export type ReadReply =
  | { id: number; ok: true; text: string; truncated: boolean }
  | { id: number; ok: false; code: string; message: string };

function readCapped(path: string, maxBytes: number): { text: string; truncated: boolean } {
  const buf = Buffer.allocUnsafe(Math.min(maxBytes, 1 << 20));
  const fd = openSync(path, 'r');
  try {
    let used = 0;
    for (;;) {
      const n = readSync(fd, buf, used, buf.length - used, null);
      if (n === 0) return { text: buf.toString('utf8', 0, used), truncated: false };
      used += n;
      if (used >= buf.length) return { text: buf.toString('utf8', 0, used), truncated: true };
    }
  } finally {
    closeSync(fd);
  }
}

parentPort?.on('message', (req: ReadRequest) => {
  let reply: ReadReply;
  try {
    reply = { id: req.id, ok: true, ...readCapped(req.path, req.maxBytes) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    reply = { id: req.id, ok: false, code: e.code ?? 'EIO', message: e.message };
  }
  parentPort?.postMessage(reply);
});
