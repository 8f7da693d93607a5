import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createSnapshotter } from '../../../collector/src/snapshot/snapshotter';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import { guardedFiles, parseRecords } from '../../../bot/src/nodes/ssh/remote-records';
import { remoteScript } from '../../../bot/src/nodes/ssh/remote-scripts';
import { openSshSession, SSH_MAX_OUTPUT_BYTES } from '../../../bot/src/nodes/ssh/ssh-session';
import { sshSnapshot } from '../../../bot/src/nodes/ssh/ssh-snapshot';
import { cleanupAll, trackPid } from '../../helpers/kernel/cleanup';
import { childrenOf, waitFor } from '../../helpers/kernel/processes';
import { startSshd, sshdAvailable, type TestSshd } from '../../helpers/ssh/sshd-server';
import { targetFor } from '../../helpers/ssh/ssh-target';

const sshd = sshdAvailable();
if (!sshd.ok) process.stderr.write(`SSH limit tests skipped: ${sshd.reason}\n`);
const describeSsh = sshd.ok ? describe : describe.skip;

/** Processes whose command lines are longer than `bytes` (sh waiting on a pipe in its read builtin: no child to leave behind), killed on cleanup. */
async function hugeArgv(count: number, bytes: number): Promise<number[]> {
  const piece = 100_000;
  const args = Array.from({ length: Math.ceil(bytes / piece) }, (_, i) => String(i % 10).repeat(piece));
  const pids: number[] = [];
  for (let i = 0; i < count; i++) {
    const child = spawn('/bin/sh', ['-c', 'read -r line\n:', 'x', ...args], { stdio: ['pipe', 'ignore', 'ignore'], env: {} });
    pids.push(trackPid(child.pid));
  }
  // Until each has exec'd sh with its whole argv.
  await waitFor(() => pids.every((p) => { try { return readFileSync(`/proc/${p}/cmdline`).length > bytes; } catch { return false; } }), 'the huge command lines');
  return pids;
}

describeSsh('SSH fallback limits, on a real OpenSSH server on 127.0.0.1', () => {
  let server: TestSshd;
  beforeAll(async () => { server = await startSshd(); });
  afterAll(async () => {
    await cleanupAll();
    await server?.stop();
  });
  afterEach(cleanupAll);

  describe('what it reads from the node is capped', () => {
    it('a run that prints more than 32 MiB is stopped with an error naming the limit, and the connection is closed', async () => {
      expect(SSH_MAX_OUTPUT_BYTES).toBe(32 * 1024 * 1024);
      const s = await openSshSession(targetFor(server));
      if (s.status !== 'ok') throw new Error(s.message);
      try {
        const t0 = Date.now();
        // 48 MiB of zeros from a node: more than the fallback reads from one run.
        const r = await s.value.run('head -c 50331648 /dev/zero', ['flood']);
        expect(r).toMatchObject({ status: 'rejected', code: 'OUTPUT_TOO_LARGE' });
        expect((r as { message: string }).message).toBe(`the flood script on root@127.0.0.1:${server.port} printed more than 32 MiB (33554432 bytes), the most the SSH fallback reads from one script run: stopped reading and closed the connection; nothing it printed was used`);
        expect(Date.now() - t0).toBeLessThan(20_000);
        // The connection is gone: the next run on it says why, and sshd's session for it ends.
        expect(await s.value.run('echo hi', ['again'])).toEqual(r);
        await waitFor(() => childrenOf(server.pid).length === 0, "sshd's session process to end");
      } finally {
        s.value.close();
      }
    });

    it('a snapshot whose run passes the limit fails as a whole: nothing partial is diagnosed', async () => {
      const r = await sshSnapshot(targetFor(server, { maxOutputBytes: 64 * 1024 }), { whole_node: true });
      expect(r).toMatchObject({ status: 'rejected', code: 'OUTPUT_TOO_LARGE' });
      expect((r as { message: string }).message).toMatch(/^the (scan|cmdlines) script on root@127\.0\.0\.1:\d+ printed more than 64 KiB \(65536 bytes\), the most the SSH fallback reads from one script run: stopped reading and closed the connection; nothing it printed was used$/);
      expect('value' in r).toBe(false);
    });

    it('command lines are cut to 4 KiB on the node: 30 processes with 1.2 MB argvs (36 MB) cost a few KiB each, and read as the collector reads them', async () => {
      const pids = await hugeArgv(30, 1_200_000);
      const s = await openSshSession(targetFor(server));
      if (s.status !== 'ok') throw new Error(s.message);
      let printed: Buffer;
      try {
        const run = await s.value.run(remoteScript('collect'), ['cmdlines']);
        if (run.status !== 'ok') throw new Error(run.message);
        printed = run.value.stdout;
      } finally {
        s.value.close();
      }
      expect(printed.length).toBeLessThan(2 * 1024 * 1024);
      const files = guardedFiles(parseRecords(printed), 'cmdlines');
      for (const pid of pids) {
        const f = files.get(`${pid}/cmdline`);
        expect(f?.status).toBe('ok');
        expect(f?.status === 'ok' && Buffer.byteLength(f.raw, 'latin1')).toBe(4096);
        expect(f?.status === 'ok' && f.raw.startsWith('/bin/sh\0-c\0read -r line\n:\0x\x000000')).toBe(true);
      }
      // The whole snapshot, beside the in-process collector's: the same cut command lines.
      const local = createSnapshotter();
      try {
        const [mine, theirs] = await Promise.all([sshSnapshot(targetFor(server), { whole_node: true, skip_kmsg: true }), local.snapshot({ whole_node: true, skip_kmsg: true })]);
        if (mine.status !== 'ok') throw new Error(mine.message);
        const cmdlines = (snap: SnapshotResponse) => pids.map((pid) => (snap.tasks ?? []).find((t) => Number(t.tid) === pid)?.cmdline);
        expect(cmdlines(mine.value)).toEqual(cmdlines(theirs as SnapshotResponse));
        expect(cmdlines(mine.value).every((c) => c?.startsWith('/bin/sh -c read -r line'))).toBe(true);
      } finally {
        await local.close();
      }
    });
  });
});
