import { closeSync, constants, openSync } from 'node:fs';
import type { KmsgRecord } from '../../../proto/generated/whystuck/v1/KmsgRecord';
import { readKmsgRecord } from '../kmsg/read-kmsg';

/**
 * Follows /dev/kmsg with one non-blocking descriptor kept open: each poll
 * reads the records written since the last one (a single EAGAIN when there
 * are none), so following costs a syscall per poll. The first poll reads the
 * whole ring. EPIPE (records overwritten before they were read) is counted.
 * Never blocks a thread: reads are non-blocking.
 */
export interface KmsgFollower {
  /** Reads what is new; returns the records (possibly none). */
  poll(): KmsgRecord[];
  readonly lost: number;
  /** Why the log cannot be read, if it cannot. */
  readonly problem: string | undefined;
  close(): void;
}

export function createKmsgFollower(opts: { path?: string; bootTimeMs: number }): KmsgFollower {
  const path = opts.path ?? '/dev/kmsg';
  const buf = Buffer.allocUnsafe(16 * 1024);
  let fd = -1;
  let lost = 0;
  let problem: string | undefined;
  let lastSeq = -1;

  const open = (): boolean => {
    if (fd >= 0) return true;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      problem = undefined;
      return true;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      problem = `${path}: ${e.code ?? e.message}${e.code === 'EPERM' || e.code === 'EACCES' ? ' (the collector needs CAP_SYSLOG)' : ''}`;
      return false;
    }
  };

  return {
    poll() {
      if (!open()) return [];
      const out: KmsgRecord[] = [];
      for (;;) {
        let rec: ReturnType<typeof readKmsgRecord>;
        try {
          rec = readKmsgRecord(fd, buf, opts.bootTimeMs);
        } catch (err) {
          problem = `${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
          closeSync(fd);
          fd = -1;
          break;
        }
        if (rec === 'end') break;
        if (rec === 'skip') continue;
        const seq = Number(rec.seq);
        if (lastSeq >= 0 && seq > lastSeq + 1) lost += seq - lastSeq - 1;
        if (seq <= lastSeq) continue;
        lastSeq = seq;
        out.push(rec);
      }
      return out;
    },
    get lost() {
      return lost;
    },
    get problem() {
      return problem;
    },
    close() {
      if (fd >= 0) closeSync(fd);
      fd = -1;
    },
  };
}
