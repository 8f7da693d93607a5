import { closeSync, constants, openSync, readSync } from 'node:fs';
import type { KmsgRecord } from '../../../proto/generated/whystuck/v1/KmsgRecord';
import { parseKmsgRecord } from './parse-kmsg-record';

export type KmsgResult = { status: 'ok'; records: KmsgRecord[]; nextSeq: bigint; lost: bigint; newestSeq: bigint } | { status: 'unreadable'; code: string; message: string };

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
export function readKmsgRecord(fd: number, buf: Buffer, bootTimeMs: number, cache?: KmsgCache): KmsgRecord | 'end' | 'skip' {
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
  if (!cache) return parseKmsgRecord(buf.toString('utf8', 0, n), bootTimeMs) ?? 'skip';
  const seq = seqOf(buf, n);
  const known = seq >= 0 ? cache.seen.get(seq) : undefined;
  if (known && known.length === n) {
    cache.next.set(seq, known);
    return known.record;
  }
  const rec = parseKmsgRecord(buf.toString('utf8', 0, n), bootTimeMs);
  if (!rec) return 'skip';
  if (seq >= 0) cache.next.set(seq, { record: rec, length: n });
  return rec;
}

/**
 * Records of earlier reads, by sequence number: a record never changes, and
 * the ring holds thousands, nearly all read again by the next snapshot —
 * parsed once, they are not made again (their objects were most of what each
 * snapshot left for the garbage collector). Valid for one boot time (their
 * wall times); a read keeps only the records it met, so it never outgrows the
 * ring. Callers share a record object: none may change it (then `clear` it).
 */
export class KmsgCache {
  seen = new Map<number, { record: KmsgRecord; length: number }>();
  next = new Map<number, { record: KmsgRecord; length: number }>();
  bootTimeMs = NaN;

  clear(): void {
    this.seen = new Map();
    this.next = new Map();
  }
}

/** The sequence number of a raw record ("prefix,seq,usec,flags[,…];text"), or -1. */
function seqOf(buf: Buffer, n: number): number {
  let i = 0;
  while (i < n && buf[i] !== 44) i++;
  let seq = 0;
  let digits = 0;
  for (i++; i < n && buf[i] >= 48 && buf[i] <= 57 && digits < 16; i++, digits++) seq = seq * 10 + (buf[i] - 48);
  return digits > 0 && digits < 16 && i < n && buf[i] === 44 ? seq : -1;
}

export function readKmsg(opts: { sinceSeq: bigint; bootTimeMs: number; path?: string; maxRecords?: number; cache?: KmsgCache }): KmsgResult {
  let fd: number;
  try {
    fd = openSync(opts.path ?? '/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { status: 'unreadable', code: e.code ?? 'EIO', message: e.message };
  }
  const buf = Buffer.allocUnsafe(16 * 1024);
  const cache = opts.cache;
  if (cache && cache.bootTimeMs !== opts.bootTimeMs) {
    cache.clear();
    cache.bootTimeMs = opts.bootTimeMs;
  }
  if (cache) cache.next = new Map();
  const records: KmsgRecord[] = [];
  const max = opts.maxRecords ?? 20000;
  let lost = 0n;
  let nextSeq = opts.sinceSeq;
  let lastSeq = -1n;
  try {
    for (;;) {
      const rec = readKmsgRecord(fd, buf, opts.bootTimeMs, cache);
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
    if (cache) {
      cache.seen = cache.next;
      cache.next = new Map();
    }
  }
  return { status: 'ok', records, nextSeq: records.length > 0 ? nextSeq : lastSeq >= opts.sinceSeq ? lastSeq + 1n : opts.sinceSeq, lost, newestSeq: lastSeq };
}
