import { closeSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import { lastReadError, readInto, readLink, useDirectReads } from '../../../collector/src/procfs/direct-read';

/** What node:fs reads (the reference): the text, or 'ERR <code>'. */
function nodeRead(path: string, buf: Buffer): string {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    return buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, 0));
  } catch (err) {
    return `ERR ${(err as NodeJS.ErrnoException).code}`;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

function directRead(path: string, buf: Buffer): string {
  const n = readInto(path, buf);
  return n < 0 ? `ERR ${lastReadError()}` : buf.toString('latin1', 0, n);
}

function nodeLink(path: string): string {
  try {
    return readlinkSync(path);
  } catch (err) {
    return `ERR ${(err as NodeJS.ErrnoException).code}`;
  }
}

function directLink(path: string): string {
  const l = readLink(path);
  return l === null ? `ERR ${lastReadError()}` : l;
}

describe('direct reads (libc) for the task scan', () => {
  const a = Buffer.alloc(65536);
  const b = Buffer.alloc(65536);
  afterEach(() => useDirectReads(true));

  it.each([true, false])('read what node:fs reads, and fail with the same codes (direct: %s)', (direct) => {
    useDirectReads(direct);
    const pids = readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .slice(0, 200);
    let compared = 0;
    for (const pid of pids) {
      // Files whose text does not change between two reads, and some that do not exist.
      for (const f of ['cgroup', 'cmdline', 'nothing-here', `task/${pid}/comm`, 'task/1/stat']) {
        const path = `/proc/${pid}/${f}`;
        const want = nodeRead(path, a);
        const got = directRead(path, b);
        if (want !== got && !want.startsWith('ERR') && !got.startsWith('ERR')) continue; // changed in between (an exec)
        expect([path, got]).toEqual([path, want]);
        compared++;
      }
      expect([pid, directLink(`/proc/${pid}/ns/pid`)]).toEqual([pid, nodeLink(`/proc/${pid}/ns/pid`)]);
    }
    expect(compared).toBeGreaterThan(pids.length * 3);
    for (const path of ['/nonexistent/x', '/proc/self/fd/1000000/x', '/tmp/ü-not-there', '/proc/self/task']) expect([path, directRead(path, b)]).toEqual([path, nodeRead(path, a)]);
    expect(directRead('/proc/self/stat', b)).toMatch(/^\d+ \(/);
    expect(directLink('/proc/self/ns/pid')).toMatch(/^pid:\[\d+\]$/);
  });

  it('answers a vanished task with ENOENT or ESRCH, as node:fs does', () => {
    expect(directRead('/proc/4194304/stat', b)).toBe('ERR ENOENT');
    expect(directLink('/proc/4194304/ns/pid')).toBe('ERR ENOENT');
  });
});
