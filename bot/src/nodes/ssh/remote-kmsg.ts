import type { KmsgRecord } from '../../../../proto/generated/whystuck/v1/KmsgRecord';
import { parseKmsgRecord } from '../../../../collector/src';

export interface RemoteKmsg {
  records: KmsgRecord[];
  nextSeq: bigint;
  lost: bigint;
  newestSeq: bigint;
}

/**
 * The kernel log as /dev/kmsg streamed it through dd: records end with a
 * newline, their dictionary lines start with a space (the kernel escapes any
 * other newline as \x0a), so the stream splits back into the records one
 * read() returned each, parsed by the collector's parser. Sequence gaps count
 * as lost records; records below `sinceSeq` are dropped; at most `maxRecords`
 * (the newest) are kept, as the collector does.
 */
export function kmsgFromStream(raw: string, opts: { sinceSeq: bigint; bootTimeMs: number; maxRecords?: number }): RemoteKmsg {
  const max = opts.maxRecords ?? 20000;
  const records: KmsgRecord[] = [];
  let lost = 0n;
  let lastSeq = -1n;
  let nextSeq = opts.sinceSeq;
  for (const text of splitRecords(raw)) {
    const rec = parseKmsgRecord(text, opts.bootTimeMs);
    if (!rec) continue;
    const seq = BigInt(String(rec.seq));
    if (seq <= lastSeq) continue; // a re-read of the ring after overwritten records
    if (lastSeq >= 0n && seq > lastSeq + 1n) lost += seq - lastSeq - 1n;
    lastSeq = seq;
    if (seq < opts.sinceSeq) continue;
    if (records.length === 0 && seq > opts.sinceSeq && opts.sinceSeq > 0n) lost += seq - opts.sinceSeq;
    records.push(rec);
    nextSeq = seq + 1n;
  }
  const kept = records.length > max ? records.slice(records.length - max) : records;
  return { records: kept, nextSeq: records.length > 0 ? nextSeq : lastSeq >= opts.sinceSeq ? lastSeq + 1n : opts.sinceSeq, lost, newestSeq: lastSeq };
}

function splitRecords(raw: string): string[] {
  const out: string[] = [];
  for (const line of raw.split('\n')) {
    if (line === '') continue;
    if (line.startsWith(' ') && out.length > 0) out[out.length - 1] += `${line}\n`;
    else out.push(`${line}\n`);
  }
  return out;
}

/**
 * `dmesg -r` lines ("<6>[   12.345678] text"), for nodes whose /dev/kmsg the
 * SSH user cannot open but whose syslog(2) it may read. They carry no
 * sequence numbers: records are numbered from 0 in the order printed.
 */
export function kmsgFromDmesg(text: string, bootTimeMs: number): KmsgRecord[] {
  const out: KmsgRecord[] = [];
  for (const line of text.split('\n')) {
    const m = /^<(\d+)>\[\s*(\d+)\.(\d{1,6})\]\s?(.*)$/.exec(line);
    if (!m) continue;
    const prefix = Number(m[1]);
    const us = BigInt(m[2]) * 1000000n + BigInt(m[3].padEnd(6, '0'));
    out.push({
      seq: String(out.length),
      level: prefix & 7,
      facility: prefix >> 3,
      monotonic_us: us.toString(),
      wall_time_unix_ms: String(Math.round(bootTimeMs + Number(us) / 1000)),
      text: m[4],
      continuation: [],
      caller: '',
    });
  }
  return out;
}
