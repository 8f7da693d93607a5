/**
 * /proc files the main thread's walk keeps open from one scan to the next.
 *
 * Most of a small /proc read is opening the file (a path walk through
 * procfs, a fresh file each time) and closing it; the read itself — the
 * kernel formatting the task's stat line — is under half (measured on this
 * VM: 13.6 µs a stat file opened, read and closed; 5.8 µs a read of one kept
 * open). A /proc/PID file read at offset 0 is generated afresh, so a
 * descriptor kept open reads the task's state now, and it stays bound to the
 * task it was opened on: once that task has exited (or its PID is reused by
 * another) the read fails with ESRCH, and the file is opened again by path.
 *
 * What is kept: each process's status file and its threads' stat files, and
 * the thread list last read for it — still right while status counts as many
 * threads and every thread's stat still reads (the walk lists the directory
 * again otherwise). A file not read in `keepWalks` walks (its process exited,
 * or the other thread took it) is closed.
 *
 * The cost is kernel memory: an open /proc file read once keeps its seq_file
 * buffer, a page (measured: 11,156 such files held 48 MB of unreclaimable
 * slab). So at most `budget` descriptors are held — 12,288 (48 MB) by
 * default, and no more than half of RLIMIT_NOFILE; past it, files are opened
 * and closed per read as before — and the task scanner closes them all a
 * minute after its last walk (task-scanner.ts): the memory is held while
 * questions come, not for the collector's life.
 *
 * Only for the main thread's walk of the real /proc: a reader thread may be
 * written off while blocked, and what it held would be lost with it.
 */
import { readFileSync } from 'node:fs';
import { closeFile, openFile, readInto, readOpen } from './direct-read';

interface Held {
  fd: number;
  walk: number;
}

export interface HeldFilesStats {
  /** Descriptors held now. */
  held: number;
  /** Reads through a held descriptor. */
  warm: number;
  /** Reads that opened the file (and kept it, or closed it past the budget). */
  cold: number;
}

/** The soft RLIMIT_NOFILE of this process (from /proc/self/limits), or 1,024 when unreadable. */
function openFilesLimit(): number {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    const n = line?.[1] === 'unlimited' ? Infinity : Number(line?.[1]);
    return Number.isFinite(n) || n === Infinity ? n : 1024;
  } catch {
    return 1024;
  }
}

export class HeldFiles {
  private readonly files = new Map<string, Held>();
  private readonly threads = new Map<number, string[]>();
  private walk = 0;
  private warm = 0;
  private cold = 0;
  private closed = false;

  constructor(
    readonly budget = Math.min(12288, Math.floor(openFilesLimit() / 2)),
    private readonly keepWalks = 3,
  ) {}

  /**
   * Reads `path` into `buf` (one read at offset 0): the byte count, or -1
   * (lastReadError()). Through its held descriptor when there is one; if that
   * read fails (the task is gone), the file is opened again by path once.
   */
  read(path: string, buf: Buffer): number {
    const h = this.files.get(path);
    if (h) {
      h.walk = this.walk;
      const n = readOpen(h.fd, buf);
      if (n >= 0) {
        this.warm++;
        return n;
      }
      this.files.delete(path);
      closeFile(h.fd);
    }
    this.cold++;
    // Past the budget, or after close() (a walk still under way when its scanner closed): nothing more is kept.
    if (this.files.size >= this.budget || this.closed) return readInto(path, buf);
    const fd = openFile(path);
    if (fd < 0) return -1;
    const n = readOpen(fd, buf);
    if (n < 0) {
      closeFile(fd); // leaves the read's error for lastReadError()
      return -1;
    }
    this.files.set(path, { fd, walk: this.walk });
    return n;
  }

  /** The thread list last read for process `tgid` (tids as listed), if any. */
  threadsOf(tgid: number): string[] | undefined {
    return this.threads.get(tgid);
  }

  /** Keeps the thread list just read for process `tgid`; undefined forgets it. */
  keepThreads(tgid: number, tids: string[] | undefined): void {
    if (tids) this.threads.set(tgid, tids);
    else this.threads.delete(tgid);
  }

  /**
   * Ends a walk: closes the files not read in the last `keepWalks` walks, and
   * forgets the thread lists of processes that were not in `live` (the proc
   * root's listing at the walk's start).
   */
  endWalk(live: ReadonlySet<number>): void {
    for (const [path, h] of this.files) {
      if (this.walk - h.walk >= this.keepWalks) {
        this.files.delete(path);
        closeFile(h.fd);
      }
    }
    for (const tgid of this.threads.keys()) if (!live.has(tgid)) this.threads.delete(tgid);
    this.walk++;
  }

  /** Closes every held descriptor; reads after it open and close their files. */
  close(): void {
    this.closed = true;
    for (const h of this.files.values()) closeFile(h.fd);
    this.files.clear();
    this.threads.clear();
  }

  stats(): HeldFilesStats {
    return { held: this.files.size, warm: this.warm, cold: this.cold };
  }
}
