/**
 * The task scan's small reads (stat, status, wchan, cgroup files, ns links)
 * made straight through libc: open, one pread at offset 0, close — the same
 * system calls Node's openSync/readSync/closeSync make, without their
 * argument checks, error objects and request setup. A whole-node scan makes
 * tens of thousands of them, and Node's wrappers were about a third of each
 * read's CPU time (the kernel's work is the rest, and is unchanged).
 *
 * Only on the main thread, and where libc can be reached (glibc on x64 and
 * arm64, whose O_CLOEXEC is the generic value); elsewhere, or once
 * `useDirectReads(false)` is called (tests comparing both), the same reads go
 * through node:fs. Either way a failed read answers the errno's name
 * ('ENOENT', 'EACCES'…), as node:fs's errors do.
 *
 * Not on reader threads: koffi's addon aborts the whole process when a worker
 * is terminated while it loads (reproduced: terminating workers a few ms
 * after they start requiring it), and the guarded reader terminates its
 * threads (written off, closed). The main thread walks its share of the
 * processes through here; the reader thread's share goes through node:fs.
 */
import { closeSync, openSync, readSync, readlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import type Koffi from 'koffi';

interface Libc {
  open(path: Buffer, flags: number): number;
  pread(fd: number, buf: Buffer, n: number, offset: number): number;
  close(fd: number): number;
  readlink(path: Buffer, buf: Buffer, n: number): number;
}

const O_RDONLY_CLOEXEC = 0o2000000;

let libc: Libc | null | undefined;
let koffi: typeof Koffi | undefined;
let enabled = true;

function load(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (!isMainThread || process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) return libc;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on the main thread only, never in a reader thread (see above)
    koffi = require('koffi') as typeof Koffi;
    const lib = koffi.load('libc.so.6');
    libc = {
      // open(2) is variadic in C; its mode argument is read only with O_CREAT or O_TMPFILE.
      open: lib.func('int open(const uint8_t *path, int flags)') as Libc['open'],
      pread: lib.func('long pread(int fd, void *buf, size_t count, long offset)') as Libc['pread'],
      close: lib.func('int close(int fd)') as Libc['close'],
      readlink: lib.func('long readlink(const uint8_t *path, void *buf, size_t size)') as Libc['readlink'],
    };
  } catch {
    libc = null; // not glibc (musl's is libc.musl-*.so.1): node:fs
  }
  return libc;
}

/** Direct reads on or off (tests run the scan both ways); on by default where libc can be reached. */
export function useDirectReads(on: boolean): void {
  enabled = on;
}

const errnoName = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));
const codeOf = (): string => errnoName.get((koffi as typeof Koffi).errno()) ?? 'EIO';

/** The path as a NUL-terminated UTF-8 string (as Node passes it), or false when it does not fit. */
const pathBuf = Buffer.allocUnsafe(4096);
function cPath(path: string): boolean {
  if (path.length >= 1024) return false; // at most 3 UTF-8 bytes a UTF-16 unit: always fits below this
  const n = pathBuf.write(path, 0, 'utf8');
  pathBuf[n] = 0;
  return !path.includes('\0');
}

let readError = '';

/** Error code of the last `readInto` or `readLink` that failed. */
export const lastReadError = (): string => readError;

/**
 * Reads the file at `path` into `buf` with one read at offset 0 (what a
 * /proc file's content is): the byte count, or -1 (the error: lastReadError()).
 */
export function readInto(path: string, buf: Buffer): number {
  const c = enabled ? load() : null;
  if (c && cPath(path)) {
    const fd = c.open(pathBuf, O_RDONLY_CLOEXEC);
    if (fd < 0) {
      readError = codeOf();
      return -1;
    }
    const n = c.pread(fd, buf, buf.length, 0);
    const code = n < 0 ? codeOf() : '';
    c.close(fd);
    if (n < 0) {
      readError = code;
      return -1;
    }
    return n;
  }
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    return readSync(fd, buf, 0, buf.length, 0);
  } catch (err) {
    readError = (err as NodeJS.ErrnoException).code ?? 'EIO';
    return -1;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Opens `path` read-only (close-on-exec): the descriptor, or -1 (the error: lastReadError()). */
export function openFile(path: string): number {
  const c = enabled ? load() : null;
  if (c && cPath(path)) {
    const fd = c.open(pathBuf, O_RDONLY_CLOEXEC);
    if (fd < 0) readError = codeOf();
    return fd;
  }
  try {
    return openSync(path, 'r');
  } catch (err) {
    readError = (err as NodeJS.ErrnoException).code ?? 'EIO';
    return -1;
  }
}

/** One read at offset 0 of an open file into `buf` (a /proc file is generated afresh): the byte count, or -1 (lastReadError()). */
export function readOpen(fd: number, buf: Buffer): number {
  const c = enabled ? load() : null;
  if (c) {
    const n = c.pread(fd, buf, buf.length, 0);
    if (n < 0) readError = codeOf();
    return n;
  }
  try {
    return readSync(fd, buf, 0, buf.length, 0);
  } catch (err) {
    readError = (err as NodeJS.ErrnoException).code ?? 'EIO';
    return -1;
  }
}

/** Closes a descriptor from openFile. */
export function closeFile(fd: number): void {
  const c = enabled ? load() : null;
  if (c) c.close(fd);
  else
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
}

const linkBuf = Buffer.allocUnsafe(4096);

/** readlinkSync(path) as a string, or null (the error: lastReadError()). */
export function readLink(path: string): string | null {
  const c = enabled ? load() : null;
  if (c && cPath(path)) {
    const n = c.readlink(pathBuf, linkBuf, linkBuf.length);
    if (n < 0) {
      readError = codeOf();
      return null;
    }
    if (n < linkBuf.length) return linkBuf.toString('utf8', 0, n);
  }
  try {
    return readlinkSync(path);
  } catch (err) {
    readError = (err as NodeJS.ErrnoException).code ?? 'EIO';
    return null;
  }
}
