import { accessSync, constants } from 'node:fs';
import { KmsgCache, readKmsg } from '../../../collector/src/kmsg/read-kmsg';

const readable = ((): boolean => {
  try {
    accessSync('/dev/kmsg', constants.R_OK);
    return readKmsg({ sinceSeq: 0n, bootTimeMs: 0 }).status === 'ok';
  } catch {
    return false;
  }
})();
const json = (v: unknown): string => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x));

(readable ? describe : describe.skip)('the kernel log read with a cache of parsed records', () => {
  it('answers exactly what a read without it answers, for any starting sequence', () => {
    const cache = new KmsgCache();
    const all = readKmsg({ sinceSeq: 0n, bootTimeMs: 1_700_000_000_000 });
    if (all.status !== 'ok') throw new Error('unreadable');
    const newest = Number(all.newestSeq);
    for (const since of [0, Math.floor(newest / 2), newest, newest + 1, 0]) {
      const plain = readKmsg({ sinceSeq: BigInt(since), bootTimeMs: 1_700_000_000_000 });
      const cached = readKmsg({ sinceSeq: BigInt(since), bootTimeMs: 1_700_000_000_000, cache });
      // Records the kernel added in between are in the second read only.
      if (cached.status === 'ok' && plain.status === 'ok' && cached.newestSeq !== plain.newestSeq) continue;
      expect(json(cached)).toBe(json(plain));
    }
    expect(cache.seen.size).toBeGreaterThan(0);
  });

  it('reuses a record parsed before, and parses again for another boot time', () => {
    const cache = new KmsgCache();
    const a = readKmsg({ sinceSeq: 0n, bootTimeMs: 1_000_000, cache });
    const b = readKmsg({ sinceSeq: 0n, bootTimeMs: 1_000_000, cache });
    const c = readKmsg({ sinceSeq: 0n, bootTimeMs: 2_000_000, cache });
    if (a.status !== 'ok' || b.status !== 'ok' || c.status !== 'ok' || a.records.length === 0) throw new Error('nothing to read');
    expect(b.records[0]).toBe(a.records[0]);
    expect(c.records[0]).not.toBe(a.records[0]);
    expect(Number(c.records[0].wall_time_unix_ms) - Number(a.records[0].wall_time_unix_ms)).toBe(1_000_000);
    // Only the records of the last read are kept.
    expect(cache.seen.size).toBeLessThanOrEqual(c.records.length + 1);
  });
});
