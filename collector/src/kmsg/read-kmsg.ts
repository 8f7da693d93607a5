import { closeSync, constants, openSync, readSync } from 'node:fs';
import type { KmsgRecord } from '../../../proto/generated/whystuck/v1/KmsgRecord';
import { parseKmsgRecord } from './parse-kmsg-record';

export type KmsgResult =
  | { status: 'ok'; records: KmsgRecord[]; nextSeq: bigint; lost: bigint; newestSeq: bigint }
  | { status: 'unreadable'; code: string; message: string };

/**
 * Reads the kernel ring buffer from /dev/kmsg without blocking: every read()
 * returns one record; EAGAIN means the end; EPIPE means records were
 * overwritten before we got to them (counted in `lost`, reading goes on).
 * /dev/kmsg cannot seek to a sequence number, so records below `sinceSeq`
 * are read and dropped.
 */
/**
 * One read() of a non-blocking /dev/kmsg descriptor: a record; 'end' when
 * there is none yet (EAGAIN); 'skip' for records overwritten before they were
 * read (EPIPE), one larger than `buf` (EINVAL) or one that does not parse.
 * Any other error is thrown.
 */
export function readKmsgRecord(fd: number, buf: Buffer, bootTimeMs: number): KmsgRecord | 'end' | 'skip' {
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, null);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') return 'end';
    if (code === 'EPIPE' || code === 'EINVAL') return 'skip';
    throw err;
  }
  if (n === 0) return 'end';
  return parseKmsgRecord(buf.toString('utf8', 0, n), bootTimeMs) ?? 'skip';
}

export function readKmsg(opts: { sinceSeq: bigint; bootTimeMs: number; path?: string; maxRecords?: number }): KmsgResult {
  let fd: number;
  try {
    fd = openSync(opts.path ?? '/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { status: 'unreadable', code: e.code ?? 'EIO', message: e.message };
  }
  const buf = Buffer.allocUnsafe(16 * 1024);
  const records: KmsgRecord[] = [];
  const max = opts.maxRecords ?? 20000;
  let lost = 0n;
  let nextSeq = opts.sinceSeq;
  let lastSeq = -1n;
  try {
    for (;;) {
      const rec = readKmsgRecord(fd, buf, opts.bootTimeMs);
      if (rec === 'end') break;
      if (rec === 'skip') continue;
      const seq = BigInt(String(rec.seq));
      if (lastSeq >= 0n && seq > lastSeq + 1n) lost += seq - lastSeq - 1n;
      lastSeq = seq;
      if (seq < opts.sinceSeq) continue;
      if (records.length === 0 && seq > opts.sinceSeq && opts.sinceSeq > 0n) lost += seq - opts.sinceSeq;
      records.push(rec);
      if (records.length > max) records.shift();
      nextSeq = seq + 1n;
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { status: 'unreadable', code: e.code ?? 'EIO', message: e.message };
  } finally {
    closeSync(fd);
  }
  return { status: 'ok', records, nextSeq: records.length > 0 ? nextSeq : (lastSeq >= opts.sinceSeq ? lastSeq + 1n : opts.sinceSeq), lost, newestSeq: lastSeq };
}
