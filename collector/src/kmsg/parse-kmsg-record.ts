import type { KmsgRecord } from '../../../proto/generated/whystuck/v1/KmsgRecord';

/**
 * One record as /dev/kmsg returns it per read():
 *   "6,1234,5678901,-,caller=T42;text\n SUBSYSTEM=block\n DEVICE=b8:0\n"
 * prefix = facility * 8 + level; non-printable bytes arrive as \xNN.
 */
export function parseKmsgRecord(raw: string, bootTimeMs: number): KmsgRecord | null {
  const semi = raw.indexOf(';');
  if (semi < 0) return null;
  const head = raw.slice(0, semi).split(',');
  const prefix = Number(head[0]);
  const seq = head[1];
  const usec = head[2];
  if (!Number.isInteger(prefix) || !/^\d+$/.test(seq ?? '') || !/^\d+$/.test(usec ?? '')) return null;
  const caller =
    head
      .slice(4)
      .find((h) => h.startsWith('caller='))
      ?.slice(7) ?? '';
  const body = raw
    .slice(semi + 1)
    .replace(/\n$/, '')
    .split('\n');
  const monotonicUs = Number(usec);
  return {
    seq,
    level: prefix & 7,
    facility: prefix >> 3,
    monotonic_us: usec,
    wall_time_unix_ms: String(Math.round(bootTimeMs + monotonicUs / 1000)),
    text: unescapeKmsg(body[0] ?? ''),
    continuation: body.slice(1).map((l) => l.replace(/^ /, '')),
    caller,
  };
}

function unescapeKmsg(s: string): string {
  return s.replace(/\\x([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}
