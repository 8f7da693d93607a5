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

describe('parseStatBytes', () => {
  const { parseStatBytes } = require('../../../collector/src/procfs/parse-stat') as typeof import('../../../collector/src/procfs/parse-stat');
  const viaBytes = (line: string): ReturnType<typeof parseStat> => {
    const out = { pid: -1, comm: '', state: '', ppid: 0, flags: 0, utime: 0, stime: 0, priority: 0, nice: 0, numThreads: 0, startTime: 0, blocked: false, processor: 0, rtPriority: 0 };
    const buf = Buffer.alloc(8192);
    const n = buf.write(line, 'latin1');
    return parseStatBytes(buf, n, out) ? out : null;
  };
  const base = '22103 (prom) S 22080 22103 22103 0 -1 4228172 5049 0 1 0 120 31 0 0 20 -5 6 0 78812 0 0 18446744073709551615 0 0 0 0 0 0 0 0 16386 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';

  it('reads a line from its bytes exactly as parseStat reads its text', () => {
    const lines = [
      base,
      base.replace('(prom)', '(prom) (x y)'), // a comm with ") (" and spaces
      base.replace('(prom)', '()'),
      base.replace('(prom)', '(a\u00e9\u00ff)'), // bytes above 0x7f, as latin1
      base.replace(' S ', ' D '),
      `${base}\n`,
      ' 7 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5', // an unusual start: parseStat's own path
      '007 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5',
      '1234567890123456 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5',
      '12 (x) S 1', // too short
      '12 (x)S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5', // no space after ")"
      '12 (x) ', // ends after ") "
      'hello (world',
      '',
      '(x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5',
    ];
    for (const line of lines) expect([line, viaBytes(line)]).toEqual([line, parseStat(line)]);
  });

  it('agrees with parseStat on every stat file of this machine', () => {
    const { readdirSync, readFileSync } = require('node:fs') as typeof import('node:fs');
    let n = 0;
    for (const pid of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/stat`, 'latin1');
      } catch {
        continue;
      }
      expect(viaBytes(text)).toEqual(parseStat(text));
      n++;
    }
    expect(n).toBeGreaterThan(10);
  });
});
