import { parseStat } from '../../../collector/src/procfs/parse-stat';

describe('parseStat', () => {
  // A real line from this kernel's /proc/PID/stat, with the comm changed to one holding ") (" and spaces.
  const line = '22103 (prom) (x y) Z 22080 22103 22103 0 -1 4228172 5049 0 1 0 120 31 0 0 20 0 6 0 78812 0 0 18446744073709551615 0 0 0 0 0 0 0 0 16386 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';

  it('takes comm up to the last parenthesis, whatever it contains', () => {
    const s = parseStat(line);
    expect(s).not.toBeNull();
    expect(s?.comm).toBe('prom) (x y');
    expect(s?.state).toBe('Z');
    expect(s?.ppid).toBe(22080);
    expect(s?.numThreads).toBe(6);
    expect(s?.startTime).toBe(78812);
    expect(s?.flags).toBe(4228172);
    expect(s?.processor).toBe(1);
  });

  it('reads this process from the live kernel', () => {
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const s = parseStat(readFileSync(`/proc/${process.pid}/stat`, 'latin1'));
    expect(s?.pid).toBe(process.pid);
    expect(s?.ppid).toBe(process.ppid);
    expect(['R', 'S']).toContain(s?.state);
    expect(s?.startTime).toBeGreaterThan(0);
  });

  it('rejects what is not a stat line', () => {
    expect(parseStat('')).toBeNull();
    expect(parseStat('hello (world')).toBeNull();
    expect(parseStat('12 (x) S 1')).toBeNull();
  });
});
